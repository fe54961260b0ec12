// md5 authentication: the stored hash and the salted response match answers
// computed independently with md5sum; verification accepts exactly those.
#include <doctest/doctest.h>

#include "pgwire/md5_auth.hpp"

using namespace sy::pgwire;

namespace {
// printf secretpostgres | md5sum
constexpr std::string_view kSecretPostgres = "md553f48b7c4b76a86ce72276c5755f217d";
constexpr uint8_t kSalt1234[4] = {0x01, 0x02, 0x03, 0x04};
constexpr uint8_t kSaltDeadBeef[4] = {0xde, 0xad, 0xbe, 0xef};
// printf '53f48b7c4b76a86ce72276c5755f217d\x01\x02\x03\x04' | md5sum
constexpr std::string_view kResponse1234 = "md5bb41a296aab6baccb36ff243a562abff";
// printf '53f48b7c4b76a86ce72276c5755f217d\xde\xad\xbe\xef' | md5sum
constexpr std::string_view kResponseDeadBeef = "md5c546d0bbed2af888b328536b45c76348";
}  // namespace

TEST_CASE("md5: stored hash is md5 + hex(md5(password + user))") {
  CHECK(md5_password_hash("secret", "postgres") == kSecretPostgres);
  CHECK(is_md5_password_hash(md5_password_hash("secret", "postgres")));
}

TEST_CASE("md5: salted response from the plain password or from the stored hash") {
  CHECK(md5_response("secret", "postgres", kSalt1234) == kResponse1234);
  CHECK(md5_response(kSecretPostgres, "postgres", kSalt1234) == kResponse1234);
  // Salt bytes above 0x7f are bytes, not signed chars.
  CHECK(md5_response("secret", "postgres", kSaltDeadBeef) == kResponseDeadBeef);
  CHECK(md5_response(kSecretPostgres, "postgres", kSaltDeadBeef) == kResponseDeadBeef);
}

TEST_CASE("md5: verify accepts the right response only") {
  CHECK(md5_verify(kResponse1234, kSecretPostgres, "postgres", kSalt1234));
  CHECK(md5_verify(kResponse1234, "secret", "postgres", kSalt1234));
  CHECK_FALSE(md5_verify(kResponse1234, kSecretPostgres, "postgres", kSaltDeadBeef));  // other salt
  CHECK_FALSE(md5_verify(kResponse1234, "Secret", "postgres", kSalt1234));            // other password
  CHECK_FALSE(md5_verify(kResponse1234, "secret", "postgre", kSalt1234));             // other user
  CHECK_FALSE(md5_verify("", kSecretPostgres, "postgres", kSalt1234));
  CHECK_FALSE(md5_verify(kResponse1234.substr(0, 34), kSecretPostgres, "postgres", kSalt1234));
  CHECK_FALSE(md5_verify(std::string(kResponse1234) + "0", kSecretPostgres, "postgres", kSalt1234));
  CHECK_FALSE(md5_verify(kSecretPostgres, kSecretPostgres, "postgres", kSalt1234));  // the hash is not the answer
}

TEST_CASE("md5: what counts as a stored hash") {
  CHECK(is_md5_password_hash(kSecretPostgres));
  CHECK_FALSE(is_md5_password_hash("md553F48B7C4B76A86CE72276C5755F217D"));  // PostgreSQL writes lowercase
  CHECK_FALSE(is_md5_password_hash("md553f48b7c4b76a86ce72276c5755f217"));   // too short
  CHECK_FALSE(is_md5_password_hash("xx553f48b7c4b76a86ce72276c5755f217d"));
  CHECK_FALSE(is_md5_password_hash("md553f48b7c4b76a86ce72276c5755f217g"));
  CHECK_FALSE(is_md5_password_hash("secret"));
}
