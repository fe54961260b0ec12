// The TLS handshake stage before a front; see tls_handshake.hpp.
#include "proxy/core/tls_handshake.hpp"

#include "conf/address.hpp"
#include "proxy/core/log.hpp"
#include "proxy/core/log_guard.hpp"
#include "proxy/core/tls_transport.hpp"
#include "proxy/core/worker.hpp"

namespace sy::core {
namespace {
// Per worker thread: bad handshakes from anywhere share one budget of lines.
thread_local LogRateLimit handshake_log_limit(10);
}  // namespace

void TlsHandshake::start(Worker& worker, Socket* client, std::shared_ptr<const tls::ServerContext> context,
                         const conf::Listener& listener, std::shared_ptr<ListenerCounters> counters,
                         const ClientAddresses& addresses, Slice already_read) {
  auto* stage = new TlsHandshake(worker, client, listener, std::move(counters), addresses);
  client->start_transport(std::make_unique<TlsTransport>(tls::TlsSession::accept(std::move(context))),
                          std::move(already_read));
  if (!stage->done_) client->read_start();
}

TlsHandshake::TlsHandshake(Worker& worker, Socket* client, const conf::Listener& listener,
                           std::shared_ptr<ListenerCounters> counters, const ClientAddresses& addresses)
    : Session(worker),
      client_(client),
      snapshot_(worker.snapshot()),
      listener_(listener),
      counters_(std::move(counters)),
      addresses_(addresses) {
  counters_->active.fetch_add(1, std::memory_order_relaxed);
  client_->set_handler(this);
  uv_timer_init(worker.loop(), &timer_);
  timer_.data = this;
  uv_timer_start(&timer_, [](uv_timer_t* timer) {
    static_cast<TlsHandshake*>(timer->data)->fail(ListenerCounters::kTlsTimeout, "handshake timed out");
  }, static_cast<uint64_t>(listener.tls.handshake_timeout.count()), 0);
}

TlsHandshake::~TlsHandshake() { counters_->active.fetch_sub(1, std::memory_order_relaxed); }

TlsTransport* TlsHandshake::transport() const { return static_cast<TlsTransport*>(client_->transport()); }

void TlsHandshake::on_data(Socket&, Slice) {
  // Decoded bytes only exist once the handshake is done, and by then the
  // front is the socket's handler.
}

void TlsHandshake::on_eof(Socket&) { fail(static_cast<size_t>(tls::TlsError::handshake), "client closed mid-handshake"); }

void TlsHandshake::on_error(Socket&, int status) {
  TlsTransport* tls = transport();
  if (status == UV_EPROTO && tls && tls->session().failed())
    return fail(static_cast<size_t>(tls->session().error()), tls->session().error_message());
  fail(static_cast<size_t>(tls::TlsError::handshake), uv_strerror(status));
}

void TlsHandshake::on_transport_ready(Socket&) { hand_over(); }

void TlsHandshake::hand_over() {
  if (done_) return;
  done_ = true;
  counters_->tls_handshakes.fetch_add(1, std::memory_order_relaxed);
  if (transport()->session().resumed()) counters_->tls_resumed.fetch_add(1, std::memory_order_relaxed);
  // The session takes the socket (and its handler) from here on; bytes
  // decrypted with the handshake's last flight go to it.
  client_->read_stop();
  Socket* client = client_;
  client_ = nullptr;
  worker_.start_protocol_session(listener_, client, counters_, addresses_, {});
  finish();
}

void TlsHandshake::fail(size_t reason, std::string_view why, bool log) {
  if (done_) return;
  done_ = true;
  counters_->tls_failures[reason].fetch_add(1, std::memory_order_relaxed);
  uint64_t suppressed = 0;
  if (log && handshake_log_limit.allow(uv_now(worker_.loop()), suppressed)) {
    addresses_.resolve(*client_);
    std::string_view name = transport() ? transport()->session().server_name() : std::string_view();
    std::string_view reason_name = reason == ListenerCounters::kTlsTimeout
                                       ? "timeout"
                                       : tls::error_name(static_cast<tls::TlsError>(reason));
    log::warn("listener ", listener_.name, ": TLS handshake with ",
              conf::format_sockaddr(reinterpret_cast<const sockaddr*>(&addresses_.source)), " failed (",
              reason_name, "): ", printable(why), name.empty() ? "" : ", SNI ", name.empty() ? "" : printable(name),
              suppressed ? log::concat(" (", suppressed, " more not logged)") : std::string());
  }
  client_->close();  // on_closed() finishes
}

void TlsHandshake::on_closed(Socket&) {
  client_ = nullptr;
  finish();
}

void TlsHandshake::finish() {
  if (uv_is_closing(reinterpret_cast<uv_handle_t*>(&timer_))) return;
  uv_timer_stop(&timer_);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_),
           [](uv_handle_t* handle) { delete static_cast<TlsHandshake*>(handle->data); });
}

}  // namespace sy::core
