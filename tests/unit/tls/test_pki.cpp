// Test PKI generation: EC P-256 keys (fast), X509v3 extensions as the openssl
// CLI would write them, PEM files in a temp dir.
#include "tests/unit/tls/test_pki.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace sy::tls::testing {

namespace {

struct Issued {
  X509* certificate = nullptr;
  EVP_PKEY* key = nullptr;
};

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test PKI: ") + what);
}

void add_extension(X509* certificate, X509* issuer, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
  check(extension != nullptr, value);
  X509_add_ext(certificate, extension, -1);
  X509_EXTENSION_free(extension);
}

struct CertificateSpec {
  std::string common_name;
  std::string organization;           // optional
  std::string subject_alt_names;      // openssl syntax, optional
  const char* extended_key_usage = nullptr;
  bool is_ca = false;
  long valid_from_seconds = -3600;    // relative to now
  long valid_until_seconds = 86400 * 30;
  const EVP_MD* digest = nullptr;     // default SHA-256
};

Issued issue(const CertificateSpec& spec, const Issued* issuer, long serial) {
  Issued issued;
  issued.key = EVP_EC_gen("P-256");
  check(issued.key != nullptr, "EC key");
  X509* certificate = X509_new();
  issued.certificate = certificate;
  X509_set_version(certificate, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(certificate), serial);
  X509_gmtime_adj(X509_getm_notBefore(certificate), spec.valid_from_seconds);
  X509_gmtime_adj(X509_getm_notAfter(certificate), spec.valid_until_seconds);
  X509_set_pubkey(certificate, issued.key);
  X509_NAME* name = X509_get_subject_name(certificate);
  if (!spec.organization.empty())
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(spec.organization.c_str()), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(spec.common_name.c_str()), -1, -1, 0);
  X509* issuer_certificate = issuer ? issuer->certificate : certificate;
  X509_set_issuer_name(certificate, X509_get_subject_name(issuer_certificate));
  if (spec.is_ca) {
    add_extension(certificate, issuer_certificate, NID_basic_constraints, "critical,CA:TRUE");
    add_extension(certificate, issuer_certificate, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_extension(certificate, issuer_certificate, NID_basic_constraints, "CA:FALSE");
    add_extension(certificate, issuer_certificate, NID_key_usage, "critical,digitalSignature");
  }
  add_extension(certificate, issuer_certificate, NID_subject_key_identifier, "hash");
  if (issuer) add_extension(certificate, issuer_certificate, NID_authority_key_identifier, "keyid");
  if (!spec.subject_alt_names.empty())
    add_extension(certificate, issuer_certificate, NID_subject_alt_name, spec.subject_alt_names.c_str());
  if (spec.extended_key_usage)
    add_extension(certificate, issuer_certificate, NID_ext_key_usage, spec.extended_key_usage);
  EVP_PKEY* signing_key = issuer ? issuer->key : issued.key;
  check(X509_sign(certificate, signing_key, spec.digest ? spec.digest : EVP_sha256()) > 0, "sign");
  return issued;
}

std::string write_pem(const std::string& path, X509* first, X509* second = nullptr) {
  FILE* file = std::fopen(path.c_str(), "w");
  check(file != nullptr, "open cert file");
  PEM_write_X509(file, first);
  if (second) PEM_write_X509(file, second);
  std::fclose(file);
  return path;
}

std::string write_key(const std::string& path, EVP_PKEY* key) {
  FILE* file = std::fopen(path.c_str(), "w");
  check(file != nullptr, "open key file");
  PEM_write_PrivateKey(file, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(file);
  return path;
}

CertificateFiles write_pair(const std::string& dir, const std::string& name, const Issued& issued) {
  return {write_pem(dir + "/" + name + ".crt", issued.certificate), write_key(dir + "/" + name + ".key", issued.key)};
}

void free_issued(Issued& issued) {
  X509_free(issued.certificate);
  EVP_PKEY_free(issued.key);
}

std::string pki_dir;

void remove_pki_dir() {
  std::error_code ignored;
  if (!pki_dir.empty()) std::filesystem::remove_all(pki_dir, ignored);
}

TestPki make_pki() {
  TestPki pki;
  char pattern[] = "/tmp/sy-tls-test-XXXXXX";
  check(mkdtemp(pattern) != nullptr, "mkdtemp");
  pki.dir = pki_dir = pattern;
  std::atexit(remove_pki_dir);

  Issued ca =
      issue({.common_name = "Switchyard Test CA", .is_ca = true, .valid_until_seconds = 86400 * 365}, nullptr, 1);
  Issued other_ca =
      issue({.common_name = "Unrelated Test CA", .is_ca = true, .valid_until_seconds = 86400 * 365}, nullptr, 2);
  pki.ca_cert = write_pem(pki.dir + "/ca.crt", ca.certificate);
  pki.other_ca_cert = write_pem(pki.dir + "/other-ca.crt", other_ca.certificate);

  Issued server = issue({.common_name = "localhost",
                         .subject_alt_names = "DNS:localhost,DNS:*.example.test,IP:127.0.0.1",
                         .extended_key_usage = "serverAuth"},
                        &ca, 10);
  pki.server = write_pair(pki.dir, "server", server);
  pki.server_with_chain = {write_pem(pki.dir + "/server-chain.crt", server.certificate, ca.certificate),
                           pki.server.key};

  Issued sni_db = issue({.common_name = "db.internal",
                         .subject_alt_names = "DNS:db.internal,DNS:*.db.internal",
                         .extended_key_usage = "serverAuth",
                         .digest = EVP_sha384()},
                        &ca, 11);
  pki.sni_db = write_pair(pki.dir, "sni-db", sni_db);

  Issued client = issue({.common_name = "app-client",
                         .organization = "Switchyard Tests",
                         .subject_alt_names = "email:app@example.test",
                         .extended_key_usage = "clientAuth"},
                        &ca, 12);
  pki.client = write_pair(pki.dir, "client", client);

  Issued expired = issue({.common_name = "localhost",
                          .subject_alt_names = "DNS:localhost",
                          .extended_key_usage = "serverAuth,clientAuth",
                          .valid_from_seconds = -86400 * 30,
                          .valid_until_seconds = -86400},
                         &ca, 13);
  pki.expired = write_pair(pki.dir, "expired", expired);

  Issued untrusted = issue({.common_name = "localhost",
                            .subject_alt_names = "DNS:localhost",
                            .extended_key_usage = "serverAuth"},
                           &other_ca, 14);
  pki.untrusted_server = write_pair(pki.dir, "untrusted", untrusted);

  const std::string key_a(160, 'a'), key_b(160, 'b'), key_c(160, 'c');
  pki.ticket_keys = write_test_file("tickets.keys", "# current first\n" + key_a + "\n" + key_b + "\n");
  pki.ticket_keys_rotated = write_test_file("tickets-rotated.keys", key_c + "\n\n" + key_a + "\n");

  for (Issued* issued : {&ca, &other_ca, &server, &sni_db, &client, &expired, &untrusted}) free_issued(*issued);
  return pki;
}

}  // namespace

const TestPki& test_pki() {
  static const TestPki pki = make_pki();
  return pki;
}

std::string write_test_file(const std::string& name, const std::string& text) {
  const std::string path = (pki_dir.empty() ? test_pki().dir : pki_dir) + "/" + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

}  // namespace sy::tls::testing
