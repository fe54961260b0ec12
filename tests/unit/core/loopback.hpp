// Component-test plumbing for core: a libuv loop driven by the test, a
// listening socket on 127.0.0.1 and a SocketHandler that records what it
// was told. Everything runs on the test's thread, in milliseconds.
#pragma once

#include <uv.h>

#include <functional>
#include <string>

#include "proxy/core/socket.hpp"

namespace sy::core::test {

// Runs the loop until `done` holds, or fails after `timeout_ms`.
inline bool run_until(uv_loop_t* loop, const std::function<bool()>& done, uint64_t timeout_ms = 2000) {
  uint64_t deadline = uv_now(loop) + timeout_ms;
  while (!done()) {
    if (uv_now(loop) >= deadline) return false;
    uv_run(loop, UV_RUN_NOWAIT);
    uv_update_time(loop);
  }
  return true;
}

// Remembers every callback: the bytes, EOF, errors, readiness, closing.
class Recorder final : public SocketHandler {
 public:
  std::string received;
  int connect_status = 1;  // 1: not yet
  bool eof = false;
  int error = 0;
  int ready = 0;
  bool closed = false;

  void on_connect(Socket&, int status) override { connect_status = status; }
  void on_data(Socket&, Slice data) override { received.append(data.view()); }
  void on_eof(Socket&) override { eof = true; }
  void on_error(Socket&, int status) override { error = status; }
  void on_transport_ready(Socket&) override { ++ready; }
  void on_closed(Socket&) override { closed = true; }
};

// A listening TCP socket on 127.0.0.1 with an ephemeral port; accepted
// connections become Sockets handled by `server_handler`.
class Listener {
 public:
  Listener(uv_loop_t* loop, BufferPool& pool, SocketHandler* server_handler)
      : loop_(loop), pool_(pool), handler_(server_handler) {
    uv_tcp_init(loop, &tcp_);
    tcp_.data = this;
    sockaddr_in address{};
    uv_ip4_addr("127.0.0.1", 0, &address);
    uv_tcp_bind(&tcp_, reinterpret_cast<const sockaddr*>(&address), 0);
    uv_listen(reinterpret_cast<uv_stream_t*>(&tcp_), 16, [](uv_stream_t* stream, int) {
      auto* self = static_cast<Listener*>(stream->data);
      self->accepted = new Socket(self->loop_, self->pool_, self->handler_);
      self->accepted->accept(stream);
      self->accepted->read_start();
    });
    int length = sizeof bound_;
    uv_tcp_getsockname(&tcp_, reinterpret_cast<sockaddr*>(&bound_), &length);
  }
  ~Listener() {
    uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), nullptr);
    uv_run(loop_, UV_RUN_NOWAIT);
  }

  const sockaddr* address() const { return reinterpret_cast<const sockaddr*>(&bound_); }
  Socket* accepted = nullptr;

 private:
  uv_loop_t* loop_;
  BufferPool& pool_;
  SocketHandler* handler_;
  uv_tcp_t tcp_;
  sockaddr_storage bound_{};
};

}  // namespace sy::core::test
