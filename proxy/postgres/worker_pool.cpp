// Pool decisions on one worker; see worker_pool.hpp.
#include "proxy/postgres/worker_pool.hpp"

#include "conf/durations.hpp"
#include "proxy/core/log.hpp"
#include "proxy/core/log_guard.hpp"
#include "proxy/core/worker.hpp"
#include "proxy/postgres/cancel_request.hpp"
#include "proxy/postgres/client_connection.hpp"
#include "proxy/postgres/postgres_front.hpp"

namespace sy::postgres {

WorkerPool::WorkerPool(PostgresFront& front, PoolKey key)
    : front_(front),
      key_(std::move(key)),
      counters_(front.shared().pool(key_)),
      database_counters_(front.shared().database(key_.database)) {}

const conf::Database* WorkerPool::settings() const {
  return front_.worker().snapshot()->config->find_database(key_.database);
}

namespace {

balancer::RoleFilter filter_for(conf::DatabaseTarget target, const conf::Database& settings) {
  balancer::RoleFilter filter;
  switch (target) {
    case conf::DatabaseTarget::primary: filter.role = balancer::Role::primary; break;
    case conf::DatabaseTarget::replica:
    case conf::DatabaseTarget::prefer_replica:
      filter.role = balancer::Role::replica;
      filter.max_lag_bytes = settings.max_replica_lag_bytes;
      filter.max_lag_ms = static_cast<uint32_t>(settings.max_replica_lag.count());
      break;
    case conf::DatabaseTarget::any: break;
  }
  return filter;
}

}  // namespace

std::optional<core::ServerPick> WorkerPool::pick(const conf::Database& settings) const {
  auto& worker = front_.worker();
  auto chosen = worker.pick_server(settings.backend, 0, {}, filter_for(key_.target, settings));
  if (!chosen && key_.target == conf::DatabaseTarget::prefer_replica)
    chosen = worker.pick_server(settings.backend, 0, {}, filter_for(conf::DatabaseTarget::primary, settings));
  return chosen;
}

bool WorkerPool::still_eligible(const ServerConnection& server) const {
  const conf::Database* settings = this->settings();
  if (!settings) return false;
  const auto& snapshot = *front_.worker().snapshot();
  const balancer::BackendView* backend = snapshot.find_backend(settings->backend);
  if (!backend || backend->name() != server.pick().backend->name()) return false;
  const balancer::ServerView* view = backend->find_server(server.pick().server().name());
  if (!view || !view->usable()) return false;
  // Made with [backend.tls] settings a reload replaced: new ones use the new settings.
  if (tls_outdated(server)) return false;
  if (balancer::role_allows(*view, filter_for(key_.target, *settings), backend->roles_known())) return true;
  // A reader that fell back to the primary keeps it only while no replica
  // qualifies (replica lag is read live, not from the snapshot).
  return key_.target == conf::DatabaseTarget::prefer_replica &&
         balancer::role_allows(*view, filter_for(conf::DatabaseTarget::primary, *settings), backend->roles_known()) &&
         !front_.worker().pick_server(settings->backend, 0, {}, filter_for(key_.target, *settings));
}

ServerConnection* WorkerPool::take_idle_server() {
  // Lag limits change between snapshots: an idle connection is checked
  // again when it is about to be used.
  while (!idle_.empty()) {
    ServerConnection* server = idle_.back();
    idle_.pop_back();
    if (still_eligible(*server)) return server;
    server->close("no longer eligible: " + std::string(server->pick().server().name()));
  }
  return nullptr;
}

void WorkerPool::on_snapshot() {
  // A new picture of the servers (a new primary, say): try at once.
  last_failure_at_ = 0;
  // Idle connections to servers that lost their place (a demoted or fenced
  // primary, a lagging replica, a drained server) go now; busy ones when
  // their client lets go of them.
  auto idle = idle_;
  for (ServerConnection* server : idle)
    if (!still_eligible(*server)) server->close("no longer eligible: " + std::string(server->pick().server().name()));
  if (paused()) return;
  // Resumed, or servers became eligible: hand idle ones to waiters, then open more.
  while (!waiting_.empty()) {
    ServerConnection* server = take_idle_server();
    if (!server) break;
    link(*server, *take_waiter());
  }
  if (!waiting_.empty() || !login_waiters_.empty()) open_servers_for_waiters();
}

void WorkerPool::remember_login(ServerLogin login) { login_ = std::move(login); }

bool WorkerPool::paused() const { return front_.worker().snapshot()->paused_databases.count(key_.database) > 0; }

void WorkerPool::acquire(ClientConnection& client) {
  if (!paused())
    if (ServerConnection* server = take_idle_server()) {
      link(*server, client);
      return;
    }
  waiting_.push_back(&client);
  counters_.waiting.fetch_add(1, std::memory_order_relaxed);
  publish_share();
  open_servers_for_waiters();
}

void WorkerPool::cancel_wait(ClientConnection& client) {
  auto it = std::find(waiting_.begin(), waiting_.end(), &client);
  if (it != waiting_.end()) {
    waiting_.erase(it);
    counters_.waiting.fetch_sub(1, std::memory_order_relaxed);
    publish_share();
  }
  std::erase_if(login_waiters_, [&](const auto& waiter) { return waiter.first == &client; });
}

bool WorkerPool::login_parameters_known() {
  if (login_parameters_known_) return true;
  std::lock_guard lock(counters_.login_mutex);
  if (!counters_.login_parameters) return false;
  login_parameters_ = *counters_.login_parameters;
  login_parameters_known_ = true;
  return true;
}

void WorkerPool::wait_for_login_parameters(ClientConnection& client) {
  login_waiters_.emplace_back(&client, uv_now(front_.worker().loop()));
  if (opening_ == 0) open_server(false);
  // With every slot taken, the parameters come when a server frees up; the
  // janitor keeps trying.
}

void WorkerPool::link(ServerConnection& server, ClientConnection& client) {
  server.link(client);
  client.on_server_linked(server);
}

bool WorkerPool::open_server(bool use_reserve) {
  const conf::Database* settings = this->settings();
  if (!settings || !login_) return false;
  // After failures, new attempts wait a little (growing to a second); the
  // janitor tries again.
  if (connect_failures_in_row_ > 0) {
    uint64_t backoff = std::min<uint64_t>(1000, 50ull << std::min(connect_failures_in_row_, 5u));
    if (uv_now(front_.worker().loop()) - last_failure_at_ < backoff) return false;
  }
  unsigned limit = settings->pool_size + (use_reserve ? settings->reserve_pool : 0);
  if (!try_acquire(counters_.servers, limit)) return false;
  if (!try_acquire(database_counters_.servers, settings->max_db_connections)) {
    counters_.servers.fetch_sub(1, std::memory_order_relaxed);
    return false;
  }
  auto pick = this->pick(*settings);
  if (!pick) {
    counters_.servers.fetch_sub(1, std::memory_order_relaxed);
    database_counters_.servers.fetch_sub(1, std::memory_order_relaxed);
    return false;  // no usable server now: clients wait (query_wait_timeout)
  }
  ServerLogin login = *login_;
  login.database = settings->dbname;
  if (!settings->server_user.empty()) {
    login = ServerLogin{settings->server_user, settings->dbname, settings->server_password, std::nullopt, std::nullopt};
  } else if (!settings->server_password.empty()) {
    login.password = settings->server_password;
  }
  auto* server = new ServerConnection(*this, std::move(*pick), std::move(login));
  servers_.push_back(server);
  publish_share();
  ++opening_;
  server->connect();
  return true;
}

void WorkerPool::open_servers_for_waiters() {
  if (paused()) return;
  while (opening_ < waiting_.size() + (login_waiters_.empty() ? 0 : 1)) {
    if (!open_server(false)) {
      // Every slot is taken. Servers linked elsewhere come back to their own
      // waiters; idle ones on another worker must be given back.
      ask_peers_for_a_server();
      break;
    }
  }
}

void WorkerPool::ask_peers_for_a_server() {
  if (front_.worker().peers().size() < 2) return;
  uint64_t now = uv_now(front_.worker().loop());
  if (slot_asked_at_ != 0 && now - slot_asked_at_ < 50) return;  // one question in flight is enough
  slot_asked_at_ = now;
  unsigned me = front_.worker().index();
  for (core::Worker* peer : front_.worker().peers()) {
    if (peer == &front_.worker()) continue;
    peer->post([peer, key = key_, me] { PostgresFront::of(*peer).give_back_idle(key, me); });
  }
}

void WorkerPool::give_idle_server_to(unsigned worker) {
  if (idle_.empty() || !waiting_.empty()) return;
  move_to(worker, *idle_.front());  // the least recently used
}

void WorkerPool::move_to(unsigned worker, ServerConnection& server) {
  auto moving = server.detach();
  if (!moving) return;
  core::Worker* peer = front_.worker().peers()[worker];
  // Shared only to fit the mailbox's copyable closures; one adopter takes it.
  auto parcel = std::make_shared<MovingServer>(std::move(*moving));
  peer->post([peer, key = key_, parcel] { PostgresFront::of(*peer).adopt(key, std::move(*parcel)); });
}

void WorkerPool::adopt(MovingServer moving) {
  slot_asked_at_ = 0;
  auto* server = new ServerConnection(*this, std::move(moving));
  if (server->state() == ServerConnection::State::closing) return;  // could not take it over
  servers_.push_back(server);
  publish_share();
  // It came for our waiters: it goes on only if none is left.
  give_to_waiter_or_idle(*server, /*may_move=*/waiting_.empty());
}

ClientConnection* WorkerPool::take_waiter() {
  ClientConnection* client = waiting_.front();
  waiting_.pop_front();
  counters_.waiting.fetch_sub(1, std::memory_order_relaxed);
  publish_share();
  return client;
}

void WorkerPool::publish_share() {
  unsigned me = front_.worker().index();
  if (me >= PoolCounters::kTrackedWorkers || front_.worker().peers().size() < 2) return;
  auto& share = counters_.shares[me];
  share.held.store(static_cast<int>(servers_.size()), std::memory_order_relaxed);
  share.waiting.store(static_cast<int>(waiting_.size()), std::memory_order_relaxed);
  share.oldest_wait.store(waiting_.empty() ? 0 : std::max<uint64_t>(1, waiting_.front()->waiting_since()),
                          std::memory_order_relaxed);
}

// Where a server connection that just became free goes when another worker
// may need it more. Moving one between threads costs a trip through both
// loops and leaves the server unused meanwhile (long, on a busy machine,
// where the other thread waits for a core), and while every server is busy
// it adds no throughput: it only evens out waits. So each worker serves its
// own waiters first. A server moves at once to a worker that has waiters and
// no server at all; otherwise at most one moves per kRebalanceIntervalMs, to
// a worker that is clearly worse off: it has waiters and this one has none;
// or it holds fewer servers per client in need (holding or waiting) than
// this worker would after giving kRebalanceMargin away — so a server never
// goes straight back; or its longest wait is far longer than ours (its few
// servers stuck in long transactions). Other workers' counts are read
// without locks: a stale view only delays a move or makes one that a later
// release evens out.
std::optional<unsigned> WorkerPool::worker_to_give_to() {
  size_t workers = std::min(front_.worker().peers().size(), PoolCounters::kTrackedWorkers);
  if (workers < 2) return std::nullopt;
  unsigned me = front_.worker().index();
  uint64_t now = uv_now(front_.worker().loop());
  bool may_rebalance = now - last_move_at_ >= kRebalanceIntervalMs;
  int64_t my_held = static_cast<int64_t>(servers_.size());
  int64_t my_waiting = static_cast<int64_t>(waiting_.size());
  uint64_t my_wait = waiting_.empty() ? 0 : now - std::min(now, waiting_.front()->waiting_since());
  std::optional<unsigned> best;
  uint64_t best_wait = 0;
  for (unsigned w = 0; w < workers; ++w) {
    if (w == me) continue;
    const auto& share = counters_.shares[w];
    int64_t waiting = share.waiting.load(std::memory_order_relaxed);
    if (waiting <= 0) continue;
    int64_t held = share.held.load(std::memory_order_relaxed);
    uint64_t since = share.oldest_wait.load(std::memory_order_relaxed);
    uint64_t wait = since != 0 && now > since ? now - since : 0;
    bool starving = held == 0 && my_held > 1;
    bool worse_off = my_waiting == 0 ||
                     (my_held - kRebalanceMargin) * (held + waiting) >= (held + kRebalanceMargin) * (my_held + my_waiting) ||
                     wait > 2 * my_wait + kLongWaitSlackMs;
    if ((starving || (may_rebalance && worse_off)) && (!best || wait > best_wait)) {
      best = w;
      best_wait = wait;
    }
  }
  if (best) last_move_at_ = now;
  return best;
}

void WorkerPool::server_logged_in(ServerConnection& server) {
  --opening_;
  connect_failures_in_row_ = 0;
  if (!login_parameters_known_) {
    login_parameters_ = server.parameters();
    login_parameters_known_ = true;
    std::lock_guard lock(counters_.login_mutex);
    if (!counters_.login_parameters) counters_.login_parameters = std::make_shared<const ParameterSet>(login_parameters_);
  }
  auto waiters = std::move(login_waiters_);
  login_waiters_.clear();
  for (auto& [client, since] : waiters) client->on_login_ready();
  give_to_waiter_or_idle(server);
}

bool WorkerPool::over_limits(const conf::Database& settings) const {
  // A reload may have made the pool (or the database's cap) smaller.
  int pool_limit = static_cast<int>(settings.pool_size + settings.reserve_pool);
  if (counters_.servers.load(std::memory_order_relaxed) > pool_limit) return true;
  return settings.max_db_connections != 0 &&
         database_counters_.servers.load(std::memory_order_relaxed) > static_cast<int>(settings.max_db_connections);
}

void WorkerPool::give_to_waiter_or_idle(ServerConnection& server, bool may_move) {
  const conf::Database* settings = this->settings();
  uint64_t now = uv_now(front_.worker().loop());
  const char* unwanted = nullptr;
  if (!settings) unwanted = "database removed";
  else if (front_.worker().shutting_down()) unwanted = "shutting down";
  else if (now - server.created_at() >= static_cast<uint64_t>(settings->server_lifetime.count()))
    unwanted = "server_lifetime reached";
  else if (over_limits(*settings)) unwanted = "pool_size lowered";
  else if (!still_eligible(server)) unwanted = "no longer eligible";
  if (unwanted) {
    server.close(unwanted);
    if (!waiting_.empty()) open_servers_for_waiters();
    return;
  }
  if (paused()) {
    server.set_idle_since(now);
    idle_.push_back(&server);
    return;
  }
  if (may_move)
    if (auto worker = worker_to_give_to()) {
      move_to(*worker, server);
      if (server.moved_away()) return;
    }
  if (!waiting_.empty()) {
    link(server, *take_waiter());
    return;
  }
  server.set_idle_since(now);
  idle_.push_back(&server);
}

bool WorkerPool::tls_outdated(const ServerConnection& server) const {
  auto current = front_.worker().backend_tls(server.pick().backend->name());
  return server.tls_fingerprint() != (current ? current->fingerprint() : std::string());
}

void WorkerPool::release(ServerConnection& server) {
  ClientConnection* client = server.client();
  server.unlink();
  if (server.state() != ServerConnection::State::closing) {
    if (!server.reusable()) {
      server.close(server.busy() ? "released with requests in flight" : "released inside a transaction");
    } else if (tls_outdated(server)) {
      // A reload changed [backend.tls] (a setting or a file): the next
      // client gets a connection made with the new settings.
      server.close("[backend.tls] changed by a reload");
    } else {
      const conf::Database* settings = this->settings();
      if (settings && settings->pool_mode == conf::PoolMode::session && !settings->server_reset_query.empty()) {
        // Queued ahead of whatever the next client sends; its answers are swallowed.
        server.send_internal_query(settings->server_reset_query);
        server.statements().clear();  // DISCARD ALL drops them; other resets may too
        server.flush();
      }
      if (server.cancel_in_flight()) server.park_until_cancel_done();  // back through cancel_done()
      else give_to_waiter_or_idle(server);
    }
  }
  // Last: the client may at once ask for a server again (pipelined input).
  if (client) client->on_server_unlinked();
}

void WorkerPool::cancel_done(ServerConnection& server) { give_to_waiter_or_idle(server); }

void WorkerPool::fail_waiters(pgwire::SqlState state, const std::string& message) {
  auto waiting = std::move(waiting_);
  waiting_.clear();
  counters_.waiting.fetch_sub(static_cast<int>(waiting.size()), std::memory_order_relaxed);
  publish_share();
  auto login_waiters = std::move(login_waiters_);
  login_waiters_.clear();
  for (ClientConnection* client : waiting) client->fail(state, message);
  for (auto& [client, since] : login_waiters) client->fail(state, message);
}

void WorkerPool::server_failed(ServerConnection& server, pgwire::SqlState state, const std::string& message) {
  (void)server;
  ++connect_failures_in_row_;
  last_failure_at_ = uv_now(front_.worker().loop());
  // One line when trouble starts, then one per 20 attempts: an outage must
  // not flood the log.
  if (connect_failures_in_row_ == 1 || connect_failures_in_row_ % 20 == 0)
    log::warn("postgres pool ", core::printable(key_.database), "/", core::printable(key_.user), ": ", core::printable(message, 512), " (", connect_failures_in_row_,
              connect_failures_in_row_ == 1 ? " failure)" : " failures in a row)");
  // A server that is starting, shutting down or crashing (class 08, 57P0x)
  // may be fine soon, or replaced by another: that is not a refusal.
  bool transient = state.code.starts_with("08") || state.code.starts_with("57P");
  bool login_refused = !transient;
  const conf::Database* settings = this->settings();
  unsigned retries = 2;
  if (settings)
    if (const conf::Backend* backend = front_.worker().snapshot()->config->find_backend(settings->backend))
      retries = backend->retries;
  // A refused login will be refused again: tell the clients now. A failed
  // connect is retried (on the next server) a few times first — and where
  // roles are checked, the clients wait out a failover instead.
  bool follows_roles = false;
  if (settings)
    if (const auto* backend = front_.worker().snapshot()->find_backend(settings->backend))
      follows_roles = backend->roles_known();
  if (login_refused || (!follows_roles && connect_failures_in_row_ > retries)) fail_waiters(state, message);
}

void WorkerPool::forget_server(ServerConnection& server) {
  std::erase(servers_, &server);
  std::erase(idle_, &server);
  publish_share();
  if (server.moved_away()) return;  // still open, counted by its new worker
  counters_.servers.fetch_sub(1, std::memory_order_relaxed);
  database_counters_.servers.fetch_sub(1, std::memory_order_relaxed);
}

void WorkerPool::server_closed(ServerConnection& server, bool was_opening) {
  if (was_opening) --opening_;
  forget_server(server);
  if (!waiting_.empty() || !login_waiters_.empty()) open_servers_for_waiters();
}

bool WorkerPool::has_reserve_waiter(uint64_t now_ms) const {
  const conf::Database* settings = this->settings();
  if (!settings || settings->reserve_pool == 0 || waiting_.empty()) return false;
  return now_ms - waiting_.front()->waiting_since() >= static_cast<uint64_t>(settings->reserve_pool_timeout.count());
}

void WorkerPool::tick(uint64_t now_ms) {
  const conf::Database* settings = this->settings();
  if (!settings) {
    fail_waiters(pgwire::sqlstate::invalid_catalog_name, "database \"" + key_.database + "\" was removed");
    close_idle_servers();
    return;
  }
  // With no server to go to (a failover in progress), waiting clients get
  // failover_timeout rather than query_wait_timeout.
  bool no_server = !waiting_.empty() && (paused() || (servers_.empty() && !pick(*settings)));
  uint64_t wait_limit = static_cast<uint64_t>(
      no_server ? settings->failover_timeout.count() : settings->query_wait_timeout.count());
  while (!waiting_.empty() && now_ms - waiting_.front()->waiting_since() >= wait_limit) {
    ClientConnection* client = take_waiter();
    // A busy pool ends the session (as PgBouncer does); a missing server
    // fails only the request, and the client may try again.
    if (no_server)
      client->on_wait_failed(pgwire::sqlstate::connection_failure,
                             "failover_timeout: no server for database \"" + key_.database + "\" within " +
                                 conf::format_duration(settings->failover_timeout));
    else
      client->fail(pgwire::sqlstate::connection_failure,
                   "query_wait_timeout: no server connection for database \"" + key_.database + "\" within " +
                       conf::format_duration(settings->query_wait_timeout));
  }
  // Logins waiting for server parameters: another worker may have learned
  // them meanwhile; otherwise they wait no longer than a query would.
  if (!login_waiters_.empty() && login_parameters_known()) {
    auto waiters = std::move(login_waiters_);
    login_waiters_.clear();
    for (auto& [client, since] : waiters) client->on_login_ready();
  }
  while (!login_waiters_.empty() && now_ms - login_waiters_.front().second >= wait_limit) {
    ClientConnection* client = login_waiters_.front().first;
    login_waiters_.erase(login_waiters_.begin());
    client->fail(pgwire::sqlstate::connection_failure,
                 "no server connection for database \"" + key_.database + "\" to complete the login within " +
                     std::to_string(wait_limit / 1000) + "s");
  }
  if (!paused() && has_reserve_waiter(now_ms) && opening_ < waiting_.size()) open_server(true);
  if (!waiting_.empty() || !login_waiters_.empty()) open_servers_for_waiters();

  enforce_client_timeouts(*settings, now_ms);

  // Idle servers past their idle timeout (down to min_pool_size) or lifetime
  // go, and those no longer eligible for this pool.
  uint64_t idle_limit = static_cast<uint64_t>(settings->server_idle_timeout.count());
  uint64_t lifetime = static_cast<uint64_t>(settings->server_lifetime.count());
  for (size_t i = 0; i < idle_.size();) {
    ServerConnection* server = idle_[i];
    bool too_old = now_ms - server->created_at() >= lifetime;
    bool idle_too_long = now_ms - server->idle_since() >= idle_limit &&
                         counters_.servers.load(std::memory_order_relaxed) > static_cast<int>(settings->min_pool_size);
    bool ineligible = !still_eligible(*server);  // e.g. a replica that fell behind
    if (too_old || idle_too_long || ineligible) {
      server->close(too_old        ? "server_lifetime reached"
                    : idle_too_long ? "server_idle_timeout reached"
                                    : "no longer eligible: " + std::string(server->pick().server().name()));
      continue;  // close() took it out of idle_
    }
    ++i;
  }
  // Keep min_pool_size servers open (counted over all workers).
  while (login_ && counters_.servers.load(std::memory_order_relaxed) < static_cast<int>(settings->min_pool_size)) {
    if (!open_server(false)) break;
  }
}

// query_timeout and idle_transaction_timeout concern clients linked to a
// server, so only this pool's active servers need looking at.
void WorkerPool::enforce_client_timeouts(const conf::Database& settings, uint64_t now_ms) {
  uint64_t query_limit = static_cast<uint64_t>(settings.query_timeout.count());
  uint64_t idle_limit = static_cast<uint64_t>(settings.idle_transaction_timeout.count());
  if (query_limit == 0 && idle_limit == 0) return;
  std::vector<ClientConnection*> idle_too_long;
  std::vector<ServerConnection*> cancel_ignored;
  for (ServerConnection* server : servers_) {
    ClientConnection* client = server->client();
    if (!client) continue;
    uint64_t busy = server->busy_since();
    uint64_t cancelled = server->cancel_sent_at();
    if (query_limit && busy && !cancelled && now_ms - busy >= query_limit) {
      log::info("postgres client ", client->peer(), " user ", core::printable(key_.user), " database ", core::printable(key_.database),
                ": query_timeout reached, cancelling the query");
      server->mark_cancel_sent(now_ms);
      server->send_cancel();
    } else if (query_limit && busy && cancelled && now_ms - cancelled >= kCancelGraceMs) {
      // The server did not stop it (hung, or cut off from us): give up on
      // that connection rather than keep the client waiting forever.
      cancel_ignored.push_back(server);
    }
    uint64_t idle_since = server->idle_in_transaction_since();
    if (idle_limit && !busy && idle_since && now_ms - idle_since >= idle_limit) idle_too_long.push_back(client);
  }
  for (ServerConnection* server : cancel_ignored) {
    log::warn("postgres server ", server->pick().backend->name(), "/", server->pick().server().name(), " pid ",
              server->backend_pid(), ": query still running ", kCancelGraceMs, " ms after its cancel; closing it");
    server->abandon(pgwire::sqlstate::query_canceled,
                    "query_timeout: the server did not stop the query within " + std::to_string(kCancelGraceMs / 1000) +
                        "s of its cancel; its connection was closed");
  }
  for (ClientConnection* client : idle_too_long)
    client->fail(pgwire::sqlstate::idle_in_transaction_timeout,
                 "idle_transaction_timeout: client idle inside a transaction for too long");
}

void WorkerPool::close_idle_connections_to(const std::string& backend, const std::string& server) {
  auto idle = idle_;
  for (ServerConnection* connection : idle)
    if (connection->pick().backend->name() == backend && connection->pick().server().name() == server)
      connection->close("another connection to " + backend + "/" + server + " died");
}

void WorkerPool::close_idle_servers() {
  auto idle = idle_;
  for (ServerConnection* server : idle) server->close("shutting down");
}

}  // namespace sy::postgres
