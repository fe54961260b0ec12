// Fire-and-forget CancelRequest; see cancel_request.hpp.
#include "proxy/postgres/cancel_request.hpp"

#include "pgwire/startup.hpp"
#include "proxy/core/log.hpp"
#include "proxy/core/socket.hpp"
#include "proxy/core/worker.hpp"

namespace sy::postgres {
namespace {

// Lives until its socket closes: connect, write the request, half-close,
// then wait for the server to close (it answers nothing).
class CancelSender final : private core::SocketHandler {
 public:
  CancelSender(core::Worker& worker, int32_t process_id, int32_t secret_key)
      : socket_(new core::Socket(worker.loop(), worker.message_buffers(), this)),
        request_(pgwire::build_cancel_request(process_id, secret_key)) {}

  void start(const conf::Address& server) {
    if (int rc = socket_->connect(server.sockaddr_ptr()); rc != 0) {
      log::warn("cancel request to ", server.to_string(), " failed: ", uv_strerror(rc));
      socket_->close();
    }
  }

 private:
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
  void on_closed(core::Socket&) override { delete this; }

  core::Socket* socket_;
  std::string request_;
};

}  // namespace

void send_cancel_request(core::Worker& worker, const conf::Address& server, int32_t process_id, int32_t secret_key) {
  (new CancelSender(worker, process_id, secret_key))->start(server);
}

}  // namespace sy::postgres
