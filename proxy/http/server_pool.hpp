// A worker's idle HTTP server connections, one list per server, most
// recently used last: a request takes the warmest one, the sweep closes the
// coldest once they have been idle for the backend's keepalive_timeout. An
// idle connection the server closes (or sends anything on) is dropped at
// once. Per worker, so no locks; a connection never changes worker.
#pragma once

#include <cstdint>
#include <memory>
#include <unordered_map>

#include "balancer/server_counters.hpp"
#include "proxy/http/server_connection.hpp"

namespace sy::http {

class ServerPool final : private ServerOwner {
 public:
  ServerPool() = default;
  ServerPool(const ServerPool&) = delete;
  ServerPool& operator=(const ServerPool&) = delete;
  ~ServerPool();

  // An idle connection to that server at that address, or null.
  ServerConnection* acquire(const std::shared_ptr<balancer::ServerCounters>& server, const sockaddr_storage& address);
  // Keeps `connection` for the next request, unless `max_idle` are kept
  // for its server already (then it is closed).
  void release(ServerConnection* connection, uint64_t now, uint64_t keepalive_ms, unsigned max_idle);
  // Closes what has been idle past its deadline.
  void sweep(uint64_t now);
  // Closes the idle connections of servers that `keep` says are gone.
  template <typename Keep>
  void prune(Keep keep) {
    for (auto it = lists_.begin(); it != lists_.end();) {
      if (keep(it->first)) {
        ++it;
        continue;
      }
      close_all(it->second);
      it = lists_.erase(it);
    }
  }
  void close_all();
  size_t idle_count() const { return idle_count_; }

 private:
  struct IdleList {
    std::shared_ptr<balancer::ServerCounters> server;  // keeps the key's address unique while listed
    ServerConnection* oldest = nullptr;
    ServerConnection* newest = nullptr;
    size_t size = 0;
  };

  void unlink(IdleList& list, ServerConnection* connection);
  void close_all(IdleList& list);
  IdleList* list_of(ServerConnection& connection);

  void on_server_connected(ServerConnection&, int) override {}
  void on_server_data(ServerConnection& connection, core::Slice) override { drop(connection); }
  void on_server_eof(ServerConnection& connection) override { drop(connection); }
  void on_server_error(ServerConnection& connection, int) override { drop(connection); }
  void drop(ServerConnection& connection);

  std::unordered_map<const balancer::ServerCounters*, IdleList> lists_;
  size_t idle_count_ = 0;
};

}  // namespace sy::http
