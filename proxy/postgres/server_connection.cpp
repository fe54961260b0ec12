// Server connection life cycle: connect, states, backpressure, close; see
// server_connection.hpp. Login is in server_login.cpp, serving a client in
// server_forwarding.cpp.
#include "proxy/postgres/server_connection.hpp"

#include <unistd.h>

#include "pgwire/startup.hpp"
#include "proxy/core/log.hpp"
#include "proxy/core/tls_transport.hpp"
#include "proxy/postgres/cancel_request.hpp"
#include "proxy/postgres/client_connection.hpp"
#include "proxy/postgres/postgres_front.hpp"
#include "proxy/postgres/server_authenticator.hpp"
#include "proxy/postgres/worker_pool.hpp"

namespace sy::postgres {

ServerConnection::ServerConnection(WorkerPool& pool, core::ServerPick pick, ServerLogin login)
    : pool_(pool),
      pick_(std::move(pick)),
      login_(std::move(login)),
      socket_(new core::Socket(pool.front().worker().loop(), pool.front().worker().message_buffers(), this)),
      output_(pool.front().worker().message_buffers()) {
  created_at_ = uv_now(pool.front().worker().loop());
}

ServerConnection::ServerConnection(WorkerPool& pool, MovingServer moving)
    : pool_(pool),
      pick_(std::move(moving.pick)),
      login_(std::move(moving.login)),
      socket_(new core::Socket(pool.front().worker().loop(), pool.front().worker().message_buffers(), this)),
      output_(pool.front().worker().message_buffers()) {
  parameters_ = std::move(moving.parameters);
  statements_.restore(moving.statements);
  backend_pid_ = moving.backend_pid;
  backend_key_ = moving.backend_key;
  created_at_ = moving.created_at;
  idle_since_ = uv_now(pool.front().worker().loop());
  pick_.server().counters->active.fetch_add(1, std::memory_order_relaxed);
  state_ = State::idle;
  if (socket_->attach(std::move(moving.connection)) != 0) {
    close("could not take over a moved connection");
    return;
  }
  socket_->read_start();
}

std::optional<MovingServer> ServerConnection::detach() {
  if (state_ != State::idle || !queue_.empty() || !stream_.idle() || socket_->queued_bytes() != 0) return std::nullopt;
  core::DetachedConnection connection = socket_->detach();
  if (!connection.valid()) return std::nullopt;
  MovingServer moving{std::move(connection), pick_,       login_,      parameters_, statements_.entries(),
                      backend_pid_, backend_key_, created_at_};
  moved_away_ = true;  // the connection lives on elsewhere: counted there now
  close("moved to another worker");
  return moving;
}

std::string_view ServerConnection::state_name() const { return name_of(state_); }

std::string_view ServerConnection::name_of(State state) {
  switch (state) {
    case State::connecting: return "connecting";
    case State::login: return "login";
    case State::idle: return "idle";
    case State::active: return "active";
    case State::closing: return "closing";
  }
  return "?";
}

void ServerConnection::set_state(State next) {
  log::debug("postgres server ", pick_.backend->name(), "/", pick_.server().name(), " pid ", backend_pid_, ": ",
             name_of(state_), " -> ", name_of(next));
  state_ = next;
}

void ServerConnection::connect() {
  auto& server = pick_.server();
  server.counters->active.fetch_add(1, std::memory_order_relaxed);
  server.counters->total.fetch_add(1, std::memory_order_relaxed);
  int rc = socket_->connect(server.config->address.sockaddr_ptr());
  if (rc != 0) {
    on_connect(*socket_, rc);
    return;
  }
  connect_timer_ = new uv_timer_t;
  uv_timer_init(pool_.front().worker().loop(), connect_timer_);
  connect_timer_->data = this;
  uv_timer_start(connect_timer_, &ServerConnection::on_connect_timeout,
                 static_cast<uint64_t>(pick_.backend->config->connect_timeout.count()), 0);
}

void ServerConnection::on_connect_timeout(uv_timer_t* timer) {
  auto* self = static_cast<ServerConnection*>(timer->data);
  // Covers the whole login, not just the TCP handshake.
  self->pool_.front().worker().report_connect_result(self->pick_, UV_ETIMEDOUT);
  self->pool_.server_failed(*self, pgwire::sqlstate::connection_failure,
                            "could not log in to server " + self->pick_.server().name() + ": timeout");
  self->close("login timeout");
}

void ServerConnection::on_connect(core::Socket&, int status) {
  if (state_ != State::connecting) return;
  pool_.front().worker().report_connect_result(pick_, status);
  if (status != 0) {
    std::string message = "could not connect to server " + pick_.backend->name() + "/" + pick_.server().name() +
                          ": " + uv_strerror(status);
    pool_.server_failed(*this, pgwire::sqlstate::connection_failure, message);
    close("connect failed");
    return;
  }
  set_state(State::login);
  socket_->read_start();
  if (auto tls = pool_.front().worker().backend_tls(pick_.backend->name())) {
    tls_fingerprint_ = tls->fingerprint();
    // As libpq does: SSLRequest first; the startup message goes encrypted.
    awaiting_ssl_answer_ = true;
    socket_->write(pgwire::build_ssl_request());
    return;
  }
  send_startup();
}

void ServerConnection::on_ssl_answer(core::Slice data) {
  awaiting_ssl_answer_ = false;
  if (data.data()[0] != 'S')
    return setup_failed(data.data()[0] == 'N' ? "the server does not accept TLS, but [backend.tls] requires it"
                                              : "unexpected answer to SSLRequest");
  // Anything behind the 'S' came before the handshake: not from the server we verify.
  if (data.length > 1) return setup_failed("received unencrypted data after the SSL answer");
  tls_handshaking_ = true;
  auto tls = pool_.front().worker().backend_tls(pick_.backend->name());
  if (!tls) return setup_failed("[backend.tls] was removed by a reload during TLS setup");
  tls_fingerprint_ = tls->fingerprint();
  const conf::Address& address = pick_.server().config->address;
  socket_->start_transport(core::connect_tls(std::move(tls), address.host, address.port));
}

void ServerConnection::on_transport_ready(core::Socket&) {
  tls_handshaking_ = false;
  if (state_ == State::login) send_startup();
}

void ServerConnection::setup_failed(std::string why) {
  if (state_ == State::closing) return;
  std::string message = "could not connect to server " + pick_.backend->name() + "/" + pick_.server().name() +
                        ": " + why;
  log::warn("postgres ", message);
  pool_.server_failed(*this, pgwire::sqlstate::connection_failure, message);
  close(why);
}

void ServerConnection::close(std::string_view reason) {
  if (state_ == State::closing) return;
  bool was_opening = state_ == State::connecting || state_ == State::login;
  ClientConnection* client = client_;
  log::debug("postgres server ", pick_.backend->name(), "/", pick_.server().name(), " closing: ", reason);
  close_reason_ = std::string(reason);
  set_state(State::closing);
  if (connect_timer_) {
    uv_timer_stop(connect_timer_);
    uv_close(reinterpret_cast<uv_handle_t*>(connect_timer_),
             [](uv_handle_t* handle) { delete reinterpret_cast<uv_timer_t*>(handle); });
    connect_timer_ = nullptr;
  }
  pick_.server().counters->active.fetch_sub(1, std::memory_order_relaxed);
  if (client) {
    client_ = nullptr;
    client->on_server_lost(!queue_.empty(), transaction_status_ != 'I', close_reason_, loss_state_,
                           stream_.mid_streamed_message());
  }
  pool_.server_closed(*this, was_opening);
  socket_->close();
}

void ServerConnection::send_cancel() {
  ++cancels_in_flight_;
  std::weak_ptr<bool> alive = alive_;
  send_cancel_request(pool_.front().worker(), pick_.server().config->address, backend_pid_, backend_key_,
                      [this, alive] {
                        if (alive.expired() || --cancels_in_flight_ > 0 || !parked_) return;
                        parked_ = false;
                        if (state_ != State::closing) pool_.cancel_done(*this);
                      });
}

void ServerConnection::abandon(pgwire::SqlState state, std::string_view reason) {
  loss_state_ = state;
  close(reason);
}

void ServerConnection::on_closed(core::Socket&) { delete this; }

void ServerConnection::on_eof(core::Socket&) {
  if (awaiting_ssl_answer_ || tls_handshaking_) return setup_failed("the server closed the connection during TLS setup");
  lost("server closed the connection");
}

void ServerConnection::on_error(core::Socket&, int status) {
  if (tls_handshaking_) {
    std::string why = core::tls_failure(socket_->transport());
    return setup_failed(why.empty() ? uv_strerror(status) : why);
  }
  lost(uv_strerror(status));
}

void ServerConnection::lost(std::string_view reason) {
  if (state_ == State::closing) return;
  bool was_established = state_ == State::idle || state_ == State::active;
  std::string backend = pick_.backend->name();
  std::string server = pick_.server().name();
  PostgresFront& front = pool_.front();
  close(reason);  // `this` stays allocated until its socket has closed
  if (was_established) front.server_died(backend, server);
}

void ServerConnection::on_malformed(std::string_view reason) {
  log::warn("postgres server ", pick_.backend->name(), "/", pick_.server().name(), ": ", reason);
  close(reason);
}

void ServerConnection::on_drained(core::Socket&) {
  if (client_) client_->resume_reading();
}

void ServerConnection::pause_reading() {
  if (state_ == State::closing) return;
  reading_paused_ = true;
  socket_->read_stop();
}

void ServerConnection::resume_reading() {
  if (state_ == State::closing || !reading_paused_) return;
  reading_paused_ = false;
  socket_->read_start();
  // Responses read before the pause are still queued.
  if (stream_.has_queued_input()) process_responses();
}

void ServerConnection::on_data(core::Socket&, core::Slice data) {
  if (awaiting_ssl_answer_) return on_ssl_answer(std::move(data));
  stream_.push(std::move(data));
  process_responses();
}

void ServerConnection::process_responses() {
  if (processing_) return;
  processing_ = true;
  StreamVerdict verdict = stream_.run(*this);
  processing_ = false;
  if (verdict == StreamVerdict::close || state_ == State::closing) return;
  after_responses();
}

bool ServerConnection::streamable(char type) {
  // Rows and COPY data can be large and need no reading: pass them in pieces.
  return state_ == State::active && (type == 'D' || type == 'd');
}

StreamVerdict ServerConnection::on_message(std::string_view message, const core::Slice* slice) {
  if (state_ == State::login || state_ == State::connecting) return on_login_message(message);
  return on_response(message, slice);
}

void ServerConnection::flush() {
  if (!output_.empty() && state_ != State::closing) socket_->write(output_.take());
}

}  // namespace sy::postgres
