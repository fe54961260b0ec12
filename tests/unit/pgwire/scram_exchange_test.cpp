// Whole SCRAM-SHA-256 exchanges between our ScramClient and ScramServer with
// random nonces: success, wrong password, tampering on either side, and
// pass-through of the ClientKey recovered from a client's login.
#include <doctest/doctest.h>

#include "pgwire/scram.hpp"

using namespace sy::pgwire;

namespace {

const std::string kSalt = "0123456789abcdef";
constexpr int kIterations = 4096;

struct Exchange {
  ScramResult client_first, server_first, client_final, server_final;
  bool client_verified = false;
};

// Runs the four messages, stopping at the first failure.
Exchange run(ScramClient& client, ScramServer& server) {
  Exchange e;
  e.client_first = client.client_first_message();
  if (!e.client_first.ok()) return e;
  e.server_first = server.handle_client_first(e.client_first.data);
  if (!e.server_first.ok()) return e;
  e.client_final = client.handle_server_first(e.server_first.data);
  if (!e.client_final.ok()) return e;
  e.server_final = server.handle_client_final(e.client_final.data);
  if (!e.server_final.ok()) return e;
  e.client_verified = client.verify_server_final(e.server_final.data);
  return e;
}

}  // namespace

TEST_CASE("scram exchange: right password with random nonces succeeds, as libpq would speak it") {
  auto verifier = make_scram_verifier("correct horse", kSalt, kIterations);
  ScramClient client("correct horse");
  ScramServer server(verifier);
  auto e = run(client, server);
  CHECK(e.client_first.data.rfind("n,,n=,r=", 0) == 0);  // no user name, as PostgreSQL clients send
  CHECK(e.client_first.data.size() == 8 + 24);            // 18 random bytes in base64
  REQUIRE_MESSAGE(e.server_final.ok(), e.server_final.error);
  CHECK(e.server_final.data.rfind("v=", 0) == 0);
  CHECK(e.client_verified);
  CHECK(server.succeeded());
  CHECK(server.client_key().has_value());

  // Two exchanges never share a nonce.
  ScramClient other("correct horse");
  CHECK(other.client_first_message().data != e.client_first.data);
}

TEST_CASE("scram exchange: SCRAM-SHA-256-PLUS binds the exchange to the certificate hash both sides see") {
  auto verifier = make_scram_verifier("correct horse", kSalt, kIterations);
  const std::string binding(32, '\x5a');
  ScramClient client("correct horse");
  client.use_channel_binding(binding);
  ScramServer server(verifier, {}, binding);
  CHECK(server.offers_plus());
  auto first = client.client_first_message();
  REQUIRE(first.ok());
  CHECK(first.data.rfind("p=tls-server-end-point,,n=,r=", 0) == 0);
  auto server_first = server.handle_client_first(first.data, true);
  REQUIRE(server_first.ok());
  auto final_message = client.handle_server_first(server_first.data);
  REQUIRE(final_message.ok());
  auto server_final = server.handle_client_final(final_message.data);
  REQUIRE_MESSAGE(server_final.ok(), server_final.error);
  CHECK(client.verify_server_final(server_final.data));

  // A man in the middle terminates TLS with another certificate: the hashes differ.
  ScramClient fooled("correct horse");
  fooled.use_channel_binding(std::string(32, '\x11'));
  ScramServer real(verifier, {}, binding);
  auto fooled_first = fooled.client_first_message();
  auto real_first = real.handle_client_first(fooled_first.data, true);
  REQUIRE(real_first.ok());
  auto rejected = real.handle_client_final(fooled.handle_server_first(real_first.data).data);
  CHECK(rejected.status == ScramStatus::protocol_error);
  CHECK(rejected.error == "SCRAM channel binding check failed");
}

