// TCP connect probe: the server is healthy if it accepts a connection within
// the timeout. The connection is closed at once.
#include <memory>

#include "conf/durations.hpp"
#include "healthcheck/probe.hpp"

namespace sy::health {
namespace {

class TcpProbe final : public Probe {
 public:
  TcpProbe(uv_loop_t* loop, const conf::Address& address, conf::Duration timeout, Done done)
      : done_(std::move(done)), timeout_(timeout) {
    uv_tcp_init(loop, &tcp_);
    uv_timer_init(loop, &timer_);
    tcp_.data = this;
    timer_.data = this;
    connect_.data = this;
    started_ = uv_now(loop);
    int rc = uv_tcp_connect(&connect_, &tcp_, address.sockaddr_ptr(), &TcpProbe::on_connect);
    if (rc != 0) {
      // Report from the loop, never from inside start_tcp_probe().
      immediate_failure_ = uv_strerror(rc);
      uv_timer_start(&timer_, &TcpProbe::on_timeout, 0, 0);
      return;
    }
    uv_timer_start(&timer_, &TcpProbe::on_timeout, timeout.count(), 0);
  }

  void cancel() override {
    done_ = nullptr;
    close();
  }

 private:
  static void on_connect(uv_connect_t* req, int status) {
    auto* self = static_cast<TcpProbe*>(req->data);
    if (status == UV_ECANCELED) return;  // closed by timeout or cancel
    if (status != 0) {
      self->finish({false, uv_strerror(status)});
      return;
    }
    uint64_t elapsed = uv_now(self->tcp_.loop) - self->started_;
    self->finish({true, "connected in " + std::to_string(elapsed) + "ms"});
  }

  static void on_timeout(uv_timer_t* timer) {
    auto* self = static_cast<TcpProbe*>(timer->data);
    if (!self->immediate_failure_.empty()) self->finish({false, self->immediate_failure_});
    else self->finish({false, "timeout after " + conf::format_duration(self->timeout_)});
  }

  void finish(ProbeResult result) {
    Done done = std::move(done_);
    done_ = nullptr;
    close();
    if (done) done(std::move(result));
  }

  void close() {
    if (closing_) return;
    closing_ = true;
    uv_close(reinterpret_cast<uv_handle_t*>(&timer_), &TcpProbe::on_closed);
    uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), &TcpProbe::on_closed);
  }

  static void on_closed(uv_handle_t* handle) {
    auto* self = static_cast<TcpProbe*>(handle->data);
    if (--self->open_handles_ == 0) delete self;
  }

  Done done_;
  conf::Duration timeout_;
  uv_tcp_t tcp_;
  uv_timer_t timer_;
  uv_connect_t connect_;
  uint64_t started_ = 0;
  std::string immediate_failure_;
  int open_handles_ = 2;
  bool closing_ = false;
};

}  // namespace

Probe* start_tcp_probe(uv_loop_t* loop, const conf::Address& address, conf::Duration timeout, Probe::Done done) {
  return new TcpProbe(loop, address, timeout, std::move(done));
}

}  // namespace sy::health
