// Driving a TlsSession from socket bytes; see tls_transport.hpp.
#include "proxy/core/tls_transport.hpp"

#include <uv.h>

#include <array>
#include <string>

namespace sy::core {

int TlsTransport::start(std::string& wire) {
  session_->take_ciphertext(wire);  // a client's hello; nothing for a server
  return session_->failed() ? UV_EPROTO : 0;
}

int TlsTransport::on_wire_bytes(std::span<const char> bytes, std::string& plain, std::string& wire) {
  bool ok = session_->feed_ciphertext({bytes.data(), bytes.size()});
  std::array<char, 16 * 1024> buffer;
  while (ok) {
    tls::ReadResult result = session_->read_plaintext(buffer);
    if (result.status == tls::ReadStatus::data) plain.append(buffer.data(), result.bytes);
    else if (result.status == tls::ReadStatus::error) ok = false;
    else break;  // want_more, or the peer's close_notify
  }
  if (ok && session_->handshake_done() && !held_.empty()) {
    std::string held = std::move(held_);
    held_.clear();
    write_through(held, wire);
  }
  // Handshake flights, and after a failure the alert that says why.
  session_->take_ciphertext(wire);
  return ok && !session_->failed() ? 0 : UV_EPROTO;
}

int TlsTransport::encode(std::span<const char> bytes, std::string& wire) {
  if (session_->failed()) return UV_EPROTO;
  if (!session_->handshake_done() || !held_.empty()) {
    if (held_.size() + bytes.size() > kMaxHeldPlaintext) return UV_ENOBUFS;
    held_.append(bytes.data(), bytes.size());
    return 0;
  }
  write_through({bytes.data(), bytes.size()}, wire);
  return session_->failed() ? UV_EPROTO : 0;
}

void TlsTransport::write_through(std::string_view bytes, std::string& wire) {
  // The session takes at most its output bound at a time; taking its
  // ciphertext after each write makes room for the next.
  while (!bytes.empty()) {
    size_t taken = session_->write_plaintext(bytes);
    session_->take_ciphertext(wire);
    if (taken == 0) break;
    bytes.remove_prefix(taken);
  }
  if (!bytes.empty()) held_.append(bytes);  // after close_notify or failure: dropped with the session
}

void TlsTransport::close_notify(std::string& wire) {
  if (!session_->handshake_done()) return;
  session_->close_notify();
  session_->take_ciphertext(wire);
}

std::unique_ptr<TlsTransport> connect_tls(std::shared_ptr<const tls::ClientContext> context, std::string_view host,
                                          uint16_t port) {
  if (port == 0) return std::make_unique<TlsTransport>(tls::TlsSession::connect(std::move(context), host));
  std::string server = host.find(':') != std::string_view::npos ? "[" + std::string(host) + "]" : std::string(host);
  server += ":" + std::to_string(port);
  return std::make_unique<TlsTransport>(tls::TlsSession::connect_cached(std::move(context), host, std::move(server)));
}

std::string tls_failure(const Transport* transport) {
  auto* tls = dynamic_cast<const TlsTransport*>(transport);
  if (!tls || !tls->session().failed()) return {};
  return "TLS " + std::string(tls::error_name(tls->session().error())) + ": " + tls->session().error_message();
}

}  // namespace sy::core
