// The TLS Transport: a tls::TlsSession under a Socket. Bytes from the wire
// are fed to the session and what it decrypts goes to the handler; the
// handler's writes are encrypted, or held (within a bound) until the
// handshake is done. The session stays reachable for what the protocols
// ask after the handshake: ALPN, SNI, the client certificate, the channel
// binding of SCRAM-SHA-256-PLUS.
#pragma once

#include <cstdint>
#include <memory>

#include "proxy/core/transport.hpp"
#include "tls/session.hpp"

namespace sy::core {

class TlsTransport final : public Transport {
 public:
  // Plaintext a handler may write before the handshake is done; beyond it
  // encode() fails (a protocol that talks first on TLS would be a bug).
  static constexpr size_t kMaxHeldPlaintext = 256 * 1024;

  explicit TlsTransport(std::unique_ptr<tls::TlsSession> session) : session_(std::move(session)) {}

  int start(std::string& wire) override;
  int on_wire_bytes(std::span<const char> bytes, std::string& plain, std::string& wire) override;
  int encode(std::span<const char> bytes, std::string& wire) override;
  bool established() const override { return session_->handshake_done(); }
  void close_notify(std::string& wire) override;

  tls::TlsSession& session() { return *session_; }
  const tls::TlsSession& session() const { return *session_; }
  // The peer's close_notify came: no more data will (its TCP FIN follows).
  bool peer_closed() const { return session_->state() == tls::TlsSession::State::peer_closed; }

 private:
  // Encrypts `bytes` into `wire`; what the session cannot take yet is held.
  void write_through(std::string_view bytes, std::string& wire);

  std::unique_ptr<tls::TlsSession> session_;
  std::string held_;  // plaintext written before the handshake was done
};

// A client session to a server with [backend.tls]: SNI and verification
// name from the context (its server_name, or `host` as written in address).
// With the server's `port`, the session resumes from, and saves to, the
// context's cache for "host:port" (tls/client_session_cache.hpp); port 0
// means a full handshake every time.
std::unique_ptr<TlsTransport> connect_tls(std::shared_ptr<const tls::ClientContext> context, std::string_view host,
                                          uint16_t port = 0);

// Why the TLS of a socket's transport failed, for a log line ("" when it
// has no TLS or did not fail): "TLS hostname_mismatch: ...".
std::string tls_failure(const Transport* transport);

}  // namespace sy::core
