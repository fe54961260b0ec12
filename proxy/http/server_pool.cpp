// Idle lists of server connections; see server_pool.hpp.
#include "proxy/http/server_pool.hpp"

#include <cstring>

namespace sy::http {
namespace {

bool same_address(const sockaddr_storage& a, const sockaddr_storage& b) {
  if (a.ss_family != b.ss_family) return false;
  size_t length = a.ss_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
  return std::memcmp(&a, &b, length) == 0;
}

}  // namespace

ServerPool::~ServerPool() { close_all(); }

ServerConnection* ServerPool::acquire(const std::shared_ptr<balancer::ServerCounters>& server,
                                      const sockaddr_storage& address) {
  auto it = lists_.find(server.get());
  if (it == lists_.end()) return nullptr;
  IdleList& list = it->second;
  while (ServerConnection* connection = list.newest) {
    unlink(list, connection);
    // A reload may have moved the server: its old connections are not it.
    if (!same_address(connection->address(), address)) {
      connection->close();
      continue;
    }
    connection->set_owner(nullptr);
    connection->set_state(ServerConnection::State::busy);
    return connection;
  }
  return nullptr;
}

void ServerPool::release(ServerConnection* connection, uint64_t now, uint64_t keepalive_ms, unsigned max_idle) {
  IdleList& list = lists_[connection->server().get()];
  if (!list.server) list.server = connection->server();
  if (list.size >= max_idle) {
    connection->close();
    return;
  }
  connection->set_owner(this);
  connection->set_state(ServerConnection::State::idle);
  connection->idle_deadline = now + keepalive_ms;
  connection->idle_prev = list.newest;
  connection->idle_next = nullptr;
  if (list.newest) list.newest->idle_next = connection;
  else list.oldest = connection;
  list.newest = connection;
  ++list.size;
  ++idle_count_;
  // Reading while idle is how a close by the server is noticed.
  connection->socket().read_start();
}

void ServerPool::unlink(IdleList& list, ServerConnection* connection) {
  if (connection->idle_prev) connection->idle_prev->idle_next = connection->idle_next;
  else list.oldest = connection->idle_next;
  if (connection->idle_next) connection->idle_next->idle_prev = connection->idle_prev;
  else list.newest = connection->idle_prev;
  connection->idle_prev = connection->idle_next = nullptr;
  --list.size;
  --idle_count_;
}

ServerPool::IdleList* ServerPool::list_of(ServerConnection& connection) {
  auto it = lists_.find(connection.server().get());
  return it == lists_.end() ? nullptr : &it->second;
}

void ServerPool::drop(ServerConnection& connection) {
  if (IdleList* list = list_of(connection)) unlink(*list, &connection);
  connection.close();
}

void ServerPool::sweep(uint64_t now) {
  for (auto& [key, list] : lists_) {
    while (list.oldest && list.oldest->idle_deadline <= now) {
      ServerConnection* connection = list.oldest;
      unlink(list, connection);
      connection->close();
    }
  }
}

void ServerPool::close_all(IdleList& list) {
  while (ServerConnection* connection = list.oldest) {
    unlink(list, connection);
    connection->close();
  }
}

void ServerPool::close_all() {
  for (auto& [key, list] : lists_) close_all(list);
  lists_.clear();
}

}  // namespace sy::http
