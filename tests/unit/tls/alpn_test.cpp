// ALPN: the server's preference among what the client offers, no ALPN when
// either side has none, and a fatal no_application_protocol on a mismatch.
#include <doctest/doctest.h>

#include "tests/unit/tls/session_pair.hpp"

using namespace sy::tls;
using namespace sy::tls::testing;

namespace {

SessionPair alpn_pair(std::vector<std::string> client_offers, std::vector<std::string> server_accepts) {
  ClientSettings client = client_settings();
  client.alpn = std::move(client_offers);
  ServerSettings server = server_settings();
  server.alpn = std::move(server_accepts);
  return SessionPair(make_client_context(client), make_server_context(server));
}

}  // namespace

TEST_CASE("alpn: a protocol both sides have is negotiated and both report it") {
  SessionPair pair = alpn_pair({"postgresql"}, {"postgresql"});
  REQUIRE(pair.handshake());
  CHECK(pair.client->alpn() == "postgresql");
  CHECK(pair.server->alpn() == "postgresql");
}

TEST_CASE("alpn: the server's order wins over the client's") {
  SessionPair pair = alpn_pair({"http/1.0", "http/1.1"}, {"http/1.1", "http/1.0"});
  REQUIRE(pair.handshake());
  CHECK(pair.server->alpn() == "http/1.1");
  CHECK(pair.client->alpn() == "http/1.1");
}

TEST_CASE("alpn: a client that offers none is served without ALPN (the caller decides if that is enough)") {
  SessionPair pair = alpn_pair({}, {"postgresql"});
  REQUIRE(pair.handshake());
  CHECK(pair.server->alpn() == "");
  CHECK(pair.client->alpn() == "");
}

TEST_CASE("alpn: a server without ALPN ignores the client's offer") {
  SessionPair pair = alpn_pair({"h2", "http/1.1"}, {});
  REQUIRE(pair.handshake());
  CHECK(pair.server->alpn() == "");
  CHECK(pair.client->alpn() == "");
}

TEST_CASE("alpn: no protocol in common fails both sides with no_application_protocol") {
  SessionPair pair = alpn_pair({"h2"}, {"postgresql"});
  CHECK_FALSE(pair.handshake());
  CHECK(pair.server->error() == TlsError::no_application_protocol);
  CHECK(pair.client->error() == TlsError::no_application_protocol);
  CHECK(pair.client->error_message().find("no application protocol") != std::string::npos);
  CHECK(error_name(pair.server->error()) == "no_application_protocol");
}

TEST_CASE("alpn: a name longer than 255 bytes is a settings error") {
  ClientSettings client = client_settings();
  client.alpn = {std::string(256, 'a')};
  Created<ClientContext> created = ClientContext::create(client);
  CHECK_FALSE(created);
  CHECK(created.error.starts_with("alpn: "));
  ServerSettings server = server_settings();
  server.alpn = {""};
  Created<ServerContext> server_created = ServerContext::create(server);
  CHECK_FALSE(server_created);
  CHECK(server_created.error.starts_with("alpn: "));
}
