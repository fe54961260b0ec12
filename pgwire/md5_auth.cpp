// md5 password hashing and challenge responses; see md5_auth.hpp. MD5 itself
// comes from OpenSSL's EVP interface.
#include "pgwire/md5_auth.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>

namespace sy::pgwire {
namespace {

constexpr size_t kHashLength = 35;  // "md5" + 32 hex digits

std::string md5_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &length, EVP_md5(), nullptr) != 1 || length != 16) {
    // Only a FIPS-restricted OpenSSL refuses MD5; md5 auth cannot work there at all.
    std::fprintf(stderr, "switchyard: OpenSSL MD5 digest failed\n");
    std::abort();
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * length);
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 15];
  }
  return hex;
}

}  // namespace

bool is_md5_password_hash(std::string_view text) {
  if (text.size() != kHashLength || text.substr(0, 3) != "md5") return false;
  for (char c : text.substr(3))
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

std::string md5_password_hash(std::string_view password, std::string_view user) {
  std::string input(password);
  input += user;
  return "md5" + md5_hex(input);
}

std::string md5_response(std::string_view stored_or_plain, std::string_view user, const uint8_t salt[4]) {
  std::string input = is_md5_password_hash(stored_or_plain) ? std::string(stored_or_plain.substr(3))
                                                            : md5_password_hash(stored_or_plain, user).substr(3);
  input.append(reinterpret_cast<const char*>(salt), 4);
  return "md5" + md5_hex(input);
}

bool md5_verify(std::string_view client_response, std::string_view stored_or_plain, std::string_view user,
                const uint8_t salt[4]) {
  std::string expected = md5_response(stored_or_plain, user, salt);
  // The length of a valid answer is public; only the contents must not leak.
  if (client_response.size() != expected.size()) return false;
  return CRYPTO_memcmp(client_response.data(), expected.data(), expected.size()) == 0;
}

}  // namespace sy::pgwire
