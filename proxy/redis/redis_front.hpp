// The Redis front: every client accepted on a redis listener becomes a
// ClientSession; its per-worker state is a ServerPool per backend (shared
// and dedicated server connections, the current master) and the clients
// whose work was put off to the next loop turn (see schedule()).
#pragma once

#include <uv.h>

#include <atomic>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "proxy/core/front.hpp"
#include "proxy/core/worker.hpp"
#include "proxy/redis/redis_counters.hpp"

namespace sy::redis {

class ClientSession;
class ServerConnection;
class ServerPool;

class RedisFront final : public core::Front {
 public:
  // `counters`: the process-wide registry (the factory's).
  RedisFront(core::Worker& worker, RedisCounters& counters);
  ~RedisFront() override;

  void start_session(const conf::Listener& listener, core::Socket* client,
                     std::shared_ptr<core::ListenerCounters> counters, const core::ClientAddresses& addresses,
                     core::Slice initial) override;
  void on_snapshot() override;
  void shutdown() override;

  static RedisFront& of(core::Worker& worker) {
    return static_cast<RedisFront&>(*worker.front(conf::Protocol::redis));
  }
  static RedisFront* if_started(const core::Worker& worker) {
    return static_cast<RedisFront*>(worker.front_if_started(conf::Protocol::redis));
  }
  core::Worker& worker() { return worker_; }
  // Client commands sent to `backend` and not yet answered, on this worker.
  size_t commands_in_flight(const std::string& backend) const;
  ServerPool& pool(const std::string& backend);
  // Runs client->run_scheduled() on the next loop turn: what a server
  // connection's callback sets off in a client (reading again, retrying,
  // freeing it) must not run inside that callback.
  void schedule(ClientSession* client);
  void unschedule(ClientSession* client);
  // Has connection->write_queued() run at the end of this loop turn, after
  // every read of the turn (or before the loop waits again): many clients' commands to one server leave in
  // one write (with one command per client read, as redis-benchmark -P 1
  // sends, that halves the writes). cancel_write() when it closes.
  void write_soon(ServerConnection* connection);
  void cancel_write(ServerConnection* connection);
  // CLIENT ID: unique across the workers of the process.
  static uint64_t next_client_id();

 private:
  static void on_idle(uv_idle_t* idle);
  void write_due();

  core::Worker& worker_;
  RedisCounters& counters_;
  std::unordered_map<std::string, std::unique_ptr<ServerPool>> pools_;
  std::vector<ClientSession*> scheduled_;
  std::vector<ClientSession*>* running_ = nullptr;  // the clients on_idle is going through
  uv_idle_t idle_;
  bool idle_open_ = true;
  std::vector<ServerConnection*> to_write_;
  // Both write to_write_: the check after the turn's I/O callbacks, the
  // prepare before the loop blocks (for writes queued by timers and by
  // on_idle, which run before the poll).
  uv_check_t check_;
  uv_prepare_t prepare_;
};

class RedisFrontFactory final : public core::FrontFactory {
 public:
  std::unique_ptr<core::Front> create(core::Worker& worker) override {
    return std::make_unique<RedisFront>(worker, counters_);
  }
  // The counters of the Redis front registered in `fronts`.
  static RedisCounters& counters_in(const core::FrontRegistry& fronts) {
    return fronts.factory_as<RedisFrontFactory>(conf::Protocol::redis)->counters_;
  }

 private:
  RedisCounters counters_;
};

}  // namespace sy::redis
