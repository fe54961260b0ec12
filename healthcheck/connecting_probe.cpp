// The connect / deadline / single result life of a probe; see
// connecting_probe.hpp.
#include "healthcheck/connecting_probe.hpp"

#include "conf/durations.hpp"

namespace sy::health {

ConnectingProbe::ConnectingProbe(uv_loop_t* loop, conf::Duration timeout, Done done)
    : timeout_(timeout), done_(std::move(done)) {
  uv_tcp_init(loop, &tcp_);
  uv_timer_init(loop, &timer_);
  tcp_.data = this;
  timer_.data = this;
  connect_.data = this;
  started_ = uv_now(loop);
}

void ConnectingProbe::start(const conf::Address& address) {
  int rc = uv_tcp_connect(&connect_, &tcp_, address.sockaddr_ptr(), &ConnectingProbe::on_connect);
  if (rc != 0) {
    // Reported from the loop, never from inside the factory that starts us.
    immediate_failure_ = uv_strerror(rc);
    uv_timer_start(&timer_, &ConnectingProbe::on_timeout, 0, 0);
    return;
  }
  uv_timer_start(&timer_, &ConnectingProbe::on_timeout, static_cast<uint64_t>(timeout_.count()), 0);
}

void ConnectingProbe::cancel() {
  done_ = nullptr;
  close();
}

std::string ConnectingProbe::timeout_reason() const { return "timeout after " + conf::format_duration(timeout_); }

void ConnectingProbe::on_connect(uv_connect_t* request, int status) {
  auto* self = static_cast<ConnectingProbe*>(request->data);
  if (status == UV_ECANCELED || self->closing_) return;  // closed by the deadline or cancel
  if (status != 0) return self->finish({false, uv_strerror(status)});
  self->on_connected();
}

void ConnectingProbe::on_timeout(uv_timer_t* timer) {
  auto* self = static_cast<ConnectingProbe*>(timer->data);
  if (!self->immediate_failure_.empty()) return self->finish({false, self->immediate_failure_});
  self->finish({false, self->timeout_reason()});
}

void ConnectingProbe::finish(ProbeResult result) {
  Done done = std::move(done_);
  done_ = nullptr;
  close();
  if (done) done(std::move(result));
}

void ConnectingProbe::close() {
  if (closing_) return;
  closing_ = true;
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), &ConnectingProbe::on_closed);
  uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), &ConnectingProbe::on_closed);
}

void ConnectingProbe::on_closed(uv_handle_t* handle) {
  auto* self = static_cast<ConnectingProbe*>(handle->data);
  if (--self->open_handles_ == 0) delete self;
}

}  // namespace sy::health
