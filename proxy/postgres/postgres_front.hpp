// The PostgreSQL front's state on one worker: its pools, the statement
// definitions its clients share, the cancel keys it handed out, and the
// janitor timer that enforces timeouts and pool upkeep.
#pragma once

#include <uv.h>

#include <map>
#include <optional>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "pgwire/scram.hpp"

#include "proxy/core/front.hpp"
#include "proxy/core/worker.hpp"
#include "proxy/postgres/prepared_statements.hpp"
#include "proxy/postgres/shared_counters.hpp"
#include "proxy/postgres/worker_pool.hpp"

namespace sy::postgres {

class ClientConnection;

class PostgresFront final : public core::Front {
 public:
  PostgresFront(core::Worker& worker, SharedCounters& shared);
  PostgresFront(const PostgresFront&) = delete;
  PostgresFront& operator=(const PostgresFront&) = delete;
  ~PostgresFront() override;

  // The worker's PostgreSQL front (created on first use), or nullptr from
  // if_started when no PostgreSQL client has come to it yet.
  static PostgresFront& of(core::Worker& worker) {
    return static_cast<PostgresFront&>(*worker.front(conf::Protocol::postgres));
  }
  static PostgresFront* if_started(const core::Worker& worker) {
    return static_cast<PostgresFront*>(worker.front_if_started(conf::Protocol::postgres));
  }

  // SSLRequest, or a direct TLS ClientHello, starts TLS: see ClientConnection.
  bool negotiates_tls() const override { return true; }
  void start_session(const conf::Listener& listener, core::Socket* client,
                     std::shared_ptr<core::ListenerCounters> counters, const core::ClientAddresses& addresses,
                     core::Slice initial) override;

  core::Worker& worker() { return worker_; }
  SharedCounters& shared() { return shared_; }
  StatementRegistry& statements() { return statements_; }
  WorkerPool& pool(const PoolKey& key);
  const std::map<PoolKey, std::unique_ptr<WorkerPool>>& pools() const { return pools_; }
  // A new snapshot: roles, drain or health may have changed.
  void on_snapshot() override;

  // Clients not logged in yet are watched for the login timeout.
  void track_login(ClientConnection& client) { logging_in_.insert(&client); }
  void logged_in(ClientConnection& client) { logging_in_.erase(&client); }
  void forget_client(ClientConnection& client);
  // SCRAM verifiers for plain passwords, derived once per password.
  const pgwire::ScramVerifier& derived_verifier(const std::string& password);
  // A verifier nobody knows the password of, for users that do not exist.
  const pgwire::ScramVerifier& mock_verifier();

  // BackendKeyData for a new client. The worker index is in the process id,
  // so a CancelRequest arriving on any worker finds the right one.
  void register_client(ClientConnection& client, int32_t& process_id, int32_t& secret_key);
  void unregister_client(int32_t process_id);
  void cancel(int32_t process_id, int32_t secret_key);  // on this worker
  static unsigned worker_of(int32_t process_id) { return static_cast<uint32_t>(process_id) >> 22; }
  const std::unordered_map<int32_t, ClientConnection*>& clients() const { return clients_; }

  // Another worker has clients waiting and no server for them: hand it an
  // idle one, if this worker has one to spare.
  void give_back_idle(const PoolKey& key, unsigned requester);
  // A server connection moved here from another worker.
  void adopt(const PoolKey& key, MovingServer moving);
  // An established connection to this server died under us: the server is
  // probably going down, so the idle connections to it (on every worker)
  // are closed before a client is handed one.
  void server_died(const std::string& backend, const std::string& server);
  void close_idle_connections_to(const std::string& backend, const std::string& server);
  void shutdown() override;  // closes idle servers and the janitor

 private:
  static void on_janitor(uv_timer_t* timer);

  core::Worker& worker_;
  SharedCounters& shared_;
  StatementRegistry statements_;
  std::map<PoolKey, std::unique_ptr<WorkerPool>> pools_;
  std::unordered_map<int32_t, ClientConnection*> clients_;
  std::unordered_set<ClientConnection*> logging_in_;
  std::unordered_map<std::string, pgwire::ScramVerifier> derived_verifiers_;
  std::optional<pgwire::ScramVerifier> mock_verifier_;
  uint32_t next_client_ = 0;
  std::mt19937 random_;
  uv_timer_t* janitor_;
};

// Makes each worker's PostgresFront; holds the counters they all share
// (per pool and per database, read by the admin commands and metrics).
class PostgresFrontFactory final : public core::FrontFactory {
 public:
  std::unique_ptr<core::Front> create(core::Worker& worker) override {
    return std::make_unique<PostgresFront>(worker, counters_);
  }
  SharedCounters& counters() { return counters_; }
  // The shared counters of the PostgreSQL front registered in `fronts`.
  static SharedCounters& counters_in(const core::FrontRegistry& fronts) {
    return fronts.factory_as<PostgresFrontFactory>(conf::Protocol::postgres)->counters();
  }

 private:
  SharedCounters counters_;
};

}  // namespace sy::postgres
