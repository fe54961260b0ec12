// A throwaway PKI for the TLS tests, made with OpenSSL's X509 API at run time
// into a temp dir (removed at exit) so no key material is ever committed:
// a CA, server / SNI / client / expired certificates, an unrelated CA, and a
// ticket key file.
#pragma once

#include <string>

#include "tls/settings.hpp"

namespace sy::tls::testing {

struct TestPki {
  std::string dir;
  std::string ca_cert;        // signs everything below but `untrusted_server`
  std::string other_ca_cert;  // an unrelated CA
  // CN=localhost; SAN DNS:localhost, DNS:*.example.test, IP:127.0.0.1; SHA-256.
  CertificateFiles server;
  // CN=db.internal; SAN DNS:db.internal, DNS:*.db.internal; signed with SHA-384.
  CertificateFiles sni_db;
  // CN=app-client,O=Switchyard Tests; SAN email:app@example.test; clientAuth.
  CertificateFiles client;
  // SAN DNS:localhost, expired yesterday.
  CertificateFiles expired;
  // SAN DNS:localhost, signed by the other CA.
  CertificateFiles untrusted_server;
  // Leaf first, then the CA itself as an "intermediate": a two-certificate chain.
  CertificateFiles server_with_chain;
  std::string ticket_keys;        // two keys, A then B
  std::string ticket_keys_rotated;  // C then A: a rotation of the file above
};

// Made once per test binary.
const TestPki& test_pki();

// Writes `text` to a new file in the PKI dir and returns its path.
std::string write_test_file(const std::string& name, const std::string& text);

}  // namespace sy::tls::testing
