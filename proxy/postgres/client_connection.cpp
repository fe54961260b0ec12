// Client connection life cycle: states, reading, errors, closing; see
// client_connection.hpp. Startup and authentication are in client_auth.cpp,
// requests in client_forwarding.cpp.
#include "proxy/postgres/client_connection.hpp"

#include "pgwire/backend_messages.hpp"
#include "proxy/core/log.hpp"
#include "proxy/core/log_guard.hpp"
#include "proxy/core/tls_transport.hpp"
#include "proxy/core/worker.hpp"
#include "proxy/postgres/postgres_front.hpp"
#include "proxy/postgres/server_connection.hpp"
#include "proxy/postgres/worker_pool.hpp"

namespace sy::postgres {
namespace {
// How much a client waiting for a server (or for its login to finish) may
// send ahead before reading stops.
constexpr size_t kWaitingInputLimit = 64 * 1024;

// A client can make the proxy refuse it as fast as it can connect (a bad
// startup packet, a second SSLRequest, a wrong password): the line each
// refusal writes is capped per worker.
thread_local core::LogRateLimit client_failure_log_limit(10);
}  // namespace

void ClientConnection::start(core::Worker& worker, core::Socket* socket,
                             std::shared_ptr<core::ListenerCounters> counters, TlsOffer tls) {
  auto* client = new ClientConnection(worker, socket, std::move(counters), std::move(tls));
  client->socket_->read_start();
}

ClientConnection::ClientConnection(core::Worker& worker, core::Socket* socket,
                                   std::shared_ptr<core::ListenerCounters> counters, TlsOffer tls)
    : Session(worker),
      front_(PostgresFront::of(worker)),
      socket_(socket),
      listener_counters_(std::move(counters)),
      output_(worker.message_buffers()),
      tls_(std::move(tls)) {
  listener_counters_->active.fetch_add(1, std::memory_order_relaxed);
  socket_->set_handler(this);
  connected_at_ = uv_now(worker.loop());
  sockaddr_storage address{};
  if (socket_->peer_address(address)) peer_ = conf::format_sockaddr(reinterpret_cast<const sockaddr*>(&address));
  front_.track_login(*this);
}

ClientConnection::~ClientConnection() {
  listener_counters_->active.fetch_sub(1, std::memory_order_relaxed);
  if (counted_global_) front_.shared().clients().fetch_sub(1, std::memory_order_relaxed);
  if (counted_database_) front_.shared().database(database_).clients.fetch_sub(1, std::memory_order_relaxed);
}

std::string_view ClientConnection::state_name() const {
  switch (state_) {
    case State::startup: return "startup";
    case State::authenticating: return "authenticating";
    case State::logging_in: return "logging_in";
    case State::idle: return "idle";
    case State::waiting: return "waiting";
    case State::active: return "active";
    case State::closing: return "closing";
  }
  return "?";
}

void ClientConnection::set_state(State next) {
  if (next == State::waiting) waiting_since_ = uv_now(worker_.loop());
  state_ = next;
}

void ClientConnection::on_data(core::Socket&, core::Slice data) {
  if (state_ == State::closing) return;
  if (state_ == State::startup) {
    // A TLS record where a startup packet would start: direct TLS (the
    // ClientHello of a PostgreSQL 17 client with sslnegotiation=direct).
    constexpr char kTlsHandshakeRecord = 0x16;
    if (startup_buffer_.empty() && data.length > 0 && data.data()[0] == kTlsHandshakeRecord && tls_.context &&
        !socket_->transport()) {
      direct_tls_ = true;
      return start_tls(std::move(data));
    }
    startup_buffer_.append(data.data(), data.length);
    if (on_startup_bytes() == StreamVerdict::close) return;
    flush();
    return;
  }
  stream_.push(std::move(data));
  process_input();
}

void ClientConnection::process_input() {
  if (processing_ || state_ == State::closing) return;
  processing_ = true;
  StreamVerdict verdict = stream_.run(*this);
  processing_ = false;
  if (verdict == StreamVerdict::close || state_ == State::closing) return;
  if (server_) {
    server_->emit_due_answers();
    server_->flush();
  }
  flush();
  // Waiting for a server: what is queued stays queued. Reading goes on up to
  // a bound: a client that leaves meanwhile is noticed, and a wait costs no
  // read stop and restart (two epoll_ctl calls per transaction in a busy pool).
  if ((state_ == State::waiting || state_ == State::logging_in) && stream_.queued_bytes() >= kWaitingInputLimit)
    socket_->read_stop();
}

bool ClientConnection::streamable(char type) {
  // COPY data can be large and needs no reading; it only flows while linked.
  return type == 'd' && server_ != nullptr;
}

StreamVerdict ClientConnection::on_message(std::string_view message, const core::Slice* slice) {
  switch (state_) {
    case State::authenticating: return on_auth_message(message);
    case State::idle:
    case State::active:
    case State::waiting: return on_request(message, slice);
    case State::logging_in: return StreamVerdict::hold;  // not logged in yet: keep it
    default: return StreamVerdict::close;
  }
}

StreamVerdict ClientConnection::on_message_piece(std::string_view piece, const core::Slice* slice, bool first, bool) {
  return on_request_piece(piece, slice, first);
}

void ClientConnection::on_malformed(std::string_view reason) {
  fail(pgwire::sqlstate::protocol_violation, std::string("invalid message from client: ") + std::string(reason));
}

void ClientConnection::flush() {
  if (!output_.empty() && state_ != State::closing) socket_->write(output_.take());
  else if (!output_.empty()) output_.take();
  if (server_ && socket_->above_high_water()) server_->pause_reading();
}

void ClientConnection::on_drained(core::Socket&) {
  if (server_) server_->resume_reading();
}

void ClientConnection::pause_reading() {
  reading_paused_ = true;
  socket_->read_stop();
}

void ClientConnection::resume_reading() {
  if (!reading_paused_) return;
  reading_paused_ = false;
  if (state_ != State::active && state_ != State::idle) return;
  socket_->read_start();
  // What was read before the pause is still queued.
  if (stream_.has_queued_input()) process_input();
}

void ClientConnection::send_error(pgwire::SqlState state, std::string_view message) {
  std::string out;
  pgwire::append_error(out, pgwire::Severity::error, state, message);
  output_.add(out);
}

void ClientConnection::fail(pgwire::SqlState state, std::string_view message) {
  if (state_ == State::closing) return;
  uint64_t suppressed = 0;
  if (client_failure_log_limit.allow(uv_now(worker_.loop()), suppressed))
    log::info("postgres client ", peer_, " user ", user_.empty() ? "?" : core::printable(user_), " database ",
              database_.empty() ? "?" : core::printable(database_), ": ", core::printable(message, 512), " (",
              state.code, ")", suppressed ? log::concat(" (", suppressed, " more not logged)") : std::string());
  std::string out;
  pgwire::append_error(out, pgwire::Severity::fatal, state, message);
  output_.add(out);
  socket_->write(output_.take());
  close(message);
}

void ClientConnection::on_eof(core::Socket&) { close("client disconnected"); }

void ClientConnection::on_error(core::Socket&, int status) {
  auto* tls = dynamic_cast<core::TlsTransport*>(socket_->transport());
  if (tls && !tls->established()) {
    // A failed handshake: the client got the alert that says why.
    tls::TlsError error = tls->session().failed() ? tls->session().error() : tls::TlsError::handshake;
    listener_counters_->tls_failures[static_cast<size_t>(error)].fetch_add(1, std::memory_order_relaxed);
    return close("TLS handshake failed: " + core::printable(tls->session().error_message()));
  }
  close(uv_strerror(status));
}

void ClientConnection::start_tls(core::Slice already_read) {
  tls_deadline_ = uv_now(worker_.loop()) + tls_.handshake_timeout_ms;
  socket_->start_transport(std::make_unique<core::TlsTransport>(tls::TlsSession::accept(tls_.context)),
                           std::move(already_read));
}

void ClientConnection::on_transport_ready(core::Socket&) {
  tls_deadline_ = 0;
  const tls::TlsSession& session = *tls_session();
  listener_counters_->tls_handshakes.fetch_add(1, std::memory_order_relaxed);
  if (session.resumed()) listener_counters_->tls_resumed.fetch_add(1, std::memory_order_relaxed);
  // PostgreSQL requires ALPN on direct TLS, so that a TLS connection meant
  // for another protocol cannot be mistaken for one of its own.
  if (direct_tls_ && session.alpn() != "postgresql") {
    listener_counters_->tls_failures[static_cast<size_t>(tls::TlsError::no_application_protocol)].fetch_add(
        1, std::memory_order_relaxed);
    close("direct TLS connection without ALPN \"postgresql\"");
  }
}

void ClientConnection::on_tls_timeout() {
  listener_counters_->tls_failures[core::ListenerCounters::kTlsTimeout].fetch_add(1, std::memory_order_relaxed);
  close("TLS handshake timed out");
}

const tls::TlsSession* ClientConnection::tls_session() const {
  auto* tls = dynamic_cast<core::TlsTransport*>(socket_->transport());
  return tls && tls->established() ? &tls->session() : nullptr;
}

void ClientConnection::force_close() {
  fail(pgwire::sqlstate::admin_shutdown, "terminating connection due to administrator command");
}

void ClientConnection::finish_gracefully() {
  // Idle clients go at once; the others when their request is done (the
  // forwarding code checks the worker's shutdown flag at each release).
  if (state_ == State::idle || state_ == State::startup || state_ == State::authenticating)
    fail(pgwire::sqlstate::admin_shutdown, "terminating connection due to administrator command");
}

void ClientConnection::close(std::string_view reason) {
  if (state_ == State::closing) return;
  log::debug("postgres client ", peer_, ": closing: ", core::printable(reason, 512));
  State previous = state_;
  state_ = State::closing;
  if (active_pool_) active_pool_->cancel_wait(*this);
  if (server_) {
    ServerConnection* server = server_;
    server_ = nullptr;
    active_pool_->release(*server);
  }
  front_.forget_client(*this);
  (void)previous;
  socket_->close();
}

void ClientConnection::on_closed(core::Socket&) { delete this; }

PoolKey ClientConnection::pool_key() const {
  if (active_pool_) return active_pool_->key();
  return {database_, user_, conf::DatabaseTarget::primary};
}

}  // namespace sy::postgres
