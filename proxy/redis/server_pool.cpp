// A worker's connections to one Redis backend; see server_pool.hpp.
#include "proxy/redis/server_pool.hpp"

#include "proxy/core/log.hpp"
#include "proxy/redis/client_session.hpp"
#include "proxy/redis/server_connection.hpp"

namespace sy::redis {
namespace {

// After a connect failure the same server is not tried again for this long:
// waiting clients would otherwise spin on a dead master until the health
// checks or Sentinel say so.
constexpr uint64_t kConnectBackoffMs = 100;

// Renewed dedicated connections kept per RESP version: enough for bursts of
// transactions and blocking commands without a connect each, few enough
// that idle ones hold little on the server.
constexpr size_t kSpareDedicated = 16;

size_t slot_of(int protocol) { return protocol == 3 ? 1 : 0; }

}  // namespace

ServerPool::ServerPool(core::Worker& worker, std::string backend, WorkerCounters& counters)
    : worker_(worker), backend_(std::move(backend)), counters_(counters) {
  uv_timer_init(worker.loop(), &retry_timer_);
  retry_timer_.data = this;
  paused_ = worker.snapshot()->paused_backends.count(backend_) > 0;
  set_master(find_master());
}

// The worker's loop has ended: shutdown() closed every connection.
ServerPool::~ServerPool() = default;

std::optional<core::ServerPick> ServerPool::find_master() {
  const auto& snapshot = worker_.snapshot();
  const balancer::BackendView* backend = snapshot->find_backend(backend_);
  if (!backend) return std::nullopt;
  if (backend->roles_known()) {
    // The role checks (or Sentinel) elected it; a paused or down master takes nothing.
    if (!backend->primary || !backend->servers[*backend->primary].usable()) return std::nullopt;
    // It answered -READONLY: the snapshot is behind; wait for the one that names the new master.
    if (backend->servers[*backend->primary].name() == demoted_server_ &&
        uv_now(worker_.loop()) - demoted_at_ < static_cast<uint64_t>(failover_timeout().count()))
      return std::nullopt;
    return core::ServerPick{snapshot, backend, *backend->primary};
  }
  // Without role checks the servers are alternatives: keep to the one in use
  // while it stays usable, so that every client sees the same data.
  if (master_)
    for (size_t i = 0; i < backend->servers.size(); ++i)
      if (backend->servers[i].name() == master_->server().name() && backend->servers[i].usable())
        return core::ServerPick{snapshot, backend, i};
  return worker_.pick_server(backend_, 0, {});
}

void ServerPool::set_master(std::optional<core::ServerPick> master) {
  bool changed = master.has_value() != master_.has_value() ||
                 (master && master->server().name() != master_->server().name());
  if (changed && master_ && master)
    log::info("redis backend ", backend_, ": master is now ", master->server().name(), " (was ",
              master_->server().name(), ")");
  else if (changed && master)
    log::info("redis backend ", backend_, ": master is ", master->server().name());
  else if (changed)
    log::warn("redis backend ", backend_, ": no master known; commands wait up to ",
              failover_timeout().count(), " ms for one");
  master_ = std::move(master);
  if (master_) master_missing_since_ = 0;
  else if (master_missing_since_ == 0) master_missing_since_ = uv_now(worker_.loop());
  if (!changed) return;
  // Connections to the old master take nothing new; they close once their
  // commands are answered (or at once if that server is down: on_snapshot).
  for (auto& connections : shared_) {
    std::vector<ServerConnection*> old;
    old.swap(connections);
    for (ServerConnection* connection : old) connection->retire("the master changed");
  }
  if (master_) wake_waiters();
}

void ServerPool::on_snapshot() {
  bool was_paused = paused_;
  paused_ = worker_.snapshot()->paused_backends.count(backend_) > 0;
  set_master(find_master());
  check_replicas();
  if (was_paused && !paused_ && master_) wake_waiters();
  // Dedicated connections hold state on one server: when that server is no
  // longer the master, their clients are disconnected (as Redis itself
  // disconnects clients on a role change).
  std::vector<ServerConnection*> lost;
  for (ServerConnection* connection : all_)
    if (connection->mode() == ServerConnection::Mode::dedicated &&
        (!master_ || master_->server().name() != connection->server_name()))
      lost.push_back(connection);
  for (ServerConnection* connection : lost) connection->close("its server is no longer the master");
  // A server the health checks took down may have stopped answering: its
  // commands in flight would wait forever. They get the "connection lost"
  // error (they may have run; reads go to the master), the clients go on.
  const balancer::BackendView* backend = worker_.snapshot()->find_backend(backend_);
  std::vector<ServerConnection*> down;
  for (ServerConnection* connection : all_) {
    const balancer::ServerView* server = backend ? backend->find_server(connection->server_name()) : nullptr;
    if (server && server->health == balancer::Health::down && connection->state() != ServerConnection::State::closing)
      down.push_back(connection);
  }
  for (ServerConnection* connection : down) connection->lose("its server is down");
}

bool ServerPool::in_backoff() const {
  return master_ && failed_server_ == master_->server().name() &&
         uv_now(worker_.loop()) - failed_at_ < kConnectBackoffMs;
}

ServerConnection* ServerPool::shared(int protocol, uint64_t client_id) {
  if (!master_ || paused_ || in_backoff()) return nullptr;
  auto& connections = shared_[slot_of(protocol)];
  const conf::Backend& config = *master_->backend->config;
  size_t wanted = config.redis.connections;
  size_t index = client_id % wanted;
  if (index < connections.size()) return connections[index];
  return open_shared(*master_, protocol, false, connections);
}

ServerConnection* ServerPool::open_shared(const core::ServerPick& pick, int protocol, bool for_reads,
                                          std::vector<ServerConnection*>& list) {
  auto* connection = new ServerConnection(*this, pick, ServerConnection::Mode::shared, protocol, 0);
  if (for_reads) connection->serve_reads();
  all_.insert(connection);
  WorkerCounters::add<int64_t>(counters_.shared_connections);
  list.push_back(connection);
  connection->start();
  // start() may have failed at once (and closed it).
  return connection->state() == ServerConnection::State::closing ? nullptr : connection;
}

ServerConnection* ServerPool::replica(int protocol, uint64_t client_id, const balancer::RoleFilter& roles) {
  if (paused_) return nullptr;  // the client waits for the resume (ClientSession::read_connection)
  const balancer::BackendView* backend = worker_.snapshot()->find_backend(backend_);
  if (!backend || !backend->roles_known()) return nullptr;
  uint64_t now = uv_now(worker_.loop());
  std::vector<size_t> in_backoff;
  for (size_t i = 0; i < backend->servers.size(); ++i)
    if (auto it = replicas_.find(backend->servers[i].name());
        it != replicas_.end() && it->second.failed_at != 0 && now - it->second.failed_at < kConnectBackoffMs)
      in_backoff.push_back(i);
  std::optional<core::ServerPick> pick = worker_.pick_server(backend_, client_id, in_backoff, roles);
  if (!pick) return nullptr;
  auto& connections = replicas_[pick->server().name()].shared[slot_of(protocol)];
  size_t index = client_id % backend->config->redis.connections;
  if (index < connections.size()) return connections[index];
  return open_shared(*pick, protocol, true, connections);
}

void ServerPool::check_replicas() {
  const balancer::BackendView* backend = worker_.snapshot()->find_backend(backend_);
  for (auto it = replicas_.begin(); it != replicas_.end();) {
    const balancer::ServerView* server = backend ? backend->find_server(it->first) : nullptr;
    bool still = server && server->usable() && server->role == balancer::Role::replica;
    if (still) {
      ++it;
      continue;
    }
    // Their reads are answered first (retire closes once they are).
    std::vector<ServerConnection*> old;
    for (auto& connections : it->second.shared) old.insert(old.end(), connections.begin(), connections.end());
    it = replicas_.erase(it);
    for (ServerConnection* connection : old) connection->retire("no longer a replica that takes reads");
  }
}

ServerConnection* ServerPool::dedicated(ClientSession* owner, int protocol, unsigned db, std::string& error) {
  if (!master_ || paused_ || in_backoff()) {
    error = "ERR switchyard: no master available for backend " + backend_;
    return nullptr;
  }
  auto& spares = spare_[slot_of(protocol)];
  if (!spares.empty()) {
    ServerConnection* connection = spares.back();  // on the master: on_snapshot closes the others
    spares.pop_back();
    WorkerCounters::add<int64_t>(counters_.spare_connections, -1);
    WorkerCounters::add<int64_t>(counters_.dedicated_connections);
    connection->set_owner(owner);
    connection->use_db(db);
    return connection;
  }
  unsigned limit = master_->backend->config->redis.max_dedicated;
  if (dedicated_count_ >= limit) {
    error = "ERR switchyard: max dedicated connections reached for backend " + backend_ + " (" +
            std::to_string(limit) + ")";
    WorkerCounters::add(counters_.dedicated_refused);
    log::warn("redis backend ", backend_, ": max_dedicated (", limit, ") reached: a client's command is refused");
    return nullptr;
  }
  auto* connection = new ServerConnection(*this, *master_, ServerConnection::Mode::dedicated, protocol, db);
  connection->set_owner(owner);
  all_.insert(connection);
  ++dedicated_count_;
  WorkerCounters::add<int64_t>(counters_.dedicated_connections);
  connection->start();
  if (connection->state() == ServerConnection::State::closing) {
    error = "ERR switchyard: cannot connect to the master of backend " + backend_;
    return nullptr;
  }
  return connection;
}

void ServerPool::release_dedicated(ServerConnection* connection) {
  connection->set_owner(nullptr);
  auto& spares = spare_[slot_of(connection->protocol())];
  bool keep = connection->state() == ServerConnection::State::ready && master_ &&
              master_->server().name() == connection->server_name() && spares.size() < kSpareDedicated;
  if (!keep) {
    connection->close("the client's connection state ended");
    return;
  }
  connection->renew();
  spares.push_back(connection);
  WorkerCounters::add<int64_t>(counters_.dedicated_connections, -1);
  WorkerCounters::add<int64_t>(counters_.spare_connections);
}

size_t ServerPool::commands_in_flight() const {
  size_t count = 0;
  for (const ServerConnection* connection : all_)
    if (connection->mode() == ServerConnection::Mode::shared) count += connection->client_commands_in_flight();
  return count;
}

bool ServerPool::master_expected() const {
  // While paused, each client's own deadline (failover_timeout) bounds its wait.
  if (master_ || paused_) return true;
  return uv_now(worker_.loop()) - master_missing_since_ < static_cast<uint64_t>(failover_timeout().count());
}

std::chrono::milliseconds ServerPool::failover_timeout() const {
  const balancer::BackendView* backend = worker_.snapshot()->find_backend(backend_);
  return backend ? backend->config->redis.failover_timeout : std::chrono::seconds(5);
}

void ServerPool::wait_for_master(ClientSession* client) {
  for (ClientSession* waiting : waiters_)
    if (waiting == client) return;
  waiters_.push_back(client);
  WorkerCounters::add(counters_.master_waits);
  if (master_ && in_backoff() && !uv_is_active(reinterpret_cast<uv_handle_t*>(&retry_timer_)))
    uv_timer_start(&retry_timer_, &ServerPool::on_timer, kConnectBackoffMs, 0);
}

void ServerPool::stop_waiting(ClientSession* client) { std::erase(waiters_, client); }

void ServerPool::on_timer(uv_timer_t* timer) { static_cast<ServerPool*>(timer->data)->wake_waiters(); }

void ServerPool::wake_waiters() {
  std::vector<ClientSession*> waiters;
  waiters.swap(waiters_);
  for (ClientSession* client : waiters) client->on_master_available();
}

void ServerPool::connection_ready(ServerConnection& connection) {
  if (connection.server_name() == failed_server_) failed_server_.clear();
}

void ServerPool::connection_closed(ServerConnection& connection, bool never_connected) {
  if (connection.mode() == ServerConnection::Mode::dedicated) {
    --dedicated_count_;
    bool spare = std::erase(spare_[slot_of(connection.protocol())], &connection) > 0;
    WorkerCounters::add<int64_t>(spare ? counters_.spare_connections : counters_.dedicated_connections, -1);
  } else {
    WorkerCounters::add<int64_t>(counters_.shared_connections, -1);
  }
  if (!never_connected) return;
  if (connection.serves_reads()) {
    if (auto it = replicas_.find(connection.server_name()); it != replicas_.end())
      it->second.failed_at = uv_now(worker_.loop());
    return;
  }
  failed_server_ = connection.server_name();
  failed_at_ = uv_now(worker_.loop());
}

void ServerPool::master_demoted(ServerConnection& connection) {
  // Until a snapshot names another master (or failover_timeout passes),
  // this one takes nothing new.
  demoted_server_ = connection.server_name();
  demoted_at_ = uv_now(worker_.loop());
  set_master(find_master());
}

void ServerPool::forget_shared(ServerConnection& connection) {
  for (auto& connections : shared_) std::erase(connections, &connection);
  if (!connection.serves_reads()) return;
  if (auto it = replicas_.find(connection.server_name()); it != replicas_.end())
    for (auto& connections : it->second.shared) std::erase(connections, &connection);
}

void ServerPool::destroy(ServerConnection* connection) {
  all_.erase(connection);
  delete connection;
}

void ServerPool::shutdown() {
  std::vector<ServerConnection*> open(all_.begin(), all_.end());
  for (ServerConnection* connection : open) connection->close("shutdown");
  if (timer_open_) {
    timer_open_ = false;
    uv_close(reinterpret_cast<uv_handle_t*>(&retry_timer_), nullptr);
  }
}

}  // namespace sy::redis
