// Certificate loading, description, SNI name matching and channel binding.
#include "tls/certificate.hpp"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace sy::tls {

namespace {

std::string name_line(const X509_NAME* name) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0) return {};
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, size_t(size));
}

std::string serial_hex(const ASN1_INTEGER* serial) {
  BIGNUM* number = ASN1_INTEGER_to_BN(serial, nullptr);
  if (!number) return {};
  char* hex = BN_bn2hex(number);
  std::string text = hex ? hex : "";
  OPENSSL_free(hex);
  BN_free(number);
  return text;
}

int64_t unix_time(const ASN1_TIME* time) {
  struct tm broken_down {};
  if (!time || ASN1_TIME_to_tm(time, &broken_down) != 1) return 0;
  return int64_t(timegm(&broken_down));
}

std::string ip_text(const ASN1_OCTET_STRING* address) {
  char text[INET6_ADDRSTRLEN] = {};
  int length = ASN1_STRING_length(address);
  const unsigned char* bytes = ASN1_STRING_get0_data(address);
  int family = length == 4 ? AF_INET : length == 16 ? AF_INET6 : 0;
  if (family == 0 || !inet_ntop(family, bytes, text, sizeof text)) return "?";
  return text;
}

std::string ia5_text(const ASN1_IA5STRING* text) {
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(text)), size_t(ASN1_STRING_length(text)));
}

std::vector<std::string> subject_alt_names(X509* certificate) {
  std::vector<std::string> names;
  auto* general_names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(certificate, NID_subject_alt_name, nullptr, nullptr));
  if (!general_names) return names;
  for (int i = 0; i < sk_GENERAL_NAME_num(general_names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(general_names, i);
    switch (name->type) {
      case GEN_DNS: names.push_back("DNS:" + ia5_text(name->d.dNSName)); break;
      case GEN_IPADD: names.push_back("IP:" + ip_text(name->d.iPAddress)); break;
      case GEN_EMAIL: names.push_back("email:" + ia5_text(name->d.rfc822Name)); break;
      case GEN_URI: names.push_back("URI:" + ia5_text(name->d.uniformResourceIdentifier)); break;
      default: break;  // directory names, other names: not used for host matching
    }
  }
  GENERAL_NAMES_free(general_names);
  return names;
}

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = char(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = char(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace

std::vector<std::string> CertificateInfo::dns_names() const {
  std::vector<std::string> names;
  for (const std::string& name : subject_alt_names)
    if (name.starts_with("DNS:")) names.push_back(name.substr(4));
  return names;
}

CertificateInfo describe_certificate(X509* certificate) {
  CertificateInfo info;
  info.subject = name_line(X509_get_subject_name(certificate));
  info.issuer = name_line(X509_get_issuer_name(certificate));
  info.serial = serial_hex(X509_get0_serialNumber(certificate));
  info.subject_alt_names = subject_alt_names(certificate);
  info.not_before = unix_time(X509_get0_notBefore(certificate));
  info.not_after = unix_time(X509_get0_notAfter(certificate));
  return info;
}

std::optional<std::string> read_small_file(const std::string& path, std::string& error, size_t max_bytes) {
  FILE* file = std::fopen(path.c_str(), "rb");
  if (!file) {
    error = path + ": " + std::strerror(errno);
    return std::nullopt;
  }
  std::string contents;
  char block[4096];
  size_t got = 0;
  while ((got = std::fread(block, 1, sizeof block, file)) > 0) {
    contents.append(block, got);
    if (contents.size() > max_bytes) {
      std::fclose(file);
      error = path + ": larger than " + std::to_string(max_bytes) + " bytes";
      return std::nullopt;
    }
  }
  bool failed = std::ferror(file);
  std::fclose(file);
  if (failed) {
    error = path + ": read error";
    return std::nullopt;
  }
  return contents;
}

CertificateLoad load_certificate(const CertificateFiles& files, int64_t now) {
  CertificateLoad result;
  if (files.cert.empty() || files.key.empty()) {
    result.error = "a certificate needs both a cert and a key file";
    return result;
  }
  std::optional<std::string> cert_pem = read_small_file(files.cert, result.error);
  if (!cert_pem) return result;
  std::optional<std::string> key_pem = read_small_file(files.key, result.error);
  if (!key_pem) return result;

  ERR_clear_error();
  LoadedCertificate loaded;
  BioPtr cert_bio(BIO_new_mem_buf(cert_pem->data(), int(cert_pem->size())));
  loaded.leaf.reset(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
  if (!loaded.leaf) {
    result.error = files.cert + ": no certificate: " + take_openssl_errors();
    return result;
  }
  loaded.chain.reset(sk_X509_new_null());
  while (X509* intermediate = PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr))
    sk_X509_push(loaded.chain.get(), intermediate);
  // The loop ends on "no start line" at the end of the file; anything else is a broken PEM block.
  unsigned long last = ERR_peek_last_error();
  if (last && !(ERR_GET_LIB(last) == ERR_LIB_PEM && ERR_GET_REASON(last) == PEM_R_NO_START_LINE)) {
    result.error = files.cert + ": bad certificate in chain: " + take_openssl_errors();
    return result;
  }
  ERR_clear_error();

  BioPtr key_bio(BIO_new_mem_buf(key_pem->data(), int(key_pem->size())));
  loaded.key.reset(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  if (!loaded.key) {
    result.error = files.key + ": no private key: " + take_openssl_errors();
    return result;
  }
  if (X509_check_private_key(loaded.leaf.get(), loaded.key.get()) != 1) {
    ERR_clear_error();
    result.error = files.key + ": does not match the certificate in " + files.cert;
    return result;
  }
  loaded.info = describe_certificate(loaded.leaf.get());
  if (now != 0 && loaded.info.expired(now)) {
    result.error = files.cert + ": certificate " + loaded.info.subject + " has expired";
    return result;
  }
  result.certificate = std::move(loaded);
  return result;
}

bool certificate_name_matches(std::string_view pattern, std::string_view host) {
  if (pattern.empty() || host.empty()) return false;
  if (!pattern.starts_with("*.")) return equal_ignoring_case(pattern, host);
  // "*.example.com" covers "a.example.com", not "example.com" nor "a.b.example.com".
  size_t dot = host.find('.');
  if (dot == 0 || dot == std::string_view::npos) return false;
  return equal_ignoring_case(pattern.substr(1), host.substr(dot));
}

std::vector<uint8_t> tls_server_end_point(X509* server_certificate) {
  int digest_nid = NID_undef;
  if (!server_certificate ||
      X509_get_signature_info(server_certificate, &digest_nid, nullptr, nullptr, nullptr) != 1 ||
      digest_nid == NID_undef)
    return {};
  if (digest_nid == NID_md5 || digest_nid == NID_sha1) digest_nid = NID_sha256;  // RFC 5929 section 4.1
  const EVP_MD* digest = EVP_get_digestbynid(digest_nid);
  if (!digest) return {};
  std::vector<uint8_t> hash(EVP_MAX_MD_SIZE);
  unsigned int length = 0;
  if (X509_digest(server_certificate, digest, hash.data(), &length) != 1) return {};
  hash.resize(length);
  return hash;
}

}  // namespace sy::tls
