// Session resumption with tickets: a second handshake with the saved
// session is resumed; two server contexts sharing a ticket key file resume
// each other's tickets (and a rotated file still accepts the old key);
// tickets off means full handshakes only.
#include <doctest/doctest.h>

#include "tests/unit/tls/session_pair.hpp"

using namespace sy::tls;
using namespace sy::tls::testing;

namespace {

ServerSettings with_ticket_keys(const std::string& file) {
  ServerSettings settings = server_settings();
  settings.ticket_key_file = file;
  return settings;
}

// A full handshake against `issuer`; returns the session the client saved.
SavedSession first_connection(const std::shared_ptr<const ClientContext>& client,
                              const std::shared_ptr<const ServerContext>& issuer) {
  SessionPair pair(client, issuer);
  REQUIRE(pair.handshake());
  CHECK_FALSE(pair.client->resumed());
  SavedSession saved = pair.client->saved_session();
  CHECK(static_cast<bool>(saved));
  return saved;
}

bool resumes(const std::shared_ptr<const ClientContext>& client, const std::shared_ptr<const ServerContext>& server,
             const SavedSession& saved) {
  SessionPair pair(client, server, "localhost", saved);
  REQUIRE(pair.handshake());
  CHECK(pair.client->resumed() == pair.server->resumed());
  // A resumed session still reports the server's certificate and the same binding on both sides.
  CHECK(pair.client->peer_certificate());
  CHECK(pair.client->tls_server_end_point() == pair.server->tls_server_end_point());
  return pair.server->resumed();
}

}  // namespace

TEST_CASE("resumption: the second handshake with the saved session is resumed (TLS 1.3 and 1.2)") {
  for (TlsVersion version : {TlsVersion::tls1_3, TlsVersion::tls1_2}) {
    CAPTURE(int(version));
    ClientSettings settings = client_settings();
    settings.max_version = version;
    auto client = make_client_context(settings);
    auto server = make_server_context(server_settings());
    SavedSession saved = first_connection(client, server);
    CHECK(resumes(client, server, saved));
  }
}

TEST_CASE("resumption: without a saved session the handshake is full") {
  auto client = make_client_context(client_settings());
  auto server = make_server_context(server_settings());
  CHECK_FALSE(resumes(client, server, SavedSession()));
}

TEST_CASE("resumption: contexts with their own random keys do not accept each other's tickets") {
  auto client = make_client_context(client_settings());
  SavedSession saved = first_connection(client, make_server_context(server_settings()));
  CHECK_FALSE(resumes(client, make_server_context(server_settings()), saved));
}

TEST_CASE("resumption: two contexts sharing a ticket key file resume each other's tickets") {
  auto client = make_client_context(client_settings());
  auto instance_a = make_server_context(with_ticket_keys(test_pki().ticket_keys));
  auto instance_b = make_server_context(with_ticket_keys(test_pki().ticket_keys));
  CHECK(resumes(client, instance_b, first_connection(client, instance_a)));
  CHECK(resumes(client, instance_a, first_connection(client, instance_b)));
}

TEST_CASE("resumption: after a rotation the old key still decrypts; a retired key does not") {
  auto client = make_client_context(client_settings());
  auto before = make_server_context(with_ticket_keys(test_pki().ticket_keys));          // A, B
  auto rotated = make_server_context(with_ticket_keys(test_pki().ticket_keys_rotated));  // C, A
  // A ticket under A (the old current key) is accepted by the rotated file, where A is second.
  CHECK(resumes(client, rotated, first_connection(client, before)));
  // A ticket under C (the new current key) is unknown to the old file: a full handshake, no error.
  CHECK_FALSE(resumes(client, before, first_connection(client, rotated)));
}

TEST_CASE("resumption: session_tickets = false issues none, so nothing resumes") {
  ServerSettings settings = server_settings();
  settings.session_tickets = false;
  auto server = make_server_context(settings);
  auto client = make_client_context(client_settings());
  SessionPair pair(client, server);
  REQUIRE(pair.handshake());
  CHECK_FALSE(static_cast<bool>(pair.client->saved_session()));
}
