// One connection to an HTTP server. It belongs to whoever its Owner is: the
// client session it serves a request for, or the worker's idle pool between
// requests. It parses the server's responses (the session drives the
// parser) and frees itself once its socket has closed, so an owner can
// close it and forget it in the same breath.
#pragma once

#include <memory>
#include <string>

#include "balancer/server_counters.hpp"
#include "proxy/core/socket.hpp"
#include "tls/context.hpp"
#include "proxy/http/parser.hpp"

namespace sy::http {

class ServerConnection;

// Socket events of a server connection, for its current owner.
class ServerOwner {
 public:
  virtual void on_server_connected(ServerConnection&, int status) = 0;
  virtual void on_server_data(ServerConnection&, core::Slice data) = 0;
  virtual void on_server_eof(ServerConnection&) = 0;
  virtual void on_server_error(ServerConnection&, int status) = 0;
  virtual void on_server_drained(ServerConnection&) {}

 protected:
  ~ServerOwner() = default;
};

class ServerConnection final : private core::SocketHandler {
 public:
  enum class State { connecting, busy, idle, closing };

  // Starts connecting to `address`; `owner` hears how it went. Null (and
  // the libuv error in `status`) when the connect could not even start.
  // With `tls` (the backend's [backend.tls]) the TLS handshake to `host`
  // is part of connecting: the owner hears of the connection once it is done.
  // With `port` too it resumes the session that server issued last.
  static ServerConnection* connect(uv_loop_t* loop, core::BufferPool& buffers,
                                   std::shared_ptr<balancer::ServerCounters> server, const sockaddr_storage& address,
                                   ServerOwner* owner, int& status,
                                   std::shared_ptr<const tls::ClientContext> tls = nullptr, std::string_view host = {},
                                   uint16_t port = 0);

  void set_owner(ServerOwner* owner) { owner_ = owner; }
  void set_state(State next) { state_ = next; }
  State state() const { return state_; }
  void close();  // the object frees itself after the socket's close callback

  core::Socket& socket() { return *socket_; }
  Parser& parser() { return parser_; }
  // The identity of the server: its counters object, which lives as long as
  // the server does, across reloads (the pool's key).
  const std::shared_ptr<balancer::ServerCounters>& server() const { return server_; }
  const sockaddr_storage& address() const { return address_; }
  unsigned requests_served() const { return requests_served_; }
  void count_request() { ++requests_served_; }

  // Idle pool bookkeeping (server_pool.cpp).
  uint64_t idle_deadline = 0;
  ServerConnection* idle_prev = nullptr;
  ServerConnection* idle_next = nullptr;

 private:
  ServerConnection(uv_loop_t* loop, core::BufferPool& buffers, std::shared_ptr<balancer::ServerCounters> server,
                   const sockaddr_storage& address, ServerOwner* owner);
  ~ServerConnection() = default;

  void on_connect(core::Socket&, int status) override;
  void on_data(core::Socket&, core::Slice data) override;
  void on_eof(core::Socket&) override;
  void on_error(core::Socket&, int status) override;
  void on_drained(core::Socket&) override;
  void on_transport_ready(core::Socket&) override;
  void on_closed(core::Socket&) override;
  // Connecting ended (connected, or failed during the connect or the TLS handshake).
  void connecting_done(int status);

  core::Socket* socket_;
  std::shared_ptr<const tls::ClientContext> tls_;  // until the handshake starts
  std::string tls_host_;
  uint16_t tls_port_ = 0;  // with tls_host_, the key of the context's session cache
  bool handshaking_ = false;
  ServerOwner* owner_;
  State state_ = State::connecting;
  Parser parser_;
  std::shared_ptr<balancer::ServerCounters> server_;
  sockaddr_storage address_;
  unsigned requests_served_ = 0;
};

}  // namespace sy::http
