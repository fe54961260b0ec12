// Certificates as the rest of switchyard sees them: loading a PEM chain and
// its key (errors name the file), a plain description for `show
// certificates` and handshake reports, SNI name matching, and the RFC 5929
// tls-server-end-point hash that SCRAM-SHA-256-PLUS binds to.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tls/openssl_error.hpp"
#include "tls/settings.hpp"

namespace sy::tls {

struct CertificateInfo {
  std::string subject;  // one line, RFC 2253: "CN=app,O=Example"
  std::string issuer;
  std::string serial;   // hex, as `openssl x509 -serial` prints it
  // "DNS:localhost", "IP:127.0.0.1", "email:...", "URI:..." in certificate order.
  std::vector<std::string> subject_alt_names;
  int64_t not_before = 0;  // Unix seconds
  int64_t not_after = 0;

  std::vector<std::string> dns_names() const;  // the DNS entries without their prefix
  bool expired(int64_t now) const { return now > not_after; }
};

CertificateInfo describe_certificate(X509* certificate);

// A leaf, its intermediates and the matching private key, checked to belong together.
struct LoadedCertificate {
  X509Ptr leaf;
  X509StackPtr chain;  // intermediates, possibly empty
  EvpPkeyPtr key;
  CertificateInfo info;
};

struct CertificateLoad {
  std::optional<LoadedCertificate> certificate;
  std::string error;  // "<file>: <reason>" when certificate is empty
};

// Reads `files.cert` (leaf first, then intermediates) and `files.key`; fails if
// either is missing or unreadable, the key does not match the leaf, or the
// leaf has expired at `now` (Unix seconds; 0 = do not check).
CertificateLoad load_certificate(const CertificateFiles& files, int64_t now);

// Reads a small file whole (certificates, keys, ticket keys); nullopt and
// "<path>: <reason>" in `error` on failure or beyond `max_bytes`.
std::optional<std::string> read_small_file(const std::string& path, std::string& error, size_t max_bytes = 1 << 20);

// Whether a certificate name (exact, or a wildcard "*.example.com" that
// stands for exactly one leftmost label) covers `host`, ignoring case.
bool certificate_name_matches(std::string_view pattern, std::string_view host);

// RFC 5929 tls-server-end-point: the server certificate hashed with its
// signature's hash (SHA-256 when that is MD5 or SHA-1). Empty when the
// signature has no single hash (e.g. Ed25519), where the binding is undefined.
std::vector<uint8_t> tls_server_end_point(X509* server_certificate);

}  // namespace sy::tls
