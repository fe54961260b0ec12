// SHA-256 over ClientSettings and its files; see settings_fingerprint.hpp.
#include "tls/settings_fingerprint.hpp"

#include <openssl/evp.h>

#include <fstream>
#include <iterator>
#include <memory>

namespace sy::tls {
namespace {

class Digest {
 public:
  Digest() : context_(EVP_MD_CTX_new(), &EVP_MD_CTX_free) { EVP_DigestInit_ex(context_.get(), EVP_sha256(), nullptr); }

  // Length-prefixed, so that fields cannot run into each other.
  void add(const std::string& field) {
    std::string length = std::to_string(field.size()) + ":";
    EVP_DigestUpdate(context_.get(), length.data(), length.size());
    EVP_DigestUpdate(context_.get(), field.data(), field.size());
  }

  void add_file(const std::string& path) {
    add(path);
    if (path.empty()) return;
    std::ifstream file(path, std::ios::binary);
    if (file) add(std::string(std::istreambuf_iterator<char>(file), {}));
  }

  std::string hex() {
    unsigned char bytes[EVP_MAX_MD_SIZE];
    unsigned length = 0;
    EVP_DigestFinal_ex(context_.get(), bytes, &length);
    static const char digits[] = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < length; ++i) {
      out += digits[bytes[i] >> 4];
      out += digits[bytes[i] & 15];
    }
    return out;
  }

 private:
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context_;
};

}  // namespace

std::string settings_fingerprint(const ClientSettings& settings) {
  Digest digest;
  digest.add_file(settings.ca);
  digest.add(std::to_string(static_cast<int>(settings.verify)));
  digest.add(settings.server_name);
  for (const auto& protocol : settings.alpn) digest.add(protocol);
  digest.add("/alpn");
  digest.add_file(settings.client_certificate.cert);
  digest.add_file(settings.client_certificate.key);
  digest.add(std::to_string(static_cast<int>(settings.min_version)));
  digest.add(std::to_string(static_cast<int>(settings.max_version)));
  digest.add(settings.ciphers);
  digest.add(settings.ciphersuites);
  return digest.hex();
}

}  // namespace sy::tls
