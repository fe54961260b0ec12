// One worker's connections to one Redis backend: a few shared connections
// to the current master per RESP version, and the dedicated connections of
// clients that hold connection state. The pool follows the master: when a
// snapshot names another one (a failover) or the master answers -READONLY,
// shared connections to the old one are retired and new commands go to the
// new one; while no master is known, clients wait (up to failover_timeout).
#pragma once

#include <uv.h>

#include <array>
#include <map>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "proxy/core/worker.hpp"
#include "proxy/redis/redis_counters.hpp"

namespace sy::redis {

class ClientSession;
class ServerConnection;

class ServerPool {
 public:
  // `counters`: this worker's for the backend (it is their only writer).
  ServerPool(core::Worker& worker, std::string backend, WorkerCounters& counters);
  ~ServerPool();
  ServerPool(const ServerPool&) = delete;
  ServerPool& operator=(const ServerPool&) = delete;

  core::Worker& worker() { return worker_; }
  const std::string& backend() const { return backend_; }
  WorkerCounters& counters() { return counters_; }

  // A shared connection to the master for a client speaking `protocol`
  // (2 or 3), chosen by `client_id` so a client keeps to one; nullptr when
  // no master is known (the client waits: wait_for_master()).
  ServerConnection* shared(int protocol, uint64_t client_id);
  // A shared connection to a replica that `roles` allows (the listener's
  // lag limits), for read-only commands (read_from); nullptr when none
  // qualifies now, or the backend is paused.
  ServerConnection* replica(int protocol, uint64_t client_id, const balancer::RoleFilter& roles);
  // A connection of the client's own, in database `db`; nullptr with the
  // reason in `error` (no master, or max_dedicated reached).
  ServerConnection* dedicated(ClientSession* owner, int protocol, unsigned db, std::string& error);
  // A dedicated connection whose client's state ended: kept, renewed, for
  // the next client that needs one (on the current master, a few per RESP
  // version), or closed.
  void release_dedicated(ServerConnection* connection);
  // Whether clients should wait for a master rather than fail: none is
  // known, but not for longer than failover_timeout.
  bool master_expected() const;
  // A master takes commands now: one is known and the operator has not
  // paused the backend.
  bool has_master() const { return master_.has_value() && !paused_; }
  bool paused() const { return paused_; }
  // Client commands on shared connections not answered yet (for a pause
  // that waits for them).
  size_t commands_in_flight() const;
  std::chrono::milliseconds failover_timeout() const;
  void wait_for_master(ClientSession* client);
  void stop_waiting(ClientSession* client);

  // The number of databases the servers have (CONFIG GET databases), for
  // SELECT checked by the proxy; 16, Redis' default, until known.
  unsigned databases() const { return databases_ ? databases_ : 16; }
  bool databases_known() const { return databases_ != 0; }
  void set_databases(unsigned count) { databases_ = count; }

  // From the worker: a new snapshot may name another master.
  void on_snapshot();
  // Closes every connection (the worker stops).
  void shutdown();

  // --- from ServerConnection ---
  void connection_ready(ServerConnection& connection);
  void connection_closed(ServerConnection& connection, bool never_connected);
  void master_demoted(ServerConnection& connection);
  void forget_shared(ServerConnection& connection);
  void destroy(ServerConnection* connection);

 private:
  // The master's pick in the current snapshot, if there is one now.
  std::optional<core::ServerPick> find_master();
  // A new shared connection to `pick`'s server, kept in `list`; nullptr if
  // it failed at once.
  ServerConnection* open_shared(const core::ServerPick& pick, int protocol, bool for_reads,
                                std::vector<ServerConnection*>& list);
  // Retires the read connections of servers that are no longer usable replicas.
  void check_replicas();
  void set_master(std::optional<core::ServerPick> master);
  void wake_waiters();
  bool in_backoff() const;
  static void on_timer(uv_timer_t* timer);

  core::Worker& worker_;
  std::string backend_;
  WorkerCounters& counters_;
  std::optional<core::ServerPick> master_;
  bool paused_ = false;  // by the operator (ctl pause): new commands wait
  uint64_t master_missing_since_ = 0;  // loop time (ms); 0 while a master is known
  // The server that failed to connect and when: not tried again for a moment.
  std::string failed_server_;
  uint64_t failed_at_ = 0;
  // The master that answered -READONLY and when.
  std::string demoted_server_;
  uint64_t demoted_at_ = 0;
  std::array<std::vector<ServerConnection*>, 2> shared_;  // [protocol - 2]
  // Shared connections for reads, per replica (by server name); a replica
  // that failed to connect is not picked again for a moment.
  struct ReplicaConnections {
    std::array<std::vector<ServerConnection*>, 2> shared;
    uint64_t failed_at = 0;
  };
  std::map<std::string, ReplicaConnections> replicas_;
  std::unordered_set<ServerConnection*> all_;
  size_t dedicated_count_ = 0;  // spare ones included
  std::array<std::vector<ServerConnection*>, 2> spare_;  // renewed dedicated connections, [protocol - 2]
  std::vector<ClientSession*> waiters_;
  uv_timer_t retry_timer_;  // wakes waiters to try again after a connect failure
  bool timer_open_ = true;
  unsigned databases_ = 0;
};

}  // namespace sy::redis
