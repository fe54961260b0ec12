// TlsSession over two memory BIOs. Every OpenSSL call starts with a clean
// error queue, so a failure is described by what that call left there.
#include "tls/session.hpp"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cassert>

namespace sy::tls {

namespace {

// The most a record adds to its plaintext (header, IV, MAC or tag, padding),
// so write_plaintext() can stay under the limit before encrypting.
constexpr size_t kMaxRecordOverhead = SSL3_RT_HEADER_LENGTH + SSL3_RT_MAX_ENCRYPTED_OVERHEAD;
constexpr size_t kMaxRecordPlaintext = SSL3_RT_MAX_PLAIN_LENGTH;

bool is_ip_literal(const std::string& host) {
  unsigned char address[16];
  return inet_pton(AF_INET, host.c_str(), address) == 1 || inet_pton(AF_INET6, host.c_str(), address) == 1;
}

}  // namespace

TlsSession::TlsSession(Role role, SessionLimits limits) : role_(role), limits_(limits) {}

TlsSession::~TlsSession() {
  // SSL_free marks the session unresumable unless close_notify was sent. The
  // transport may drop a healthy connection without one (a pooled server
  // connection retired, the peer gone); TLS 1.3 (RFC 8446 section 6.1) no
  // longer ties resumption to a clean close, so only failed sessions lose it
  // (OpenSSL already did that when the fatal alert went out).
  if (ssl_ && handshake_done()) SSL_set_shutdown(ssl_.get(), SSL_get_shutdown(ssl_.get()) | SSL_SENT_SHUTDOWN);
}

std::unique_ptr<TlsSession> TlsSession::accept(std::shared_ptr<const ServerContext> context, SessionLimits limits) {
  std::unique_ptr<TlsSession> session(new TlsSession(Role::server, limits));
  session->server_context_ = std::move(context);
  if (session->start(session->server_context_->native())) SSL_set_accept_state(session->ssl_.get());
  return session;
}

std::unique_ptr<TlsSession> TlsSession::connect(std::shared_ptr<const ClientContext> context, std::string_view host,
                                                const SavedSession& resume, SessionLimits limits) {
  return start_client(std::move(context), host, resume.session_, {}, limits);
}

std::unique_ptr<TlsSession> TlsSession::connect_cached(std::shared_ptr<const ClientContext> context,
                                                       std::string_view host, std::string server,
                                                       SessionLimits limits) {
  SslSessionPtr offer = context->sessions().find(server);
  return start_client(std::move(context), host, std::move(offer), std::move(server), limits);
}

std::unique_ptr<TlsSession> TlsSession::start_client(std::shared_ptr<const ClientContext> context,
                                                     std::string_view host, SslSessionPtr offer, std::string server,
                                                     SessionLimits limits) {
  std::unique_ptr<TlsSession> session(new TlsSession(Role::client, limits));
  session->client_context_ = std::move(context);
  const ClientContext& client = *session->client_context_;
  if (!server.empty()) {
    session->issued_.cache = &client.sessions();
    session->issued_.server = std::move(server);
  }
  if (!session->start(client.native())) return session;
  SSL* ssl = session->ssl_.get();
  SSL_set_connect_state(ssl);
  SSL_set_app_data(ssl, &session->issued_);

  const std::string name(client.server_name_for(host));
  const bool ip = is_ip_literal(name);
  if (!name.empty() && !ip && SSL_set_tlsext_host_name(ssl, name.c_str()) != 1) {
    session->fail({TlsError::internal, "server name \"" + name + "\": " + take_openssl_errors()});
    return session;
  }
  if (client.settings().verify == ServerVerification::full) {
    if (name.empty()) {
      session->fail({TlsError::internal, "full verification needs a server name"});
      return session;
    }
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    int ok = ip ? X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str())
                : X509_VERIFY_PARAM_set1_host(param, name.c_str(), 0);
    if (ok != 1) {
      session->fail({TlsError::internal, "server name \"" + name + "\": " + take_openssl_errors()});
      return session;
    }
    session->verified_host_ = name;
  }
  if (offer) {
    if (SSL_set_session(ssl, offer.get()) == 1) session->offered_ = std::move(offer);
    else ERR_clear_error();  // a full handshake then
  }
  session->drive_handshake();  // writes the ClientHello
  return session;
}

bool TlsSession::start(SSL_CTX* context) {
  ERR_clear_error();
  ssl_.reset(SSL_new(context));
  BIO* in = ssl_ ? BIO_new(BIO_s_mem()) : nullptr;
  BIO* out = in ? BIO_new(BIO_s_mem()) : nullptr;
  if (!out) {
    BIO_free(in);
    fail({TlsError::internal, "cannot create a TLS session: " + take_openssl_errors("out of memory")});
    return false;
  }
  BIO_set_mem_eof_return(in, -1);  // empty means "wait for more", not end of stream
  SSL_set_bio(ssl_.get(), in, out);
  network_in_ = in;
  network_out_ = out;
  return true;
}

void TlsSession::set_state(State next) {
  // Failed is final; nothing returns to handshaking.
  assert(state_ != State::failed);
  assert(next != State::handshaking);
  state_ = next;
}

void TlsSession::fail(SessionFailure failure) {
  if (state_ == State::failed) return;
  failure_ = std::move(failure);
  state_ = State::failed;
}

void TlsSession::drive_handshake() {
  ERR_clear_error();
  int result = SSL_do_handshake(ssl_.get());
  if (result == 1) {
    set_state(State::open);
    if (offered_ && !resumed()) forget_offered_session();
    return;
  }
  if (SSL_get_error(ssl_.get(), result) == SSL_ERROR_WANT_READ) return;
  fail(describe_failure(ssl_.get(), false, verified_host_));
  if (offered_) forget_offered_session();
}

