// TLS contexts: everything loaded from ServerSettings / ClientSettings
// (certificates, CAs, ticket keys, ALPN, versions), ready for TlsSession.
// A context is immutable once created and shared by every session that uses
// it, across worker threads; a reload creates new contexts while live
// sessions keep the ones they started with. The one part that changes is a
// client context's session cache (locked inside), which therefore starts
// empty on every reload.
#pragma once

#include <openssl/types.h>

#include <memory>
#include <string>
#include <vector>

#include "tls/certificate.hpp"
#include "tls/client_session_cache.hpp"
#include "tls/settings.hpp"
#include "tls/ticket_keys.hpp"

namespace sy::tls {

// A created context, or why not: "<file>: <reason>" or "<setting>: <reason>".
template <class Context>
struct Created {
  std::shared_ptr<const Context> context;
  std::string error;

  explicit operator bool() const { return context != nullptr; }
};

// Whether create() refuses a certificate past its notAfter. A reload must
// (the old context stays); `allow` is for tests that need an expired peer.
enum class ExpiredCertificates { refuse, allow };

class ServerContext {
 public:
  // Loads every file `settings` names. Refuses missing files, keys that do
  // not match their certificate, expired certificates, an SNI certificate
  // without SAN DNS names, unknown cipher names, client verification
  // without client_ca, and a malformed ticket key file.
  static Created<ServerContext> create(const ServerSettings& settings,
                                       ExpiredCertificates expired = ExpiredCertificates::refuse);

  ServerContext(const ServerContext&) = delete;
  ServerContext& operator=(const ServerContext&) = delete;
  ~ServerContext();

  SSL_CTX* native() const { return context_; }
  const ServerSettings& settings() const { return settings_; }
  // The default certificate first, then the SNI certificates in settings order.
  std::vector<CertificateInfo> certificates() const;

  // The certificate to serve for an SNI name: exact SAN names first, then
  // wildcards, in settings order; nullptr = keep the default. Used by the
  // handshake's certificate callback.
  const LoadedCertificate* certificate_for(std::string_view server_name) const;
  const std::vector<TicketKey>& ticket_keys() const { return ticket_keys_; }
  // ALPN in wire format (length-prefixed names), for the selection callback.
  const std::string& alpn_wire() const { return alpn_wire_; }

 private:
  ServerContext() = default;

  SSL_CTX* context_ = nullptr;
  ServerSettings settings_;
  LoadedCertificate default_certificate_;
  std::vector<LoadedCertificate> sni_certificates_;
  std::vector<TicketKey> ticket_keys_;
  std::string alpn_wire_;
};

class ClientContext {
 public:
  // Loads the CA bundle (or points at the system store), the client
  // certificate if any, and checks the cipher names and versions.
  static Created<ClientContext> create(const ClientSettings& settings,
                                       ExpiredCertificates expired = ExpiredCertificates::refuse);

  ClientContext(const ClientContext&) = delete;
  ClientContext& operator=(const ClientContext&) = delete;
  ~ClientContext();

  SSL_CTX* native() const { return context_; }
  const ClientSettings& settings() const { return settings_; }
  // The name to send as SNI and verify for a connection to `host`.
  std::string_view server_name_for(std::string_view host) const {
    return settings_.server_name.empty() ? host : std::string_view(settings_.server_name);
  }
  // The settings and file contents it was made of (tls/settings_fingerprint.hpp).
  const std::string& fingerprint() const { return fingerprint_; }
  // Sessions the servers issued, by server, for TlsSession::connect_cached().
  ClientSessionCache& sessions() const { return sessions_; }

 private:
  ClientContext() = default;

  SSL_CTX* context_ = nullptr;
  ClientSettings settings_;
  std::string fingerprint_;
  mutable ClientSessionCache sessions_;
};

}  // namespace sy::tls
