// Pool decisions on one worker; see worker_pool.hpp.
#include "proxy/postgres/worker_pool.hpp"

#include "proxy/core/log.hpp"
#include "proxy/core/worker.hpp"
#include "proxy/postgres/cancel_request.hpp"
#include "proxy/postgres/client_connection.hpp"
#include "proxy/postgres/postgres_front.hpp"

namespace sy::postgres {

WorkerPool::WorkerPool(PostgresFront& front, std::string database, std::string user)
    : front_(front),
      database_(std::move(database)),
      user_(std::move(user)),
      counters_(front.shared().pool(database_, user_)),
      database_counters_(front.shared().database(database_)) {}

const conf::Database* WorkerPool::settings() const {
  return front_.worker().snapshot()->config->find_database(database_);
}

void WorkerPool::remember_login(ServerLogin login) { login_ = std::move(login); }

void WorkerPool::acquire(ClientConnection& client) {
  if (!idle_.empty()) {
    ServerConnection* server = idle_.back();
    idle_.pop_back();
    link(*server, client);
    return;
  }
  waiting_.push_back(&client);
  counters_.waiting.fetch_add(1, std::memory_order_relaxed);
  open_servers_for_waiters();
}

void WorkerPool::cancel_wait(ClientConnection& client) {
  auto it = std::find(waiting_.begin(), waiting_.end(), &client);
  if (it != waiting_.end()) {
    waiting_.erase(it);
    counters_.waiting.fetch_sub(1, std::memory_order_relaxed);
  }
  std::erase(login_waiters_, &client);
}

void WorkerPool::wait_for_login_parameters(ClientConnection& client) {
  login_waiters_.push_back(&client);
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
  unsigned limit = settings->pool_size + (use_reserve ? settings->reserve_pool : 0);
  if (!try_acquire(counters_.servers, limit)) return false;
  if (!try_acquire(database_counters_.servers, settings->max_db_connections)) {
    counters_.servers.fetch_sub(1, std::memory_order_relaxed);
    return false;
  }
  auto pick = front_.worker().pick_server(settings->backend, 0, {});
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
  ++opening_;
  server->connect();
  return true;
}

void WorkerPool::open_servers_for_waiters() {
  while (opening_ < waiting_.size() + (login_waiters_.empty() ? 0 : 1)) {
    if (!open_server(false)) {
      // Every slot is taken. Servers linked elsewhere come back to their own
      // waiters; idle ones on another worker must be given back.
      ask_peers_for_a_slot();
      break;
    }
  }
}

void WorkerPool::ask_peers_for_a_slot() {
  if (front_.worker().peers().size() < 2) return;
  uint64_t now = uv_now(front_.worker().loop());
  if (slot_asked_at_ != 0 && now - slot_asked_at_ < 50) return;  // one question in flight is enough
  slot_asked_at_ = now;
  for (core::Worker* peer : front_.worker().peers()) {
    if (peer == &front_.worker()) continue;
    peer->post([peer, database = database_, user = user_] { peer->postgres().give_back_idle(database, user); });
  }
}

void WorkerPool::tell_peers_slot_freed() {
  for (core::Worker* peer : front_.worker().peers()) {
    if (peer == &front_.worker()) continue;
    peer->post([peer, database = database_, user = user_] { peer->postgres().slot_freed(database, user); });
  }
}

void WorkerPool::give_back_idle_server() {
  if (idle_.empty() || !waiting_.empty()) return;
  ServerConnection* server = idle_.front();  // the least recently used
  server->close("slot handed to another worker");
  tell_peers_slot_freed();
}

void WorkerPool::server_logged_in(ServerConnection& server) {
  --opening_;
  connect_failures_in_row_ = 0;
  if (!login_parameters_known_) {
    login_parameters_ = server.parameters();
    login_parameters_known_ = true;
  }
  auto waiters = std::move(login_waiters_);
  login_waiters_.clear();
  for (ClientConnection* client : waiters) client->on_login_ready();
  give_to_waiter_or_idle(server);
}

void WorkerPool::give_to_waiter_or_idle(ServerConnection& server) {
  const conf::Database* settings = this->settings();
  uint64_t now = uv_now(front_.worker().loop());
  bool expired = !settings || (now - server.created_at()) >= static_cast<uint64_t>(settings->server_lifetime.count());
  if (front_.worker().shutting_down() || expired) {
    server.close(expired ? "server_lifetime reached" : "shutting down");
    return;
  }
  if (!waiting_.empty()) {
    ClientConnection* client = waiting_.front();
    waiting_.pop_front();
    counters_.waiting.fetch_sub(1, std::memory_order_relaxed);
    link(server, *client);
    return;
  }
  if (counters_.waiting.load(std::memory_order_relaxed) > 0) {
    // Clients of this pool wait on another worker and none here: give the
    // slot back so that worker can open a server of its own.
    server.close("slot handed to another worker");
    tell_peers_slot_freed();
    return;
  }
  server.set_idle_since(now);
  idle_.push_back(&server);
}

void WorkerPool::release(ServerConnection& server) {
  ClientConnection* client = server.client();
  server.unlink();
  if (server.state() != ServerConnection::State::closing) {
    if (!server.reusable()) {
      server.close(server.busy() ? "released with requests in flight" : "released inside a transaction");
    } else {
      const conf::Database* settings = this->settings();
      if (settings && settings->pool_mode == conf::PoolMode::session && !settings->server_reset_query.empty()) {
        // Queued ahead of whatever the next client sends; its answers are swallowed.
        server.send_internal_query(settings->server_reset_query);
        server.statements().clear();  // DISCARD ALL drops them; other resets may too
        server.flush();
      }
      give_to_waiter_or_idle(server);
    }
  }
  // Last: the client may at once ask for a server again (pipelined input).
  if (client) client->on_server_unlinked();
}

void WorkerPool::fail_waiters(pgwire::SqlState state, const std::string& message) {
  auto waiting = std::move(waiting_);
  waiting_.clear();
  counters_.waiting.fetch_sub(static_cast<int>(waiting.size()), std::memory_order_relaxed);
  auto login_waiters = std::move(login_waiters_);
  login_waiters_.clear();
  for (ClientConnection* client : waiting) client->fail(state, message);
  for (ClientConnection* client : login_waiters) client->fail(state, message);
}

void WorkerPool::server_failed(ServerConnection& server, pgwire::SqlState state, const std::string& message) {
  (void)server;
  ++connect_failures_in_row_;
  bool login_refused = state.code != pgwire::sqlstate::connection_failure.code;
  const conf::Database* settings = this->settings();
  unsigned retries = 2;
  if (settings)
    if (const conf::Backend* backend = front_.worker().snapshot()->config->find_backend(settings->backend))
      retries = backend->retries;
  // A refused login will be refused again: tell the clients now. A failed
  // connect is retried (on the next server) a few times first.
  if (login_refused || connect_failures_in_row_ > retries) fail_waiters(state, message);
}

void WorkerPool::forget_server(ServerConnection& server) {
  std::erase(servers_, &server);
  std::erase(idle_, &server);
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
    fail_waiters(pgwire::sqlstate::invalid_catalog_name, "database \"" + database_ + "\" was removed");
    close_idle_servers();
    return;
  }
  uint64_t wait_limit = static_cast<uint64_t>(settings->query_wait_timeout.count());
  while (!waiting_.empty() && now_ms - waiting_.front()->waiting_since() >= wait_limit) {
    ClientConnection* client = waiting_.front();
    waiting_.pop_front();
    counters_.waiting.fetch_sub(1, std::memory_order_relaxed);
    client->fail(pgwire::sqlstate::connection_failure,
                 "query_wait_timeout: no server connection for database \"" + database_ + "\" within " +
                     std::to_string(wait_limit / 1000) + "s");
  }
  if (has_reserve_waiter(now_ms) && opening_ < waiting_.size()) open_server(true);
  if (!waiting_.empty() || !login_waiters_.empty()) open_servers_for_waiters();

