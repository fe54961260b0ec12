// Session-ticket keys that several switchyard instances share, so a client
// resumes on whichever instance it reaches. The first key encrypts new
// tickets; every key decrypts, so rotation is: add a new first line, keep the
// old ones for a ticket lifetime, then drop the last.
//
// File format (text): one key per line, 160 hex digits = 80 bytes:
//   16 bytes key name | 32 bytes AES-256-CBC key | 32 bytes HMAC-SHA-256 key
// Blank lines and lines starting with '#' are ignored. Make a key with
//   openssl rand -hex 80
#pragma once

#include <openssl/ssl.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sy::tls {

struct TicketKey {
  std::array<uint8_t, 16> name{};
  std::array<uint8_t, 32> aes_key{};
  std::array<uint8_t, 32> hmac_key{};
};

constexpr size_t kTicketKeyBytes = 16 + 32 + 32;
constexpr size_t kMaxTicketKeys = 16;

struct TicketKeysParse {
  std::vector<TicketKey> keys;  // at least one when error is empty
  std::string error;            // "line N: reason"
};

TicketKeysParse parse_ticket_keys(std::string_view text);

// The body of the SSL_CTX_set_tlsext_ticket_key_evp_cb callback over `keys`
// (ServerContext finds them through its SSL_CTX). Returns OpenSSL's codes:
// 1 ok, 2 ok and renew the ticket, 0 unknown key (full handshake), -1 error.
int ticket_key_callback(const std::vector<TicketKey>& keys, unsigned char* name, unsigned char* iv,
                        EVP_CIPHER_CTX* cipher, EVP_MAC_CTX* mac, int encrypt);

}  // namespace sy::tls
