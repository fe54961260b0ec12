// Layer-4 relay state machine; see tcp_session.hpp.
#include "proxy/tcp/tcp_session.hpp"

#include <algorithm>

#include "balancer/consistent_hash.hpp"
#include "proxy/core/log.hpp"
#include "proxy/core/log_guard.hpp"
#include "proxy/core/tls_transport.hpp"
#include "proxy/proxy_protocol/header.hpp"
#include "proxy/tcp/tcp_front.hpp"

namespace sy::tcp {
namespace {

uint64_t client_hash_key(const sockaddr_storage& peer) {
  // Hash the address only, not the port: one client keeps one server.
  if (peer.ss_family == AF_INET6) {
    const auto& a = reinterpret_cast<const sockaddr_in6&>(peer).sin6_addr;
    return balancer::hash_bytes(std::as_bytes(std::span(a.s6_addr)));
  }
  if (peer.ss_family != AF_INET) return 0;
  const auto& a = reinterpret_cast<const sockaddr_in&>(peer).sin_addr;
  return balancer::hash_bytes(std::as_bytes(std::span(&a.s_addr, 1)));
}

// Clients can make these at will (a backend down, the process at its fd
// limit): at most ten lines a second per worker, the rest counted.
thread_local core::LogRateLimit client_failure_log_limit(10);

std::string suppressed_note(uint64_t suppressed) {
  return suppressed ? log::concat(" (", suppressed, " more not logged)") : std::string();
}

}  // namespace

void TcpSession::start(core::Worker& worker, core::Socket* client, const conf::Listener& listener,
                       std::shared_ptr<core::ListenerCounters> listener_counters,
                       const core::ClientAddresses& addresses, core::Slice initial) {
  auto* session = new TcpSession(worker, client, listener, std::move(listener_counters), addresses, std::move(initial));
  session->connect_next();
}

TcpSession::TcpSession(core::Worker& worker, core::Socket* client, const conf::Listener& listener,
                       std::shared_ptr<core::ListenerCounters> listener_counters,
                       const core::ClientAddresses& addresses, core::Slice initial)
    : Session(worker),
      client_(client),
      snapshot_(worker.snapshot()),
      listener_(listener),
      listener_counters_(std::move(listener_counters)),
      addresses_(addresses),
      initial_(std::move(initial)) {
  listener_counters_->active.fetch_add(1, std::memory_order_relaxed);
  client_->set_handler(this);
  uv_timer_init(worker.loop(), &timer_);
  timer_.data = this;
  // Only `hash` needs the client address: spare the others a syscall.
  if (const auto* backend = snapshot_->find_backend(listener.backend);
      backend && backend->config->balance == conf::BalanceAlgorithm::hash)
    hash_key_ = client_hash_key(addresses_.resolve(*client_).source);
}

TcpSession::~TcpSession() {
  if (role_tracked_) TcpFront::of(worker_).untrack_role(this);
  listener_counters_->active.fetch_sub(1, std::memory_order_relaxed);
}

void TcpSession::set_state(State next) {
  log::debug("tcp session ", listener_.name, ": state ", static_cast<int>(state_), " -> ", static_cast<int>(next));
  state_ = next;
}

balancer::RoleFilter TcpSession::role_filter() const {
  balancer::RoleFilter filter;
  if (listener_.target == conf::ListenerTarget::primary) filter.role = balancer::Role::primary;
  if (listener_.target == conf::ListenerTarget::replica) filter.role = balancer::Role::replica;
  return filter;
}

bool TcpSession::server_keeps_role(const balancer::Snapshot& snapshot) const {
  if (!pick_ || state_ == State::closing) return true;
  const balancer::BackendView* backend = snapshot.find_backend(pick_->backend->name());
  if (!backend || !backend->roles_known()) return true;
  for (const auto& server : backend->servers)
    if (server.name() == pick_->server().name()) return server.role == role_filter().role;
  return false;  // the server is gone
}

void TcpSession::close_for_role_change() {
  log::info("listener ", listener_.name, ": closing a connection to ", pick_->backend->name(), "/",
            pick_->server().name(), ": it is no longer ", listener_.target == conf::ListenerTarget::primary
                                                               ? "the primary" : "a replica");
  close_all("server lost its role");
}

void TcpSession::connect_next() {
  auto pick = worker_.pick_server(listener_.backend, hash_key_, tried_, role_filter());
  if (!pick) {
    uint64_t suppressed = 0;
    if (client_failure_log_limit.allow(uv_now(worker_.loop()), suppressed))
      log::warn("listener ", listener_.name, ": no server available in backend ", listener_.backend,
                tried_.empty() ? "" : " after connect failures", suppressed_note(suppressed));
    close_all("no server available");
    return;
  }
  pick_ = std::move(pick);
  const auto& server = pick_->server();
  server.counters->active.fetch_add(1, std::memory_order_relaxed);
  server.counters->total.fetch_add(1, std::memory_order_relaxed);
  server_ = new core::Socket(worker_.loop(), worker_.relay_buffers(), this);
  ++open_handles_;
  int rc = server_->connect(server.config->address.sockaddr_ptr());
  if (rc != 0) {
    connect_failed(rc);
    return;
  }
  uv_timer_start(&timer_, &TcpSession::on_timer, pick_->backend->config->connect_timeout.count(), 0);
}

void TcpSession::connect_failed(int status) {
  const auto& server = pick_->server();
  log::debug("listener ", listener_.name, ": connect to ", pick_->backend->name(), "/", server.name(),
             " failed: ", uv_strerror(status));
  worker_.report_connect_result(*pick_, status);
  server.counters->active.fetch_sub(1, std::memory_order_relaxed);
  server_->close();
  server_ = nullptr;
  tried_.push_back(pick_->index);
  unsigned retries = pick_->backend->config->retries;
  std::string backend = pick_->backend->name();
  pick_.reset();
  if (tried_.size() > retries) {
    uint64_t suppressed = 0;
    if (client_failure_log_limit.allow(uv_now(worker_.loop()), suppressed))
      log::warn("listener ", listener_.name, ": connect to backend ", backend, " failed ", tried_.size(),
                " times, closing client: ", uv_strerror(status), suppressed_note(suppressed));
    close_all("connect failed");
    return;
  }
  connect_next();
}

void TcpSession::on_connect(core::Socket& socket, int status) {
  if (&socket != server_ || state_ != State::connecting) return;
  uv_timer_stop(&timer_);
  if (status != 0) {
    connect_failed(status);
    return;
  }
  worker_.report_connect_result(*pick_, 0);
  // The PROXY header goes first, in plaintext, as servers expect it before TLS.
  if (auto version = pick_->backend->config->send_proxy; version != conf::ProxyProtocol::none) {
    const auto& a = addresses_.resolve(*client_);
    server_->write(version == conf::ProxyProtocol::v1 ? proxy_protocol::build_v1(a.source, a.destination)
                                                      : proxy_protocol::build_v2(a.source, a.destination));
  }
  if (auto tls = worker_.backend_tls(pick_->backend->name())) {
    // Relaying starts once the handshake is done; the connect timer bounds it.
    uv_timer_start(&timer_, &TcpSession::on_timer, pick_->backend->config->connect_timeout.count(), 0);
    const conf::Address& address = pick_->server().config->address;
    server_->start_transport(core::connect_tls(std::move(tls), address.host, address.port));
    if (server_ && state_ == State::connecting) server_->read_start();
    return;
  }
  start_relaying();
}

void TcpSession::on_transport_ready(core::Socket& socket) {
  if (&socket != server_ || state_ != State::connecting) return;
  uv_timer_stop(&timer_);
  server_->read_stop();
  start_relaying();
}

void TcpSession::server_setup_failed(int status) {
  std::string why = core::tls_failure(server_->transport());
  log::warn("listener ", listener_.name, ": server ", pick_->backend->name(), "/", pick_->server().name(), ": ",
            why.empty() ? std::string(uv_strerror(status)) : why);
  connect_failed(status);
}

void TcpSession::start_relaying() {
  set_state(State::relaying);
  if (listener_.target != conf::ListenerTarget::any) {
    TcpFront::of(worker_).track_role(this);
    role_tracked_ = true;
  }
  if (initial_.length > 0) {
    pick_->server().counters->bytes_out.fetch_add(initial_.length, std::memory_order_relaxed);
    server_->write(std::move(initial_));
  }
  last_activity_ = uv_now(worker_.loop());
  uv_timer_start(&timer_, &TcpSession::on_timer, listener_.idle_timeout.count(), 0);
  client_->read_start();
  server_->read_start();
}

void TcpSession::on_timer(uv_timer_t* timer) {
  auto* self = static_cast<TcpSession*>(timer->data);
  if (self->state_ == State::connecting) {
    self->connect_failed(UV_ETIMEDOUT);
    return;
  }
  if (self->state_ != State::relaying) return;
  // Re-arming on every read would cost a heap update per packet; instead
  // the timer checks the last activity when it fires.
  uint64_t idle = uv_now(self->worker_.loop()) - self->last_activity_;
  uint64_t limit = self->listener_.idle_timeout.count();
  if (idle >= limit) {
    log::debug("listener ", self->listener_.name, ": idle timeout, closing");
    self->close_all("idle timeout");
    return;
  }
  uv_timer_start(timer, &TcpSession::on_timer, limit - idle, 0);
}

void TcpSession::on_data(core::Socket& socket, core::Slice data) {
  last_activity_ = uv_now(worker_.loop());
  auto& counters = *pick_->server().counters;
  if (&socket == client_) counters.bytes_out.fetch_add(data.length, std::memory_order_relaxed);
  else counters.bytes_in.fetch_add(data.length, std::memory_order_relaxed);
  core::Socket& peer = peer_of(socket);
  peer.write(std::move(data));
  if (peer.above_high_water()) socket.read_stop();
}

void TcpSession::on_drained(core::Socket& socket) {
  // `socket` has room again: resume the side that feeds it, unless that side ended.
  core::Socket& feeder = peer_of(socket);
  if (state_ == State::relaying && !feeder.closing()) {
    bool feeder_ended = &feeder == client_ ? client_eof_ : server_eof_;
    if (!feeder_ended) feeder.read_start();
  }
}

void TcpSession::on_eof(core::Socket& socket) {
  if (&socket == server_ && state_ == State::connecting) return server_setup_failed(UV_ECONNRESET);
  if (&socket == client_) client_eof_ = true;
  else server_eof_ = true;
  core::Socket& peer = peer_of(socket);
  // Both ended and nothing left to write: a plain close will do.
  if (client_eof_ && server_eof_ && peer.queued_bytes() == 0) {
    close_all("both sides closed");
    return;
  }
  // Half-close: pass the end of stream on once what was read is written.
  peer.shutdown();
}

void TcpSession::on_shutdown_done(core::Socket&) {
  if (++half_closes_done_ == 2) close_all("both sides closed");
}

void TcpSession::on_error(core::Socket& socket, int status) {
  if (state_ == State::closing) return;
  if (&socket == server_ && state_ == State::connecting) return server_setup_failed(status);
  log::debug("listener ", listener_.name, ": ", &socket == client_ ? "client" : "server", " error: ",
             uv_strerror(status));
  close_all(uv_strerror(status));
}

void TcpSession::force_close() { close_all("shutdown timeout"); }

void TcpSession::close_all(std::string_view reason) {
  if (state_ == State::closing) return;
  if (role_tracked_) TcpFront::of(worker_).untrack_role(this);
  role_tracked_ = false;
  log::debug("listener ", listener_.name, ": closing session: ", reason);
  set_state(State::closing);
  if (pick_) pick_->server().counters->active.fetch_sub(1, std::memory_order_relaxed);
  client_->close();
  if (server_) server_->close();
  uv_timer_stop(&timer_);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), [](uv_handle_t* handle) {
    auto* self = static_cast<TcpSession*>(handle->data);
    if (--self->open_handles_ == 0) delete self;
  });
}

void TcpSession::on_closed(core::Socket&) {
  if (--open_handles_ == 0) delete this;
}

}  // namespace sy::tcp