  enforce_client_timeouts(*settings, now_ms);

  // Idle servers past their idle timeout or lifetime go, down to min_pool_size.
  uint64_t idle_limit = static_cast<uint64_t>(settings->server_idle_timeout.count());
  uint64_t lifetime = static_cast<uint64_t>(settings->server_lifetime.count());
  for (size_t i = 0; i < idle_.size();) {
    ServerConnection* server = idle_[i];
    bool too_old = now_ms - server->created_at() >= lifetime;
    bool idle_too_long = now_ms - server->idle_since() >= idle_limit &&
                         counters_.servers.load(std::memory_order_relaxed) > static_cast<int>(settings->min_pool_size);
    if (too_old || idle_too_long) {
      server->close(too_old ? "server_lifetime reached" : "server_idle_timeout reached");  // removes it from idle_
      continue;
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
  for (ServerConnection* server : servers_) {
    ClientConnection* client = server->client();
    if (!client) continue;
    uint64_t busy = server->busy_since();
    if (query_limit && busy && !server->cancel_sent() && now_ms - busy >= query_limit) {
      log::info("postgres client ", client->peer(), " user ", user_, " database ", database_,
                ": query_timeout reached, cancelling the query");
      server->mark_cancel_sent();
      send_cancel_request(front_.worker(), server->pick().server().config->address, server->backend_pid(),
                          server->backend_key());
    }
    uint64_t idle_since = server->idle_in_transaction_since();
    if (idle_limit && !busy && idle_since && now_ms - idle_since >= idle_limit) idle_too_long.push_back(client);
  }
  for (ClientConnection* client : idle_too_long)
    client->fail(pgwire::sqlstate::idle_in_transaction_timeout,
                 "idle_transaction_timeout: client idle inside a transaction for too long");
}

void WorkerPool::slot_freed_elsewhere() {
  slot_asked_at_ = 0;
  if (!waiting_.empty()) open_servers_for_waiters();
}

void WorkerPool::close_idle_servers() {
  auto idle = idle_;
  for (ServerConnection* server : idle) server->close("shutting down");
}

}  // namespace sy::postgres
