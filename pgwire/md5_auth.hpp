// PostgreSQL's md5 password authentication, sans I/O: the stored hash
// ("md5" + hex(md5(password + user))), the salted response a client sends to
// AuthenticationMD5Password, and its constant-time check on the proxy side.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sy::pgwire {

// "md5" + 32 lowercase hex digits: how PostgreSQL tells a stored md5 hash from
// a plain password. (A plain password of exactly that shape is taken as a
// hash, by PostgreSQL too.)
bool is_md5_password_hash(std::string_view text);

// The form PostgreSQL stores: "md5" + hex(md5(password + user)).
std::string md5_password_hash(std::string_view password, std::string_view user);

// What a client answers to AuthenticationMD5Password with this salt:
// "md5" + hex(md5(hex(md5(password + user)) + salt)). `stored_or_plain` is
// either a stored hash (is_md5_password_hash) or the plain password; a SCRAM
// verifier cannot answer an md5 challenge.
std::string md5_response(std::string_view stored_or_plain, std::string_view user, const uint8_t salt[4]);

// Checks a client's PasswordMessage against the stored hash or plain password,
// in constant time with respect to the expected value.
bool md5_verify(std::string_view client_response, std::string_view stored_or_plain, std::string_view user,
                const uint8_t salt[4]);

}  // namespace sy::pgwire
