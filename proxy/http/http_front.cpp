// Per-worker HTTP state; see http_front.hpp.
#include "proxy/http/http_front.hpp"

#include <unordered_set>

#include "proxy/core/worker.hpp"
#include "proxy/http/client_session.hpp"
#include "proxy/http/lingering_close.hpp"

namespace sy::http {
namespace {
// Idle connections are closed within this much after their keepalive_timeout.
constexpr uint64_t kSweepIntervalMs = 250;
}  // namespace

HttpFront::HttpFront(core::Worker& worker)
    : worker_(worker), random_(std::random_device{}()), sweep_timer_(new uv_timer_t) {
  uv_timer_init(worker_.loop(), sweep_timer_);
  sweep_timer_->data = this;
  uv_timer_start(sweep_timer_, &HttpFront::on_sweep, kSweepIntervalMs, kSweepIntervalMs);
  // The sweep alone must not keep a stopping worker's loop alive.
  uv_unref(reinterpret_cast<uv_handle_t*>(sweep_timer_));
}

HttpFront::~HttpFront() { pool_.close_all(); }

void HttpFront::start_session(const conf::Listener& listener, core::Socket* client,
                              std::shared_ptr<core::ListenerCounters> counters, const core::ClientAddresses& addresses,
                              core::Slice initial) {
  ClientSession::start(worker_, client, listener, std::move(counters), addresses, std::move(initial));
}

void HttpFront::reject(core::Socket* client) { LingeringClose::reject_overloaded(worker_, client); }

void HttpFront::on_sweep(uv_timer_t* timer) {
  auto* self = static_cast<HttpFront*>(timer->data);
  self->pool_.sweep(uv_now(self->worker_.loop()));
}

void HttpFront::new_request_id(std::string& out) {
  uint64_t high = random_(), low = random_();
  high = (high & 0xffffffffffff0fffull) | 0x0000000000004000ull;  // version 4
  low = (low & 0x3fffffffffffffffull) | 0x8000000000000000ull;    // RFC 4122 variant
  // 8-4-4-4-12 hex digits; by hand, since this runs for every request.
  static constexpr char kHex[] = "0123456789abcdef";
  out.resize(36);
  int at = 35;
  for (int i = 0; i < 16; ++i, low >>= 4) {
    if (at == 23) out[at--] = '-';
    out[at--] = kHex[low & 15];
  }
  for (int i = 0; i < 16; ++i, high >>= 4) {
    if (at == 18 || at == 13 || at == 8) out[at--] = '-';
    out[at--] = kHex[high & 15];
  }
}

void HttpFront::on_snapshot() {
  std::unordered_set<const balancer::ServerCounters*> present;
  for (const auto& backend : worker_.snapshot()->backends)
    for (const auto& server : backend.servers) present.insert(server.counters.get());
  pool_.prune([&](const balancer::ServerCounters* server) { return present.count(server) > 0; });
}

void HttpFront::shutdown() {
  pool_.close_all();
  if (!sweep_timer_) return;
  uv_timer_stop(sweep_timer_);
  uv_close(reinterpret_cast<uv_handle_t*>(sweep_timer_),
           [](uv_handle_t* handle) { delete reinterpret_cast<uv_timer_t*>(handle); });
  sweep_timer_ = nullptr;
}

}  // namespace sy::http