TEST_CASE("scram exchange: wrong password is auth_failed (28P01) and recovers no key") {
  ScramClient client("wrong horse");
  ScramServer server(make_scram_verifier("correct horse", kSalt, kIterations));
  auto e = run(client, server);
  REQUIRE(e.client_final.ok());
  CHECK(e.server_final.status == ScramStatus::auth_failed);
  CHECK(e.server_final.sqlstate().code == "28P01");
  CHECK(e.server_final.error == "password authentication failed");
  CHECK_FALSE(server.succeeded());
  CHECK_FALSE(server.client_key().has_value());
  // A failed exchange stays failed.
  CHECK_FALSE(server.handle_client_final(e.client_final.data).ok());
}

TEST_CASE("scram exchange: a tampered proof fails") {
  ScramClient client("correct horse");
  ScramServer server(make_scram_verifier("correct horse", kSalt, kIterations));
  auto first = client.client_first_message();
  auto server_first = server.handle_client_first(first.data);
  auto client_final = client.handle_server_first(server_first.data);
  REQUIRE(client_final.ok());
  std::string tampered = client_final.data;
  size_t proof = tampered.find(",p=") + 3;
  tampered[proof] = tampered[proof] == 'A' ? 'B' : 'A';
  auto result = server.handle_client_final(tampered);
  CHECK(result.status == ScramStatus::auth_failed);
  CHECK_FALSE(server.client_key().has_value());
}

TEST_CASE("scram exchange: the client rejects a server-final with a wrong signature or an error") {
  auto verifier = make_scram_verifier("correct horse", kSalt, kIterations);
  SUBCASE("flipped signature") {
    ScramClient client("correct horse");
    ScramServer server(verifier);
    auto first = client.client_first_message();
    auto final_message = client.handle_server_first(server.handle_client_first(first.data).data);
    auto server_final = server.handle_client_final(final_message.data);
    REQUIRE(server_final.ok());
    std::string tampered = server_final.data;
    tampered[2] = tampered[2] == 'A' ? 'B' : 'A';
    CHECK_FALSE(client.verify_server_final(tampered));
    CHECK_FALSE(client.error().empty());
    // Not even the right signature is accepted after that.
    CHECK_FALSE(client.verify_server_final(server_final.data));
  }
  SUBCASE("a server that does not know the verifier signs wrongly") {
    // An impostor with the right StoredKey (e.g. a leaked one) but not the ServerKey.
    auto impostor_verifier = verifier;
    impostor_verifier.server_key[0] ^= 1;
    ScramClient client("correct horse");
    ScramServer impostor(impostor_verifier);
    auto e = run(client, impostor);
    REQUIRE(e.server_final.ok());  // the proof checks out against the StoredKey
    CHECK_FALSE(e.client_verified);
    CHECK(client.error().find("server signature") != std::string::npos);
  }
  SUBCASE("e=invalid-proof") {
    ScramClient client("correct horse");
    ScramServer server(verifier);
    auto first = client.client_first_message();
    REQUIRE(client.handle_server_first(server.handle_client_first(first.data).data).ok());
    CHECK_FALSE(client.verify_server_final("e=invalid-proof"));
    CHECK(client.error().find("invalid-proof") != std::string::npos);
  }
  SUBCASE("garbage") {
    ScramClient client("correct horse");
    ScramServer server(verifier);
    auto first = client.client_first_message();
    REQUIRE(client.handle_server_first(server.handle_client_first(first.data).data).ok());
    CHECK_FALSE(client.verify_server_final("v=not base64!"));
  }
}

