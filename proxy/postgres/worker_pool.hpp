// One (database, user) pool on one worker: its server connections (idle or
// linked), the clients waiting for one (first come, first served), and the
// decisions: link, open another, wait, close. Limits (pool_size,
// max_db_connections) are counted in shared atomics so they hold over all
// workers. Servers stay on the worker that holds them and serve its clients;
// one moves to another worker (its descriptor handed over) only when that
// worker is clearly worse off, so that in a steady load servers settle in
// proportion to each worker's clients and stop moving.
#pragma once

#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "conf/config.hpp"
#include "pgwire/sqlstate.hpp"
#include "proxy/postgres/parameters.hpp"
#include "proxy/postgres/server_connection.hpp"
#include "proxy/postgres/shared_counters.hpp"

namespace sy::postgres {

class ClientConnection;
class PostgresFront;

class WorkerPool {
 public:
  // How often at most a server moves to another worker to even out waits,
  // and by how many servers the other must be short of its share.
  static constexpr uint64_t kRebalanceIntervalMs = 50;
  static constexpr int64_t kRebalanceMargin = 2;
  static constexpr uint64_t kLongWaitSlackMs = 200;
  // How long a query may go on after query_timeout cancelled it before the
  // server connection is given up (and the client told 57014).
  static constexpr uint64_t kCancelGraceMs = 2000;

  WorkerPool(PostgresFront& front, PoolKey key);
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  const std::string& database_name() const { return key_.database; }
  const std::string& user_name() const { return key_.user; }
  const PoolKey& key() const { return key_; }
  conf::DatabaseTarget target() const { return key_.target; }
  // The current settings of this pool's database (from the worker's
  // snapshot); null if a reload removed it.
  const conf::Database* settings() const;
  bool paused() const;  // the operator paused the database: new transactions wait
  PostgresFront& front() { return front_; }
  PoolCounters& counters() { return counters_; }

  // --- clients ---
  // Links a server now, or queues the client (it gets on_server_linked later).
  void acquire(ClientConnection& client);
  // The client no longer waits (it left); no-op if it was not waiting.
  void cancel_wait(ClientConnection& client);
  // Login needs the server's parameters; known after the first server login.
  bool login_parameters_known();
  const ParameterSet& login_parameters() const { return login_parameters_; }
  void wait_for_login_parameters(ClientConnection& client);
  // Credentials of the latest client login, for new server connections.
  void remember_login(ServerLogin login);

  // --- servers ---
  void release(ServerConnection& server);  // the linked client is done with it
  // Made with [backend.tls] settings a reload has since changed.
  bool tls_outdated(const ServerConnection& server) const;
  void cancel_done(ServerConnection& server);  // a server released during its cancel may serve again
  void server_logged_in(ServerConnection& server);
  void server_failed(ServerConnection& server, pgwire::SqlState state, const std::string& message);
  // The server connection is closing: it leaves the pool now (its memory goes
  // when its socket has closed).
  void server_closed(ServerConnection& server, bool was_opening);

  // --- upkeep (the front's janitor) ---
  void tick(uint64_t now_ms);
  void on_snapshot();           // roles, drain or health may have changed
  void give_idle_server_to(unsigned worker);  // if one is idle and nobody here waits
  void adopt(MovingServer moving);            // a server connection moved here
  void close_idle_servers();    // shutdown
  void close_idle_connections_to(const std::string& backend, const std::string& server);
  size_t waiting_count() const { return waiting_.size(); }
  const std::vector<ServerConnection*>& servers() const { return servers_; }
  size_t idle_count() const { return idle_.size(); }
  bool empty() const { return servers_.empty() && waiting_.empty() && login_waiters_.empty(); }

 private:
  void link(ServerConnection& server, ClientConnection& client);
  bool open_server(bool use_reserve);
  void open_servers_for_waiters();
  // A free server: closed if unwanted, else to another worker that needs it
  // more (when `may_move`), else to the first waiter here, else idle.
  void give_to_waiter_or_idle(ServerConnection& server, bool may_move = true);
  bool over_limits(const conf::Database& settings) const;
  ClientConnection* take_waiter();  // the first waiter, no longer waiting
  void fail_waiters(pgwire::SqlState state, const std::string& message);
  void forget_server(ServerConnection& server);
  bool has_reserve_waiter(uint64_t now_ms) const;
  // May this server connection take new work for this pool's target now?
  bool still_eligible(const ServerConnection& server) const;
  // The most recently used idle server connection that is still eligible
  // (the others are closed on the way); null when there is none.
  ServerConnection* take_idle_server();
  // A server this pool could open a connection to now, under its target.
  std::optional<core::ServerPick> pick(const conf::Database& settings) const;
  void ask_peers_for_a_server();
  void move_to(unsigned worker, ServerConnection& server);
  std::optional<unsigned> worker_to_give_to();
  void publish_share();  // this worker's held/waiting counts, for the others
  void enforce_client_timeouts(const conf::Database& settings, uint64_t now_ms);

  PostgresFront& front_;
  PoolKey key_;
  PoolCounters& counters_;
  DatabaseCounters& database_counters_;
  std::vector<ServerConnection*> servers_;  // every server connection of this pool here
  std::vector<ServerConnection*> idle_;     // the free ones (most recently used last)
  std::deque<ClientConnection*> waiting_;
  std::vector<std::pair<ClientConnection*, uint64_t>> login_waiters_;  // and since when
  unsigned opening_ = 0;  // server connections logging in
  unsigned connect_failures_in_row_ = 0;
  uint64_t slot_asked_at_ = 0;
  uint64_t last_move_at_ = 0;  // when a server last left for another worker to even out waits
  uint64_t last_failure_at_ = 0;
  ParameterSet login_parameters_;
  bool login_parameters_known_ = false;
  std::optional<ServerLogin> login_;
};

}  // namespace sy::postgres
