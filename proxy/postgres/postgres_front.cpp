// Per-worker PostgreSQL state: pools, cancel keys, janitor; see
// postgres_front.hpp.
#include "proxy/postgres/postgres_front.hpp"

#include "proxy/core/log.hpp"
#include "proxy/core/worker.hpp"
#include "proxy/postgres/cancel_request.hpp"
#include "proxy/postgres/client_connection.hpp"
#include "proxy/postgres/server_connection.hpp"

namespace sy::postgres {
namespace {
// Timeouts (query_wait_timeout, idle ones) are enforced at this resolution.
constexpr uint64_t kJanitorIntervalMs = 100;
// A client must finish logging in within this time (PgBouncer's
// client_login_timeout default).
constexpr uint64_t kLoginTimeoutMs = 60'000;
constexpr int kScramIterations = 4096;  // PostgreSQL's default

std::string random_salt() {
  std::string salt(16, '\0');
  for (char& c : salt) c = static_cast<char>(std::random_device{}());
  return salt;
}
}  // namespace

PostgresFront::PostgresFront(core::Worker& worker, SharedCounters& shared)
    : worker_(worker), shared_(shared), random_(std::random_device{}()), janitor_(new uv_timer_t) {
  uv_timer_init(worker_.loop(), janitor_);
  janitor_->data = this;
  uv_timer_start(janitor_, &PostgresFront::on_janitor, kJanitorIntervalMs, kJanitorIntervalMs);
}

PostgresFront::~PostgresFront() = default;  // shutdown() closed the janitor

void PostgresFront::start_session(const conf::Listener& listener, core::Socket* client,
                                  std::shared_ptr<core::ListenerCounters> counters, const core::ClientAddresses&,
                                  core::Slice) {
  // A PostgreSQL client speaks first and only after the connection is ours:
  // there are no earlier bytes to pass on.
  ClientConnection::TlsOffer tls;
  if (listener.tls.enabled) {
    tls.context = worker_.tls_context(listener.name);
    tls.required = listener.tls.required;
    tls.handshake_timeout_ms = static_cast<uint64_t>(listener.tls.handshake_timeout.count());
  }
  ClientConnection::start(worker_, client, std::move(counters), std::move(tls));
}

WorkerPool& PostgresFront::pool(const PoolKey& key) {
  auto& slot = pools_[key];
  if (!slot) slot = std::make_unique<WorkerPool>(*this, key);
  return *slot;
}

void PostgresFront::on_snapshot() {
  for (auto& [key, pool] : pools_) pool->on_snapshot();
}

void PostgresFront::register_client(ClientConnection& client, int32_t& process_id, int32_t& secret_key) {
  do {
    next_client_ = (next_client_ + 1) & 0x3fffff;
    process_id = static_cast<int32_t>((worker_.index() << 22) | next_client_);
  } while (next_client_ == 0 || clients_.count(process_id));
  secret_key = static_cast<int32_t>(random_());
  clients_[process_id] = &client;
}

void PostgresFront::unregister_client(int32_t process_id) { clients_.erase(process_id); }

void PostgresFront::forget_client(ClientConnection& client) {
  logging_in_.erase(&client);
  if (client.process_id() != 0) clients_.erase(client.process_id());
}

const pgwire::ScramVerifier& PostgresFront::derived_verifier(const std::string& password) {
  auto it = derived_verifiers_.find(password);
  if (it == derived_verifiers_.end())
    it = derived_verifiers_.emplace(password, pgwire::make_scram_verifier(password, random_salt(), kScramIterations))
             .first;
  return it->second;
}

const pgwire::ScramVerifier& PostgresFront::mock_verifier() {
  if (!mock_verifier_) mock_verifier_ = pgwire::make_scram_verifier(random_salt(), random_salt(), kScramIterations);
  return *mock_verifier_;
}

void PostgresFront::cancel(int32_t process_id, int32_t secret_key) {
  auto it = clients_.find(process_id);
  // A wrong key is ignored, as PostgreSQL does: no one learns anything.
  if (it == clients_.end() || it->second->secret_key() != secret_key) return;
  ServerConnection* server = it->second->server();
  if (!server || !server->busy()) return;
  log::info("cancel request for client ", process_id, " forwarded to ", server->pick().backend->name(), "/",
            server->pick().server().name());
  server->send_cancel();
}

void PostgresFront::give_back_idle(const PoolKey& key, unsigned requester) {
  auto it = pools_.find(key);
  if (it != pools_.end()) it->second->give_idle_server_to(requester);
}

void PostgresFront::adopt(const PoolKey& key, MovingServer moving) { pool(key).adopt(std::move(moving)); }

void PostgresFront::server_died(const std::string& backend, const std::string& server) {
  close_idle_connections_to(backend, server);
  for (core::Worker* peer : worker_.peers())
    if (peer != &worker_)
      peer->post([peer, backend, server] {
        if (auto* front = PostgresFront::if_started(*peer)) front->close_idle_connections_to(backend, server);
      });
}

void PostgresFront::close_idle_connections_to(const std::string& backend, const std::string& server) {
  for (auto& [key, pool] : pools_) pool->close_idle_connections_to(backend, server);
}

void PostgresFront::on_janitor(uv_timer_t* timer) {
  auto* self = static_cast<PostgresFront*>(timer->data);
  uint64_t now = uv_now(self->worker_.loop());
  for (auto& [key, pool] : self->pools_) pool->tick(now);
  std::vector<ClientConnection*> late;
  for (ClientConnection* client : self->logging_in_)
    if (now - client->connected_at() >= kLoginTimeoutMs) late.push_back(client);
  for (ClientConnection* client : late)
    client->fail(pgwire::sqlstate::protocol_violation, "client_login_timeout: login not finished within 60s");
  // Mid-handshake there is no way to send an ErrorResponse: just close.
  late.clear();
  for (ClientConnection* client : self->logging_in_)
    if (client->tls_deadline() != 0 && now >= client->tls_deadline()) late.push_back(client);
  for (ClientConnection* client : late) client->on_tls_timeout();
}

void PostgresFront::shutdown() {
  for (auto& [key, pool] : pools_) pool->close_idle_servers();
  if (janitor_) {
    uv_timer_stop(janitor_);
    uv_close(reinterpret_cast<uv_handle_t*>(janitor_), [](uv_handle_t* handle) {
      delete reinterpret_cast<uv_timer_t*>(handle);
    });
    janitor_ = nullptr;
  }
}

}  // namespace sy::postgres
