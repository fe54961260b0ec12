// Protocol versions: min_version 1.3 refuses a 1.2-only client, the default
// minimum 1.2 accepts it, and impossible version settings are refused.
#include <doctest/doctest.h>

#include "tests/unit/tls/session_pair.hpp"

using namespace sy::tls;
using namespace sy::tls::testing;

TEST_CASE("versions: a server with min_version 1.3 refuses a 1.2-only client: protocol_version on both sides") {
  ServerSettings server = server_settings();
  server.min_version = TlsVersion::tls1_3;
  ClientSettings client = client_settings();
  client.max_version = TlsVersion::tls1_2;
  SessionPair pair(make_client_context(client), make_server_context(server));
  CHECK_FALSE(pair.handshake());
  CHECK(pair.server->error() == TlsError::protocol_version);
  CHECK(pair.server->error_message().find("unsupported protocol") != std::string::npos);
  CHECK(pair.client->error() == TlsError::protocol_version);
}

TEST_CASE("versions: both sides with min_version 1.3 negotiate TLS 1.3") {
  ServerSettings server = server_settings();
  server.min_version = TlsVersion::tls1_3;
  ClientSettings client = client_settings();
  client.min_version = TlsVersion::tls1_3;
  SessionPair pair(make_client_context(client), make_server_context(server));
  REQUIRE(pair.handshake());
  CHECK(pair.server->protocol_version() == "TLSv1.3");
}

TEST_CASE("versions: min above max is a settings error") {
  ClientSettings client = client_settings();
  client.min_version = TlsVersion::tls1_3;
  client.max_version = TlsVersion::tls1_2;
  Created<ClientContext> created = ClientContext::create(client);
  CHECK_FALSE(created);
  CHECK(created.error == "min_version: 1.3 is above max_version 1.2");
}

TEST_CASE("versions: a TLS 1.2 cipher list with no usable cipher names the setting") {
  ServerSettings server = server_settings();
  server.ciphers = "NOT-A-CIPHER";
  Created<ServerContext> created = ServerContext::create(server);
  CHECK_FALSE(created);
  CHECK(created.error.starts_with("ciphers: "));
  CHECK(created.error.find("NOT-A-CIPHER") != std::string::npos);

  server.ciphers.clear();
  server.ciphersuites = "TLS_NOT_A_SUITE";
  created = ServerContext::create(server);
  CHECK_FALSE(created);
  CHECK(created.error.starts_with("ciphersuites: "));
}

TEST_CASE("versions: a chosen TLS 1.3 suite is the one negotiated") {
  ServerSettings server = server_settings();
  server.ciphersuites = "TLS_CHACHA20_POLY1305_SHA256";
  SessionPair pair(make_client_context(client_settings()), make_server_context(server));
  REQUIRE(pair.handshake());
  CHECK(pair.client->cipher() == "TLS_CHACHA20_POLY1305_SHA256");
}

TEST_CASE("versions: a cipher list the client does not share fails with no_shared_cipher") {
  ServerSettings server = server_settings();
  server.ciphers = "ECDHE-ECDSA-AES256-GCM-SHA384";
  ClientSettings client = client_settings();
  client.max_version = TlsVersion::tls1_2;
  client.ciphers = "ECDHE-ECDSA-CHACHA20-POLY1305";
  SessionPair pair(make_client_context(client), make_server_context(server));
  CHECK_FALSE(pair.handshake());
  CHECK(pair.server->error() == TlsError::no_shared_cipher);
}
