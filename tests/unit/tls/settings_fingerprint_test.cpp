// settings_fingerprint: equal for contexts that verify and authenticate the
// same way, different when a setting or the bytes of a named file change
// (what decides whether pooled TLS server connections survive a reload).
#include <doctest/doctest.h>

#include <fstream>
#include <string>

#include "test_pki.hpp"
#include "tls/settings_fingerprint.hpp"

using namespace sy::tls;
using namespace sy::tls::testing;

namespace {

ClientSettings base() {
  ClientSettings settings;
  settings.ca = test_pki().ca_cert;
  settings.server_name = "db.internal";
  settings.alpn = {"postgresql"};
  settings.client_certificate = test_pki().client;
  return settings;
}

}  // namespace

TEST_CASE("settings fingerprint: the same settings and files give the same fingerprint") {
  std::string first = settings_fingerprint(base());
  CHECK(first.size() == 64);  // SHA-256 in hex
  CHECK(first.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(settings_fingerprint(base()) == first);
}

TEST_CASE("settings fingerprint: each setting counts") {
  const std::string original = settings_fingerprint(base());
  auto differs = [&](auto change) {
    ClientSettings settings = base();
    change(settings);
    return settings_fingerprint(settings) != original;
  };
  CHECK(differs([](ClientSettings& s) { s.ca = test_pki().other_ca_cert; }));
  CHECK(differs([](ClientSettings& s) { s.ca.clear(); }));
  CHECK(differs([](ClientSettings& s) { s.verify = ServerVerification::none; }));
  CHECK(differs([](ClientSettings& s) { s.server_name = "other.internal"; }));
  CHECK(differs([](ClientSettings& s) { s.alpn = {"http/1.1"}; }));
  CHECK(differs([](ClientSettings& s) { s.alpn.clear(); }));
  CHECK(differs([](ClientSettings& s) { s.client_certificate = {}; }));
  CHECK(differs([](ClientSettings& s) { s.min_version = TlsVersion::tls1_3; }));
  CHECK(differs([](ClientSettings& s) { s.max_version = TlsVersion::tls1_2; }));
  CHECK(differs([](ClientSettings& s) { s.ciphers = "ECDHE-RSA-AES128-GCM-SHA256"; }));
  CHECK(differs([](ClientSettings& s) { s.ciphersuites = "TLS_AES_128_GCM_SHA256"; }));
}

TEST_CASE("settings fingerprint: a file rewritten in place changes it, its name alone does not") {
  std::string ca_text;
  {
    std::ifstream in(test_pki().ca_cert);
    ca_text.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::string copy = write_test_file("fingerprint-ca.pem", ca_text);
  ClientSettings settings = base();
  settings.ca = copy;
  std::string before = settings_fingerprint(settings);
  CHECK(settings_fingerprint(settings) == before);
  std::string other_text;
  {
    std::ifstream in(test_pki().other_ca_cert);
    other_text.assign(std::istreambuf_iterator<char>(in), {});
  }
  write_test_file("fingerprint-ca.pem", other_text);  // a CA rotation under the same path
  CHECK(settings_fingerprint(settings) != before);
  // A file that cannot be read counts by its name: stable, and unlike a readable one.
  settings.ca = test_pki().dir + "/missing.pem";
  CHECK(settings_fingerprint(settings) == settings_fingerprint(settings));
  CHECK(settings_fingerprint(settings) != before);
}
