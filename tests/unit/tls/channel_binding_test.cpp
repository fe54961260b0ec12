// tls-server-end-point (RFC 5929) channel binding: the same bytes on both
// sides, the hash of the certificate actually served (SNI included) with its
// signature's hash algorithm, for SCRAM-SHA-256-PLUS.
#include <doctest/doctest.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstdio>

#include "tests/unit/tls/session_pair.hpp"
#include "tls/certificate.hpp"

using namespace sy::tls;
using namespace sy::tls::testing;

namespace {

// The certificate's DER hashed independently, as the RFC defines the binding.
std::vector<uint8_t> expected_binding(const std::string& cert_path, const EVP_MD* digest) {
  FILE* file = std::fopen(cert_path.c_str(), "r");
  REQUIRE(file);
  X509* certificate = PEM_read_X509(file, nullptr, nullptr, nullptr);
  std::fclose(file);
  REQUIRE(certificate);
  unsigned char* der = nullptr;
  int length = i2d_X509(certificate, &der);
  std::vector<uint8_t> hash(EVP_MAX_MD_SIZE);
  unsigned int hash_length = 0;
  EVP_Digest(der, size_t(length), hash.data(), &hash_length, digest, nullptr);
  hash.resize(hash_length);
  OPENSSL_free(der);
  X509_free(certificate);
  return hash;
}

}  // namespace

TEST_CASE("channel binding: equal on both sides, SHA-256 of the default certificate") {
  for (TlsVersion version : {TlsVersion::tls1_2, TlsVersion::tls1_3}) {
    ClientSettings settings = client_settings();
    settings.max_version = version;
    SessionPair pair(make_client_context(settings), make_server_context(server_settings()));
    REQUIRE(pair.handshake());
    std::vector<uint8_t> server_side = pair.server->tls_server_end_point();
    CHECK(server_side.size() == 32);
    CHECK(server_side == pair.client->tls_server_end_point());
    CHECK(server_side == expected_binding(test_pki().server.cert, EVP_sha256()));
  }
}

TEST_CASE("channel binding: an SNI certificate signed with SHA-384 binds with SHA-384, on both sides") {
  ServerSettings settings = server_settings();
  settings.sni_certificates.push_back(test_pki().sni_db);
  SessionPair pair(make_client_context(client_settings()), make_server_context(settings), "db.internal");
  REQUIRE(pair.handshake());
  std::vector<uint8_t> server_side = pair.server->tls_server_end_point();
  CHECK(server_side.size() == 48);
  CHECK(server_side == pair.client->tls_server_end_point());
  CHECK(server_side == expected_binding(test_pki().sni_db.cert, EVP_sha384()));
}

TEST_CASE("channel binding: empty before the handshake is done") {
  SessionPair pair(make_client_context(client_settings()), make_server_context(server_settings()));
  CHECK(pair.client->tls_server_end_point().empty());
  CHECK(pair.server->tls_server_end_point().empty());
}

TEST_CASE("channel binding: no certificate, no binding") { CHECK(tls_server_end_point(nullptr).empty()); }
