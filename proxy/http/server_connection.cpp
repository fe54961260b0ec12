// Server connection plumbing; see server_connection.hpp.
#include "proxy/http/server_connection.hpp"

#include "conf/address.hpp"
#include "proxy/core/log.hpp"
#include "proxy/core/log_guard.hpp"
#include "proxy/core/tls_transport.hpp"

namespace sy::http {

ServerConnection* ServerConnection::connect(uv_loop_t* loop, core::BufferPool& buffers,
                                            std::shared_ptr<balancer::ServerCounters> server,
                                            const sockaddr_storage& address, ServerOwner* owner, int& status,
                                            std::shared_ptr<const tls::ClientContext> tls, std::string_view host,
                                            uint16_t port) {
  auto* connection = new ServerConnection(loop, buffers, std::move(server), address, owner);
  connection->tls_ = std::move(tls);
  connection->tls_host_ = std::string(host);
  connection->tls_port_ = port;
  status = connection->socket_->connect(reinterpret_cast<const sockaddr*>(&connection->address_));
  if (status != 0) {
    connection->close();  // frees itself once the socket has closed
    return nullptr;
  }
  return connection;
}

ServerConnection::ServerConnection(uv_loop_t* loop, core::BufferPool& buffers,
                                   std::shared_ptr<balancer::ServerCounters> server, const sockaddr_storage& address,
                                   ServerOwner* owner)
    : socket_(new core::Socket(loop, buffers, this)),
      owner_(owner),
      parser_(Parser::Kind::response, ParserLimits{.max_head_bytes = 64 * 1024, .max_headers = 256, .max_body_bytes = 0}),
      server_(std::move(server)),
      address_(address) {}

void ServerConnection::close() {
  if (state_ == State::closing) return;
  state_ = State::closing;
  owner_ = nullptr;
  socket_->close();
}

void ServerConnection::on_connect(core::Socket&, int status) {
  if (status != 0 || !tls_) return connecting_done(status);
  handshaking_ = true;
  socket_->start_transport(core::connect_tls(std::move(tls_), tls_host_, tls_port_));
  if (handshaking_) socket_->read_start();
}

void ServerConnection::on_transport_ready(core::Socket&) {
  handshaking_ = false;
  socket_->read_stop();  // the owner starts reading when it has sent its request
  connecting_done(0);
}

void ServerConnection::connecting_done(int status) {
  if (status != 0 && handshaking_) {
    handshaking_ = false;
    std::string why = core::tls_failure(socket_->transport());
    static thread_local core::LogRateLimit limit(10);
    uint64_t suppressed = 0;
    if (!why.empty() && limit.allow(uv_now(socket_->loop()), suppressed))
      log::warn("connection to server ", conf::format_sockaddr(reinterpret_cast<const sockaddr*>(&address_)), ": ",
                why, suppressed ? log::concat(" (", suppressed, " more not logged)") : std::string());
  }
  if (owner_) owner_->on_server_connected(*this, status);
}

void ServerConnection::on_data(core::Socket&, core::Slice data) {
  if (owner_) owner_->on_server_data(*this, std::move(data));
}

void ServerConnection::on_eof(core::Socket&) {
  if (handshaking_) return connecting_done(UV_ECONNRESET);
  if (owner_) owner_->on_server_eof(*this);
}

void ServerConnection::on_error(core::Socket&, int status) {
  if (handshaking_) return connecting_done(status);
  if (owner_) owner_->on_server_error(*this, status);
}

void ServerConnection::on_drained(core::Socket&) {
  if (owner_) owner_->on_server_drained(*this);
}

void ServerConnection::on_closed(core::Socket&) { delete this; }

}  // namespace sy::http
