// Flush, shut down, drain, close; see lingering_close.hpp.
#include "proxy/http/lingering_close.hpp"

#include "proxy/http/proxy_responses.hpp"

namespace sy::http {
namespace {
// How long to keep reading after our side is shut down (nginx: lingering_time 30s,
// lingering_timeout 5s; a client that is still sending has usually stopped by then).
constexpr uint64_t kLingerMs = 2000;
// What a client may still send before we stop being polite.
constexpr uint64_t kMaxDiscarded = 1 << 20;
}  // namespace

void LingeringClose::start(core::Worker& worker, core::Socket* client, uint64_t flush_ms) {
  new LingeringClose(worker, client, flush_ms);
}

void LingeringClose::reject_overloaded(core::Worker& worker, core::Socket* client) {
  std::string response;
  append_proxy_response(response, {.status = 503, .close = true});
  client->write(std::move(response));
  start(worker, client, kLingerMs);
}

LingeringClose::LingeringClose(core::Worker& worker, core::Socket* client, uint64_t flush_ms)
    : Session(worker), client_(client) {
  client_->set_handler(this);
  uv_timer_init(worker.loop(), &timer_);
  timer_.data = this;
  uv_timer_start(&timer_, [](uv_timer_t* timer) { static_cast<LingeringClose*>(timer->data)->close(); }, flush_ms, 0);
  client_->read_start();
  client_->shutdown();  // after the queued writes
}

void LingeringClose::on_data(core::Socket&, core::Slice data) {
  discarded_ += data.length;
  if (discarded_ > kMaxDiscarded) close();
}

void LingeringClose::on_shutdown_done(core::Socket&) {
  if (!closing_) uv_timer_start(&timer_, [](uv_timer_t* timer) { static_cast<LingeringClose*>(timer->data)->close(); },
                                kLingerMs, 0);
}

void LingeringClose::close() {
  if (closing_) return;
  closing_ = true;
  client_->close();
  uv_timer_stop(&timer_);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), [](uv_handle_t* handle) {
    auto* self = static_cast<LingeringClose*>(handle->data);
    if (--self->open_handles_ == 0) delete self;
  });
}

void LingeringClose::on_closed(core::Socket&) {
  if (--open_handles_ == 0) delete this;
}

}  // namespace sy::http