void TlsSession::forget_offered_session() {
  // The server would not (or could not) resume it; the sessions it issues
  // on this connection, if any, replace it.
  if (issued_.cache) issued_.cache->forget(issued_.server, offered_.get());
  offered_.reset();
}

bool TlsSession::feed_ciphertext(std::string_view bytes) {
  if (state_ == State::failed) return false;
  if (!bytes.empty() && BIO_write(network_in_, bytes.data(), int(bytes.size())) != int(bytes.size())) {
    fail({TlsError::internal, "cannot buffer ciphertext: " + take_openssl_errors("out of memory")});
    return false;
  }
  if (state_ == State::handshaking) drive_handshake();
  return state_ != State::failed;
}

ReadResult TlsSession::read_plaintext(std::span<char> out) {
  if (state_ == State::handshaking) drive_handshake();
  switch (state_) {
    case State::failed: return {ReadStatus::error, 0};
    case State::handshaking: return {ReadStatus::want_more, 0};
    case State::peer_closed: return {ReadStatus::closed, 0};
    case State::open: break;
  }
  if (out.empty()) return {ReadStatus::want_more, 0};
  ERR_clear_error();
  size_t got = 0;
  int result = SSL_read_ex(ssl_.get(), out.data(), out.size(), &got);
  if (result == 1) return {ReadStatus::data, got};
  switch (SSL_get_error(ssl_.get(), result)) {
    case SSL_ERROR_WANT_READ: return {ReadStatus::want_more, 0};
    case SSL_ERROR_ZERO_RETURN: set_state(State::peer_closed); return {ReadStatus::closed, 0};
    default: fail(describe_failure(ssl_.get(), true, verified_host_)); return {ReadStatus::error, 0};
  }
}

size_t TlsSession::writable() const {
  if (!handshake_done() || close_sent_) return 0;
  size_t pending = pending_ciphertext();
  if (pending + kMaxRecordOverhead >= limits_.max_pending_ciphertext) return 0;
  return limits_.max_pending_ciphertext - pending - kMaxRecordOverhead;
}

size_t TlsSession::write_plaintext(std::string_view bytes) {
  size_t taken = 0;
  while (taken < bytes.size()) {
    // One record at a time, each sized to fit under the limit once encrypted.
    size_t room = writable();
    if (room == 0) break;
    size_t chunk = std::min({bytes.size() - taken, room, kMaxRecordPlaintext});
    ERR_clear_error();
    size_t written = 0;
    if (SSL_write_ex(ssl_.get(), bytes.data() + taken, chunk, &written) != 1) {
      fail(describe_failure(ssl_.get(), true, verified_host_));
      break;
    }
    taken += written;
  }
  return taken;
}

size_t TlsSession::pending_ciphertext() const { return network_out_ ? BIO_ctrl_pending(network_out_) : 0; }

size_t TlsSession::unread_ciphertext() const { return network_in_ ? BIO_ctrl_pending(network_in_) : 0; }

size_t TlsSession::take_ciphertext(std::span<char> out) {
  size_t pending = pending_ciphertext();
  if (pending == 0 || out.empty()) return 0;
  int got = BIO_read(network_out_, out.data(), int(std::min(out.size(), pending)));
  return got > 0 ? size_t(got) : 0;
}

void TlsSession::take_ciphertext(std::string& out) {
  size_t pending = pending_ciphertext();
  if (pending == 0) return;
  size_t start = out.size();
  out.resize(start + pending);
  size_t got = take_ciphertext(std::span<char>(out.data() + start, pending));
  out.resize(start + got);
}

void TlsSession::close_notify() {
  if (close_sent_ || !handshake_done()) return;
  close_sent_ = true;
  ERR_clear_error();
  SSL_shutdown(ssl_.get());  // 0: sent, the peer's may follow; 1: both done. Either way the alert is queued.
  ERR_clear_error();
}

std::string_view TlsSession::alpn() const {
  const unsigned char* protocol = nullptr;
  unsigned int length = 0;
  if (ssl_) SSL_get0_alpn_selected(ssl_.get(), &protocol, &length);
  return protocol ? std::string_view(reinterpret_cast<const char*>(protocol), length) : std::string_view();
}

std::string_view TlsSession::server_name() const {
  const char* name = ssl_ ? SSL_get_servername(ssl_.get(), TLSEXT_NAMETYPE_host_name) : nullptr;
  return name ? name : "";
}

std::string_view TlsSession::protocol_version() const { return ssl_ ? SSL_get_version(ssl_.get()) : ""; }

std::string_view TlsSession::cipher() const {
  const SSL_CIPHER* cipher = ssl_ ? SSL_get_current_cipher(ssl_.get()) : nullptr;
  return cipher ? SSL_CIPHER_get_name(cipher) : "";
}

bool TlsSession::resumed() const { return ssl_ && SSL_session_reused(ssl_.get()) == 1; }

std::optional<PeerCertificate> TlsSession::peer_certificate() const {
  X509* peer = ssl_ ? SSL_get0_peer_certificate(ssl_.get()) : nullptr;
  if (!peer) return std::nullopt;
  PeerCertificate result;
  result.certificate = describe_certificate(peer);
  long verify = SSL_get_verify_result(ssl_.get());
  result.verified = verify == X509_V_OK;
  result.verify_result = X509_verify_cert_error_string(verify);
  return result;
}

std::vector<uint8_t> TlsSession::tls_server_end_point() const {
  if (!ssl_ || !handshake_done()) return {};
  X509* server_certificate =
      role_ == Role::server ? SSL_get_certificate(ssl_.get()) : SSL_get0_peer_certificate(ssl_.get());
  return sy::tls::tls_server_end_point(server_certificate);
}

}  // namespace sy::tls
