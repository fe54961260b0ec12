// One connection's TLS, sans I/O: bytes read from the socket go in with
// feed_ciphertext(), decrypted bytes come out of read_plaintext(), the
// protocol's bytes go in with write_plaintext() and what must be written to
// the socket comes out of take_ciphertext(). The transport seam in
// proxy/core drives it from its libuv callbacks; nothing here blocks, throws
// or touches a socket. Not thread-safe: one session lives on one worker.
//
// Driving it, after every socket read:
//   feed_ciphertext(bytes); then read_plaintext() until want_more (or closed /
//   error); then write whatever pending_ciphertext() holds to the socket --
//   also after a failure, which leaves the fatal alert there.
// Writing: write_plaintext() returns how much it took; it takes nothing
// before handshake_done() and stops while more than
// SessionLimits::max_pending_ciphertext bytes wait to be taken (backpressure:
// retry after take_ciphertext() made room, when writable() > 0).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tls/certificate.hpp"
#include "tls/client_session_cache.hpp"
#include "tls/context.hpp"
#include "tls/openssl_error.hpp"
#include "tls/session_error.hpp"

namespace sy::tls {

struct SessionLimits {
  // Ciphertext waiting for take_ciphertext() beyond which write_plaintext()
  // takes no more. Handshake flights and alerts are not held back, so the
  // bound can be passed by at most one flight (a few KiB) -- never by data.
  size_t max_pending_ciphertext = 256 * 1024;
};

enum class ReadStatus {
  data,       // `bytes` plaintext bytes were written to the buffer
  want_more,  // nothing (more) to read until more ciphertext is fed
  closed,     // the peer sent close_notify: no more data will come
  error,      // the session failed; see error() and error_message()
};

struct ReadResult {
  ReadStatus status = ReadStatus::want_more;
  size_t bytes = 0;
};

struct PeerCertificate {
  CertificateInfo certificate;
  bool verified = false;      // the chain verified against our CAs (and the host, in full verification)
  std::string verify_result;  // "ok" or OpenSSL's reason, e.g. "certificate has expired"
};

// A client's saved TLS session (a ticket) for resuming the next connection
// to the same server. The owner keys these by server; a session from one
// server must not be offered to another.
class SavedSession {
 public:
  SavedSession() = default;
  explicit operator bool() const { return session_ != nullptr; }

 private:
  friend class TlsSession;
  explicit SavedSession(SslSessionPtr session) : session_(std::move(session)) {}
  SslSessionPtr session_;
};

class TlsSession {
 public:
  enum class State {
    handshaking,
    open,         // handshake done, data flows both ways
    peer_closed,  // the peer's close_notify arrived; we may still write
    failed,       // fatal: only pending_ciphertext() (an alert) is left to send
  };

  // A server side session on `context`; it waits for the ClientHello.
  static std::unique_ptr<TlsSession> accept(std::shared_ptr<const ServerContext> context,
                                            SessionLimits limits = {});
  // A client side session to `host` (the server's name or IP literal, used
  // for SNI and full verification unless the settings' server_name replaces
  // it). The ClientHello is pending_ciphertext() on return.
  static std::unique_ptr<TlsSession> connect(std::shared_ptr<const ClientContext> context, std::string_view host,
                                             const SavedSession& resume = {}, SessionLimits limits = {});
  // The same, to the server at `server` ("host:port" as dialled), through the
  // context's session cache: it offers the session that server issued last,
  // saves the ones it issues now, and forgets an offered one that the
  // server did not resume.
  static std::unique_ptr<TlsSession> connect_cached(std::shared_ptr<const ClientContext> context,
                                                    std::string_view host, std::string server,
                                                    SessionLimits limits = {});

  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;
  ~TlsSession();

  // Bytes read from the socket. Advances the handshake; false once failed.
  bool feed_ciphertext(std::string_view bytes);
  // Decrypts into `out` (non-empty).
  ReadResult read_plaintext(std::span<char> out);
  // Encrypts a prefix of `bytes`; returns its length (0 before the
  // handshake, after close_notify() or failure, or while output is full).
  size_t write_plaintext(std::string_view bytes);
  // How many plaintext bytes write_plaintext() would take now.
  size_t writable() const;

  size_t pending_ciphertext() const;
  size_t take_ciphertext(std::span<char> out);  // copies up to out.size(); returns the count
  void take_ciphertext(std::string& out);       // appends all of it
  // Ciphertext fed but not yet decrypted (read_plaintext() not called enough).
  size_t unread_ciphertext() const;

  // Queues our close_notify (once). Data already written goes first; later
  // writes are refused. Before the handshake is done there is nothing to say.
  void close_notify();
  bool close_notify_sent() const { return close_sent_; }

  State state() const { return state_; }
  bool handshake_done() const { return state_ == State::open || state_ == State::peer_closed; }
  bool failed() const { return state_ == State::failed; }
  TlsError error() const { return failure_.error; }
  const std::string& error_message() const { return failure_.message; }

  // What the handshake settled; meaningful once handshake_done().
  std::string_view alpn() const;            // "" when none was negotiated
  std::string_view server_name() const;     // SNI: received (server) or sent (client); "" if none
  std::string_view protocol_version() const;  // "TLSv1.3"
  std::string_view cipher() const;          // "TLS_AES_256_GCM_SHA384"
  bool resumed() const;
  std::optional<PeerCertificate> peer_certificate() const;  // nullopt when the peer sent none
  // RFC 5929 tls-server-end-point over the server's certificate, the same
  // bytes on both sides (empty when undefined for its signature algorithm).
  std::vector<uint8_t> tls_server_end_point() const;
  // Client side: the latest session the server issued (TLS 1.3 tickets
  // arrive after the handshake, through read_plaintext()). Empty if none.
  SavedSession saved_session() const { return SavedSession(issued_.latest); }

 private:
  enum class Role { server, client };
  TlsSession(Role role, SessionLimits limits);
  static std::unique_ptr<TlsSession> start_client(std::shared_ptr<const ClientContext> context,
                                                  std::string_view host, SslSessionPtr offer, std::string server,
                                                  SessionLimits limits);
  bool start(SSL_CTX* context);
  void drive_handshake();
  void forget_offered_session();
  void fail(SessionFailure failure);
  void set_state(State next);

  Role role_;
  SessionLimits limits_;
  State state_ = State::handshaking;
  bool close_sent_ = false;
  SessionFailure failure_;
  std::shared_ptr<const ServerContext> server_context_;  // kept alive while the session uses its SSL_CTX
  std::shared_ptr<const ClientContext> client_context_;
  SslPtr ssl_;
  BIO* network_in_ = nullptr;   // we write fed ciphertext here; owned by ssl_
  BIO* network_out_ = nullptr;  // OpenSSL's output; owned by ssl_
  std::string verified_host_;   // client side, full verification: named in a mismatch error
  IssuedSessions issued_;        // written by the context's new-session callback
  SslSessionPtr offered_;        // the session the ClientHello offered, if any
};

}  // namespace sy::tls
