// What a TLS context is built from: plain values that the config loader fills
// from [listener.tls] / [backend.tls] and hands to ServerContext::create or
// ClientContext::create. No OpenSSL types here; nothing is loaded yet.
#pragma once

#include <string>
#include <vector>

namespace sy::tls {

enum class TlsVersion { tls1_2, tls1_3 };

// How a listener treats client certificates.
enum class ClientCertificates {
  none,      // never asked for
  optional,  // asked for; a client without one is served, one that sends a bad one is refused
  required,  // a client without a valid certificate signed by client_ca is refused
};

// How a client side checks the server it connects to (libpq's sslmode, roughly).
enum class ServerVerification {
  none,  // encrypt only: any certificate is accepted (its verify result is still reported)
  ca,    // the chain must lead to a trusted CA (verify-ca)
  full,  // ca, and the certificate's SAN must name the server (verify-full)
};

// A certificate chain (leaf first, then intermediates) and its private key, both PEM.
struct CertificateFiles {
  std::string cert;
  std::string key;
};

struct ServerSettings {
  // The default certificate, served when the client sends no SNI name or
  // one that no certificate below names.
  CertificateFiles certificate;
  // More certificates, chosen by the SNI name against their SAN DNS entries
  // (exact names first, then one-label wildcards like *.example.com).
  std::vector<CertificateFiles> sni_certificates;
  // Protocols offered by ALPN in preference order, e.g. {"http/1.1"} or
  // {"postgresql"}. A client that offers ALPN with none of these is refused
  // (no_application_protocol, RFC 7301); one that offers no ALPN is served.
  std::vector<std::string> alpn;
  TlsVersion min_version = TlsVersion::tls1_2;
  std::string ciphers;       // TLS 1.2 cipher list (OpenSSL syntax); empty = ECDHE with AES-GCM or ChaCha20
  std::string ciphersuites;  // TLS 1.3 suites (OpenSSL syntax); empty = OpenSSL's defaults
  bool session_tickets = true;
  // Ticket keys shared by several instances (format in tls/ticket_keys.hpp);
  // empty = each context makes its own random keys (a reload forgets them).
  std::string ticket_key_file;
  std::string client_ca;  // PEM bundle of CAs that sign client certificates
  ClientCertificates verify_client = ClientCertificates::none;
};

struct ClientSettings {
  std::string ca;  // PEM bundle of trusted CAs; empty = the system store (/etc/ssl/certs)
  ServerVerification verify = ServerVerification::full;
  // The name sent as SNI and checked in full verification; empty = the host
  // the session connects to. Sent whenever it is a DNS name, in every
  // verification mode (RFC 6066 forbids IP literals in SNI).
  std::string server_name;
  std::vector<std::string> alpn;  // offered in this order; empty = no ALPN
  CertificateFiles client_certificate;  // both empty = none (mTLS to servers that want it)
  TlsVersion min_version = TlsVersion::tls1_2;
  // For servers whose TLS 1.3 is broken (libpq's ssl_max_protocol_version); tls1_3 = no cap.
  TlsVersion max_version = TlsVersion::tls1_3;
  std::string ciphers;       // TLS 1.2 cipher list; empty = OpenSSL's defaults
  std::string ciphersuites;  // TLS 1.3 suites; empty = OpenSSL's defaults
};

}  // namespace sy::tls