TEST_CASE("scram exchange: the client rejects a server nonce that does not extend its own") {
  ScramClient client("pencil", "clientnonce");
  REQUIRE(client.client_first_message().ok());
  auto result = client.handle_server_first("r=othernonce123,s=c2FsdA==,i=4096");
  CHECK(result.status == ScramStatus::protocol_error);
  CHECK(result.detail.find("nonce") != std::string::npos);

  for (std::string_view server_first : {
           "r=clientnonce,s=c2FsdA==,i=4096",       // nothing added by the server
           "r=clientnonc,s=c2FsdA==,i=4096",        // shorter
           "r=,s=c2FsdA==,i=4096",                  // empty
           "r=clientnonce\x01xx,s=c2FsdA==,i=4096",  // not printable
           "s=c2FsdA==,i=4096",                     // missing
       }) {
    ScramClient fresh("pencil", "clientnonce");
    REQUIRE(fresh.client_first_message().ok());
    CHECK_MESSAGE(!fresh.handle_server_first(server_first).ok(), server_first);
  }
}

TEST_CASE("scram exchange: the server rejects a client-final whose nonce is not the exchange's") {
  ScramServer server(make_scram_verifier("pencil", kSalt, kIterations), "servernonce");
  REQUIRE(server.handle_client_first("n,,n=,r=clientnonce").ok());
  auto result = server.handle_client_final("c=biws,r=clientnonceSERVERNONCE,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
  CHECK(result.status == ScramStatus::protocol_error);
  CHECK(result.sqlstate().code == "08P01");
  CHECK(result.detail == "Nonce does not match.");
}

TEST_CASE("scram exchange: steps out of order are errors, not crashes") {
  ScramServer server(make_scram_verifier("pencil", kSalt, kIterations));
  CHECK_FALSE(server.handle_client_final("c=biws,r=x,p=y").ok());

  ScramClient client("pencil");
  CHECK_FALSE(client.handle_server_first("r=x,s=c2FsdA==,i=1").ok());
  ScramClient client2("pencil");
  CHECK_FALSE(client2.verify_server_final("v=AAAA"));
  ScramClient client3("pencil");
  REQUIRE(client3.client_first_message().ok());
  CHECK_FALSE(client3.client_first_message().ok());
}

TEST_CASE("scram pass-through: the ClientKey from a client's login logs in to a server with the same verifier") {
  auto verifier = make_scram_verifier("app password", kSalt, kIterations);

  // 1. The application logs in to the proxy.
  ScramClient application("app password");
  ScramServer proxy_front(verifier);
  REQUIRE(run(application, proxy_front).client_verified);
  auto client_key = proxy_front.client_key();
  REQUIRE(client_key.has_value());

  // 2. The proxy logs in to PostgreSQL (which stores the same verifier) without the password.
  SUBCASE("with the key pair") {
    ScramClient proxy_back(*client_key, verifier.server_key);
    ScramServer postgres(verifier);
    auto e = run(proxy_back, postgres);
    CHECK(e.server_final.ok());
    CHECK(e.client_verified);
  }
  SUBCASE("with the verifier, checking salt and iterations") {
    ScramClient proxy_back(*client_key, verifier);
    ScramServer postgres(verifier);
    CHECK(run(proxy_back, postgres).client_verified);
  }
  SUBCASE("a server with another salt: early, clear failure") {
    ScramClient proxy_back(*client_key, verifier);
    ScramServer postgres(make_scram_verifier("app password", "another salt", kIterations));
    auto e = run(proxy_back, postgres);
    CHECK(e.client_final.status == ScramStatus::auth_failed);
    CHECK(e.client_final.error == "SCRAM pass-through is not possible");
  }
  SUBCASE("a server with another salt, key pair only: the server refuses the proof") {
    ScramClient proxy_back(*client_key, verifier.server_key);
    ScramServer postgres(make_scram_verifier("app password", "another salt", kIterations));
    auto e = run(proxy_back, postgres);
    CHECK(e.server_final.status == ScramStatus::auth_failed);
  }
}

TEST_CASE("scram exchange: a password with a non-ASCII space matches its mapped form") {
  // "pass\u00a0word" and "pass word" prepare to the same string, so the same keys.
  auto verifier = make_scram_verifier("pass word", kSalt, kIterations);
  ScramClient client("pass\xc2\xa0word");
  ScramServer server(verifier);
  CHECK(run(client, server).client_verified);
}
