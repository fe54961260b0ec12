// Server connection plumbing; see server_connection.hpp.
#include "proxy/http/server_connection.hpp"

namespace sy::http {

ServerConnection* ServerConnection::connect(uv_loop_t* loop, core::BufferPool& buffers,
                                            std::shared_ptr<balancer::ServerCounters> server,
                                            const sockaddr_storage& address, ServerOwner* owner, int& status) {
  auto* connection = new ServerConnection(loop, buffers, std::move(server), address, owner);
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
  if (owner_) owner_->on_server_connected(*this, status);
}

void ServerConnection::on_data(core::Socket&, core::Slice data) {
  if (owner_) owner_->on_server_data(*this, std::move(data));
}

void ServerConnection::on_eof(core::Socket&) {
  if (owner_) owner_->on_server_eof(*this);
}

void ServerConnection::on_error(core::Socket&, int status) {
  if (owner_) owner_->on_server_error(*this, status);
}

void ServerConnection::on_drained(core::Socket&) {
  if (owner_) owner_->on_server_drained(*this);
}

void ServerConnection::on_closed(core::Socket&) { delete this; }

}  // namespace sy::http
