// Ticket key file parsing and the OpenSSL ticket callback over those keys.
#include "tls/ticket_keys.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstring>

namespace sy::tls {

namespace {

int hex_value(char digit) {
  if (digit >= '0' && digit <= '9') return digit - '0';
  if (digit >= 'a' && digit <= 'f') return digit - 'a' + 10;
  if (digit >= 'A' && digit <= 'F') return digit - 'A' + 10;
  return -1;
}

std::string_view trimmed(std::string_view line) {
  while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
  while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) line.remove_suffix(1);
  return line;
}

bool set_hmac_key(EVP_MAC_CTX* mac, const TicketKey& key) {
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, const_cast<uint8_t*>(key.hmac_key.data()),
                                        key.hmac_key.size()),
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_end(),
  };
  return EVP_MAC_CTX_set_params(mac, params) == 1;
}

}  // namespace

TicketKeysParse parse_ticket_keys(std::string_view text) {
  TicketKeysParse result;
  size_t line_number = 0;
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = trimmed(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    ++line_number;
    if (line.empty() || line.front() == '#') continue;
    const std::string where = "line " + std::to_string(line_number) + ": ";
    if (line.size() != 2 * kTicketKeyBytes) {
      result.error = where + "expected " + std::to_string(2 * kTicketKeyBytes) + " hex digits, got " +
                     std::to_string(line.size()) + " characters";
      return result;
    }
    uint8_t bytes[kTicketKeyBytes];
    for (size_t i = 0; i < kTicketKeyBytes; ++i) {
      int high = hex_value(line[2 * i]), low = hex_value(line[2 * i + 1]);
      if (high < 0 || low < 0) {
        result.error = where + "not a hex digit at column " + std::to_string(2 * i + (high < 0 ? 1 : 2));
        return result;
      }
      bytes[i] = uint8_t(high << 4 | low);
    }
    if (result.keys.size() == kMaxTicketKeys) {
      result.error = where + "more than " + std::to_string(kMaxTicketKeys) + " keys";
      return result;
    }
    TicketKey& key = result.keys.emplace_back();
    std::memcpy(key.name.data(), bytes, 16);
    std::memcpy(key.aes_key.data(), bytes + 16, 32);
    std::memcpy(key.hmac_key.data(), bytes + 48, 32);
  }
  if (result.keys.empty()) result.error = "no keys";
  return result;
}

int ticket_key_callback(const std::vector<TicketKey>& keys, unsigned char* name, unsigned char* iv,
                        EVP_CIPHER_CTX* cipher, EVP_MAC_CTX* mac, int encrypt) {
  if (keys.empty()) return -1;
  if (encrypt) {
    const TicketKey& current = keys.front();
    std::memcpy(name, current.name.data(), current.name.size());
    if (RAND_bytes(iv, EVP_MAX_IV_LENGTH) != 1) return -1;
    if (EVP_EncryptInit_ex(cipher, EVP_aes_256_cbc(), nullptr, current.aes_key.data(), iv) != 1) return -1;
    return set_hmac_key(mac, current) ? 1 : -1;
  }
  auto found = std::find_if(keys.begin(), keys.end(),
                            [&](const TicketKey& key) { return std::memcmp(key.name.data(), name, 16) == 0; });
  if (found == keys.end()) return 0;  // unknown or retired key: a full handshake, no error
  if (EVP_DecryptInit_ex(cipher, EVP_aes_256_cbc(), nullptr, found->aes_key.data(), iv) != 1) return -1;
  if (!set_hmac_key(mac, *found)) return -1;
  return found == keys.begin() ? 1 : 2;  // 2: accepted, and a fresh ticket under the current key is issued
}

}  // namespace sy::tls
