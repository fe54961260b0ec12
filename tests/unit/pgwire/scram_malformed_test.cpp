// Malformed and unsupported SCRAM messages on both sides: each is an error
// result with a message fit for an ErrorResponse, never a crash or a success.
#include <doctest/doctest.h>

#include "pgwire/scram.hpp"

using namespace sy::pgwire;

namespace {

ScramVerifier verifier() {
  static const ScramVerifier made = make_scram_verifier("pencil", "salt-salt-salt!!", 4096);
  return made;
}

ScramResult client_first(std::string_view message) { return ScramServer(verifier(), "SRV").handle_client_first(message); }

// A server past a valid client-first-message "n,,n=,r=abc".
ScramResult client_final(std::string_view message) {
  ScramServer server(verifier(), "SRV");
  REQUIRE(server.handle_client_first("n,,n=,r=abc").ok());
  return server.handle_client_final(message);
}

ScramResult server_first(std::string_view message) {
  ScramClient client("pencil", "abc");
  REQUIRE(client.client_first_message().ok());
  return client.handle_server_first(message);
}

}  // namespace

TEST_CASE("scram malformed: valid client-first variants are accepted") {
  CHECK(client_first("n,,n=,r=abc").data == "r=abcSRV,s=c2FsdC1zYWx0LXNhbHQhIQ==,i=4096");
  CHECK(client_first("y,,n=,r=abc").ok());            // client could bind, believes we cannot: right
  CHECK(client_first("n,,n=someone,r=abc").ok());     // the user name is ignored
  CHECK(client_first("n,,n=a=2Cb,r=abc,x=ext").ok()); // optional extensions are ignored
}

TEST_CASE("scram malformed: channel binding data under plain SCRAM-SHA-256 is a protocol error (08P01)") {
  auto result = client_first("p=tls-server-end-point,,n=,r=abc");
  CHECK(result.status == ScramStatus::protocol_error);
  CHECK(result.sqlstate().code == "08P01");
  CHECK(result.detail.find("includes channel binding data") != std::string::npos);
}

TEST_CASE("scram malformed: channel binding negotiation, as PostgreSQL checks it") {
  const std::string binding = "0123456789abcdef0123456789abcdef";
  auto first = [&](std::string_view message, bool plus, std::string cb) {
    return ScramServer(verifier(), "SRV", std::move(cb)).handle_client_first(message, plus);
  };
  CHECK(first("p=tls-server-end-point,,n=,r=abc", true, binding).ok());
  CHECK(first("n,,n=,r=abc", false, binding).ok());  // binding offered, client declines: allowed
  // "y": the client could bind but saw no -PLUS; we offered it, so someone removed it.
  auto downgraded = first("y,,n=,r=abc", false, binding);
  CHECK(downgraded.status == ScramStatus::protocol_error);
  CHECK(downgraded.error == "SCRAM channel binding negotiation error");
  CHECK(first("y,,n=,r=abc", false, "").ok());  // without TLS "y" is the truth
  CHECK(first("n,,n=,r=abc", true, binding).status == ScramStatus::protocol_error);  // -PLUS chosen, no binding
  CHECK(first("p=tls-server-end-point,,n=,r=abc", true, "").status == ScramStatus::protocol_error);  // not offered
  auto other_type = first("p=tls-unique,,n=,r=abc", true, binding);
  CHECK(other_type.status == ScramStatus::unsupported);
  CHECK(other_type.error == "unsupported SCRAM channel-binding type \"tls-unique\"");
}

TEST_CASE("scram malformed: bad client-first-messages are protocol errors") {
  for (std::string_view message : {
           "",
           "n",
           "n,",
           "x,,n=,r=abc",      // unknown channel-binding flag
           "n;,n=,r=abc",
           "n,,",               // no bare message
           "n,,r=abc",          // n= missing
           "n,,n=",             // r= missing
           "n,,n=,r=",          // empty nonce
           "n,,n=,r=a,c",       // nonce with a comma would split: here "r=a" then junk "c"
           "n,,n=,r=ab\x7f",    // nonce not printable
           "n,,n=,r=abc,",      // dangling comma
           "n,,n=,x=abc",
           "n,,N=,r=abc",
       }) {
    auto result = client_first(message);
    CHECK_MESSAGE(result.status == ScramStatus::protocol_error, '"', message, "\" gave ", int(result.status));
    CHECK(result.sqlstate().code == "08P01");
    CHECK_FALSE(result.error.empty());
  }
}

