// SCRAM-SHA-256 against the RFC 7677 section 3 example (user "user", password
// "pencil"): both sides, driven with the RFC's nonces, must produce its
// messages byte for byte; and PostgreSQL's stored verifier format.
#include <doctest/doctest.h>
#include <openssl/sha.h>

#include "pgwire/scram.hpp"

using namespace sy::pgwire;

namespace {
constexpr std::string_view kClientNonce = "rOprNGfwEbeRWgbNEkqO";
constexpr std::string_view kServerNonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
constexpr std::string_view kClientFirst = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
constexpr std::string_view kServerFirst =
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
constexpr std::string_view kClientFinal =
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
constexpr std::string_view kServerFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";
// base64 "W22ZaJ0SNY7soEsUEjb6gQ=="
const std::string kSalt("\x5b\x6d\x99\x68\x9d\x12\x35\x8e\xec\xa0\x4b\x14\x12\x36\xfa\x81", 16);
// Computed independently with Python's hashlib.pbkdf2_hmac and hmac.
constexpr std::string_view kVerifier =
    "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:"
    "wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=";
}  // namespace

TEST_CASE("scram rfc7677: the client produces the RFC's messages") {
  ScramClient client("pencil", kClientNonce, "user");
  auto first = client.client_first_message();
  REQUIRE(first.ok());
  CHECK(first.data == kClientFirst);
  auto final_message = client.handle_server_first(kServerFirst);
  REQUIRE_MESSAGE(final_message.ok(), final_message.error, ": ", final_message.detail);
  CHECK(final_message.data == kClientFinal);
  CHECK(client.verify_server_final(kServerFinal));
  CHECK(client.error().empty());
}

TEST_CASE("scram rfc7677: the server produces the RFC's messages and accepts the proof") {
  ScramServer server(make_scram_verifier("pencil", kSalt, 4096), kServerNonce);
  auto first = server.handle_client_first(kClientFirst);
  REQUIRE(first.ok());
  CHECK(first.data == kServerFirst);
  auto final_message = server.handle_client_final(kClientFinal);
  REQUIRE_MESSAGE(final_message.ok(), final_message.error, ": ", final_message.detail);
  CHECK(final_message.data == kServerFinal);
  CHECK(server.succeeded());
}

TEST_CASE("scram rfc7677: the recovered ClientKey hashes to the verifier's StoredKey") {
  auto verifier = make_scram_verifier("pencil", kSalt, 4096);
  ScramServer server(verifier, kServerNonce);
  CHECK_FALSE(server.client_key().has_value());  // nothing before success
  REQUIRE(server.handle_client_first(kClientFirst).ok());
  CHECK_FALSE(server.client_key().has_value());
  REQUIRE(server.handle_client_final(kClientFinal).ok());
  auto client_key = server.client_key();
  REQUIRE(client_key.has_value());
  ScramKey stored;
  SHA256(client_key->data(), client_key->size(), stored.data());
  CHECK(stored == verifier.stored_key);
}

TEST_CASE("scram verifier: make_scram_verifier matches an independent derivation, in PostgreSQL's format") {
  auto made = make_scram_verifier("pencil", kSalt, 4096);
  CHECK(made.iterations == 4096);
  CHECK(made.salt == kSalt);
  CHECK(format_scram_verifier(made) == kVerifier);

  auto parsed = parse_scram_verifier(kVerifier);
  REQUIRE(parsed.has_value());
  CHECK(parsed->iterations == 4096);
  CHECK(parsed->salt == kSalt);
  CHECK(parsed->stored_key == made.stored_key);
  CHECK(parsed->server_key == made.server_key);
  CHECK(format_scram_verifier(*parsed) == kVerifier);
}

TEST_CASE("scram verifier: malformed stored secrets are rejected") {
  const std::string good(kVerifier);
  CHECK(parse_scram_verifier(good).has_value());
  for (std::string_view bad : {
           "",
           "md553f48b7c4b76a86ce72276c5755f217d",
           "SCRAM-SHA-1$4096:W22ZaJ0SNY7soEsUEjb6gQ==$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:"
           "wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=",
           "SCRAM-SHA-256$0:W22ZaJ0SNY7soEsUEjb6gQ==$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:"
           "wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=",  // zero iterations
           "SCRAM-SHA-256$-1:W22ZaJ0SNY7soEsUEjb6gQ==$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:"
           "wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=",
           "SCRAM-SHA-256$99999999999:W22ZaJ0SNY7soEsUEjb6gQ==$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:"
           "wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=",  // overflows int
           "SCRAM-SHA-256$4096x:W22ZaJ0SNY7soEsUEjb6gQ==$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:"
           "wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=",
           "SCRAM-SHA-256$4096:$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:"
           "wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=",  // empty salt
           "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ=$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:"
           "wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=",  // salt not base64
           "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4q==:"
           "wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=",  // StoredKey of 31 bytes
           "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:"
           "wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU",  // ServerKey without padding
           "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=",
           "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:"
           "wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=:extra",
       }) {
    CHECK_MESSAGE(!parse_scram_verifier(bad).has_value(), bad);
  }
}
