// Layer-4 relay: one client connection bridged to one server connection of
// the listener's backend. Connect failures and timeouts move on to the next
// server; bytes flow both ways with backpressure and half-close.
#pragma once

#include <uv.h>

#include <memory>
#include <optional>
#include <vector>

#include "conf/config.hpp"
#include "proxy/core/listener_counters.hpp"
#include "proxy/core/session.hpp"
#include "proxy/core/socket.hpp"
#include "proxy/core/worker.hpp"

namespace sy::tcp {

class TcpSession final : public core::Session, private core::SocketHandler {
 public:
  // `initial`: client bytes that arrived with its PROXY header, if any.
  static void start(core::Worker& worker, core::Socket* client, const conf::Listener& listener,
                    std::shared_ptr<core::ListenerCounters> listener_counters, const core::ClientAddresses& addresses,
                    core::Slice initial);

  void force_close() override;
  // Listeners with a `target`: whether the server this session relays to
  // still has the role in `snapshot`, and closing it when not.
  bool server_keeps_role(const balancer::Snapshot& snapshot) const;
  void close_for_role_change();

 private:
  enum class State { connecting, relaying, closing };

  TcpSession(core::Worker& worker, core::Socket* client, const conf::Listener& listener,
             std::shared_ptr<core::ListenerCounters> listener_counters, const core::ClientAddresses& addresses,
             core::Slice initial);
  ~TcpSession() override;

  void set_state(State next);
  balancer::RoleFilter role_filter() const;  // from the listener's target
  void connect_next();
  void connect_failed(int status);
  void close_all(std::string_view reason);
  core::Socket& peer_of(core::Socket& socket) { return &socket == client_ ? *server_ : *client_; }
  static void on_timer(uv_timer_t* timer);

  void on_connect(core::Socket& socket, int status) override;
  void on_transport_ready(core::Socket& socket) override;
  void start_relaying();
  // The server connection failed before relaying began (its TLS handshake).
  void server_setup_failed(int status);
  void on_data(core::Socket& socket, core::Slice data) override;
  void on_eof(core::Socket& socket) override;
  void on_error(core::Socket& socket, int status) override;
  void on_drained(core::Socket& socket) override;
  void on_shutdown_done(core::Socket& socket) override;
  void on_closed(core::Socket& socket) override;

  State state_ = State::connecting;
  bool role_tracked_ = false;  // in TcpFront's list of role-bound sessions
  core::Socket* client_;
  core::Socket* server_ = nullptr;
  std::shared_ptr<const balancer::Snapshot> snapshot_;  // keeps listener_ alive
  const conf::Listener& listener_;
  std::shared_ptr<core::ListenerCounters> listener_counters_;
  std::optional<core::ServerPick> pick_;
  std::vector<size_t> tried_;
  core::ClientAddresses addresses_;
  core::Slice initial_;  // sent to the server once connected
  uint64_t hash_key_ = 0;
  uv_timer_t timer_;
  uint64_t last_activity_ = 0;
  unsigned open_handles_ = 2;  // client socket + timer
  unsigned half_closes_done_ = 0;
  bool client_eof_ = false;
  bool server_eof_ = false;
};

}  // namespace sy::tcp
