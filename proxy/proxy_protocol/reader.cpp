// Reading the PROXY header before a session starts; see reader.hpp.
#include "proxy/proxy_protocol/reader.hpp"

#include <cstring>

#include "proxy/core/log.hpp"
#include "proxy/proxy_protocol/header.hpp"

namespace sy::proxy_protocol {
namespace {
// The sender writes its header as soon as it has connected; a connection
// that has not sent it by then never will.
constexpr uint64_t kHeaderTimeoutMs = 5000;
}  // namespace

void Reader::start(core::Worker& worker, core::Socket* client, std::shared_ptr<const balancer::Snapshot> snapshot,
                   const conf::Listener& listener, std::shared_ptr<core::ListenerCounters> counters) {
  new Reader(worker, client, std::move(snapshot), listener, std::move(counters));
}

Reader::Reader(core::Worker& worker, core::Socket* client, std::shared_ptr<const balancer::Snapshot> snapshot,
               const conf::Listener& listener, std::shared_ptr<core::ListenerCounters> counters)
    : Session(worker), client_(client), snapshot_(std::move(snapshot)), listener_(listener), counters_(std::move(counters)) {
  counters_->active.fetch_add(1, std::memory_order_relaxed);
  client_->set_handler(this);
  uv_timer_init(worker.loop(), &timer_);
  timer_.data = this;
  uv_timer_start(&timer_, [](uv_timer_t* timer) { static_cast<Reader*>(timer->data)->fail("no PROXY header in time"); },
                 kHeaderTimeoutMs, 0);
  client_->read_start();
}

Reader::~Reader() { counters_->active.fetch_sub(1, std::memory_order_relaxed); }

void Reader::on_data(core::Socket&, core::Slice data) {
  if (done_) return;
  header_.append(data.data(), data.length);
  ParseResult result = parse(header_);
  if (result.status == ParseResult::Status::invalid) return fail(result.error);
  if (result.status == ParseResult::Status::need_more) {
    if (header_.size() >= kMaxHeaderBytes) fail("PROXY header too long");
    return;
  }
  // The bytes after the header are the client's: they go to the session,
  // in the same chunk when the whole header came in this read.
  size_t rest = header_.size() - result.length;
  core::Slice initial;
  if (rest > 0) {
    initial = std::move(data);
    initial.offset += initial.length - static_cast<uint32_t>(rest);
    initial.length = static_cast<uint32_t>(rest);
  }
  core::ClientAddresses addresses;
  if (result.addresses.known()) {
    addresses.source = result.addresses.source;
    addresses.destination = result.addresses.destination;
    addresses.known = true;
  }
  done_ = true;
  client_->read_stop();
  core::Socket* client = client_;
  client_ = nullptr;
  // The session takes the socket (and its handler) from here on.
  worker_.start_protocol_session(listener_, client, counters_, addresses, std::move(initial));
  finish();
}

void Reader::fail(std::string_view why) {
  if (done_) return;
  done_ = true;
  log::debug("listener ", listener_.name, ": closing a client: ", why);
  client_->close();  // on_closed() finishes
}

void Reader::finish() {
  if (uv_is_closing(reinterpret_cast<uv_handle_t*>(&timer_))) return;
  uv_timer_stop(&timer_);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), [](uv_handle_t* handle) { delete static_cast<Reader*>(handle->data); });
}

}  // namespace sy::proxy_protocol
