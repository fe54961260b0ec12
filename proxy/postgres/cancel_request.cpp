// A CancelRequest on a connection of its own; see cancel_request.hpp.
#include "proxy/postgres/cancel_request.hpp"

#include "pgwire/startup.hpp"
#include "proxy/core/log.hpp"
#include "proxy/core/socket.hpp"
#include "proxy/core/worker.hpp"

namespace sy::postgres {
namespace {

// Lives until its socket closes: connect, write the request, half-close,
// then wait for the server to close (it answers nothing) — or give up at
// the timeout.
class CancelSender final : private core::SocketHandler {
 public:
  CancelSender(core::Worker& worker, int32_t process_id, int32_t secret_key, std::function<void()> done)
      : socket_(new core::Socket(worker.loop(), worker.message_buffers(), this)),
        timer_(new uv_timer_t),
        request_(pgwire::build_cancel_request(process_id, secret_key)),
        done_(std::move(done)) {
    uv_timer_init(worker.loop(), timer_);
    timer_->data = this;
  }

  void start(const conf::Address& server) {
    uv_timer_start(timer_, &CancelSender::on_timeout, kCancelRequestTimeoutMs, 0);
    if (int rc = socket_->connect(server.sockaddr_ptr()); rc != 0) {
      log::warn("cancel request to ", server.to_string(), " failed: ", uv_strerror(rc));
      socket_->close();
    }
  }

 private:
  static void on_timeout(uv_timer_t* timer) {
    log::warn("cancel request: no answer within ", kCancelRequestTimeoutMs, " ms");
    static_cast<CancelSender*>(timer->data)->socket_->close();
  }
  void on_connect(core::Socket& socket, int status) override {
    if (status != 0) {
      log::warn("cancel request: connect failed: ", uv_strerror(status));
      socket.close();
      return;
    }
    socket.write(std::move(request_));
    socket.shutdown();
    socket.read_start();
  }
  void on_data(core::Socket&, core::Slice) override {}
  void on_eof(core::Socket& socket) override { socket.close(); }
  void on_error(core::Socket& socket, int) override { socket.close(); }
  void on_closed(core::Socket&) override {
    uv_timer_stop(timer_);
    uv_close(reinterpret_cast<uv_handle_t*>(timer_), [](uv_handle_t* handle) { delete reinterpret_cast<uv_timer_t*>(handle); });
    if (done_) done_();
    delete this;
  }

  core::Socket* socket_;
  uv_timer_t* timer_;
  std::string request_;
  std::function<void()> done_;
};

}  // namespace

void send_cancel_request(core::Worker& worker, const conf::Address& server, int32_t process_id, int32_t secret_key,
                         std::function<void()> done) {
  (new CancelSender(worker, process_id, secret_key, std::move(done)))->start(server);
}

}  // namespace sy::postgres