TEST_CASE("scram malformed: authzid and mandatory extensions are unsupported") {
  CHECK(client_first("n,a=admin,n=,r=abc").status == ScramStatus::unsupported);
  CHECK(client_first("n,,m=ext,n=,r=abc").status == ScramStatus::unsupported);
}

TEST_CASE("scram malformed: bad client-final-messages are protocol errors") {
  constexpr std::string_view proof = "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
  auto with_proof = [&](std::string_view head) { return std::string(head) + std::string(proof); };
  for (std::string message : {
           std::string(""),
           with_proof("r=abcSRV,"),                // c= missing
           with_proof("c=eSws,r=abcSRV,"),         // binding says "y,," but the client sent "n,,"
           with_proof("c=bi!s,r=abcSRV,"),         // binding not base64
           with_proof("c=biw,r=abcSRV,"),          // binding truncated
           with_proof("c=biws,"),                  // r= missing
           with_proof("c=biws,r=abc,"),            // nonce without the server's part
           with_proof("c=biws,r=abcSRVX,"),        // nonce longer
           std::string("c=biws,r=abcSRV"),         // proof missing
           std::string("c=biws,r=abcSRV,p="),      // proof empty
           std::string("c=biws,r=abcSRV,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ"),   // no padding
           std::string("c=biws,r=abcSRV,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=="), // bad padding
           std::string("c=biws,r=abcSRV,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVR="),  // non-canonical
           std::string("c=biws,r=abcSRV,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7A="),      // 29 bytes
           with_proof("c=biws,r=abcSRV,") + ",x=after",                                     // proof not last
           with_proof("c=biws,r=abcSRV,") + ",",
       }) {
    auto result = client_final(message);
    CHECK_MESSAGE(result.status == ScramStatus::protocol_error, '"', message, "\" gave ", int(result.status));
    CHECK_FALSE(result.error.empty());
  }
  // A well-formed message with a wrong proof is not a protocol error but a failed login.
  CHECK(client_final(with_proof("c=biws,r=abcSRV,")).status == ScramStatus::auth_failed);
  CHECK(client_final(with_proof("c=biws,r=abcSRV,x=ext,")).status == ScramStatus::auth_failed);
}

TEST_CASE("scram malformed: bad server-first-messages are rejected by the client") {
  CHECK(server_first("r=abcSRV,s=c2FsdA==,i=1").ok());
  CHECK(server_first("r=abcSRV,s=c2FsdA==,i=1,x=ext").ok());
  CHECK(server_first("m=ext,r=abcSRV,s=c2FsdA==,i=1").status == ScramStatus::unsupported);
  for (std::string_view message : {
           "",
           "r=abcSRV",
           "r=abcSRV,s=c2FsdA==",
           "r=abcSRV,i=4096,s=c2FsdA==",        // order matters
           "r=abcSRV,s=,i=4096",                // empty salt
           "r=abcSRV,s=c2FsdA=,i=4096",         // salt not base64
           "r=abcSRV,s=c2FsdA==,i=0",
           "r=abcSRV,s=c2FsdA==,i=-1",
           "r=abcSRV,s=c2FsdA==,i=+5",
           "r=abcSRV,s=c2FsdA==,i=10000001",    // above the 10 million cap
           "r=abcSRV,s=c2FsdA==,i=99999999999999999999",
           "r=abcSRV,s=c2FsdA==,i=4096x",
           "r=abcSRV,s=c2FsdA==,i=",
           "r=abcSRV,s=c2FsdA==,i=4096,",
           "e=other-error",
       }) {
    auto result = server_first(message);
    CHECK_MESSAGE(!result.ok(), '"', message, '"');
    CHECK_FALSE(result.error.empty());
  }
}
