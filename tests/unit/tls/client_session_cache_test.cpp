// The client-side session cache: connect_cached() resumes the next
// connection to the same server and only that server, forgets a session the
// server would not resume, starts empty in a new context (a reload); the
// cache itself is bounded and drops expired sessions.
#include <doctest/doctest.h>

#include <openssl/ssl.h>

#include <ctime>

#include "tests/unit/tls/session_pair.hpp"
#include "tls/client_session_cache.hpp"

using namespace sy::tls;
using namespace sy::tls::testing;

namespace {

// A handshake through the cache under `server`; returns whether it resumed.
bool cached_handshake(const std::shared_ptr<const ClientContext>& client,
                      const std::shared_ptr<const ServerContext>& server_context, const std::string& server) {
  SessionPair pair(TlsSession::connect_cached(client, "localhost", server), server_context);
  REQUIRE(pair.handshake());
  CHECK(pair.client->resumed() == pair.server->resumed());
  return pair.client->resumed();
}

// A session OpenSSL counts as resumable, made without a handshake, for the
// cache's own bookkeeping.
SslSessionPtr made_session(unsigned char id, long issued_at = long(std::time(nullptr)), long lifetime = 300) {
  SslSessionPtr session(SSL_SESSION_new(), SSL_SESSION_free);
  REQUIRE(SSL_SESSION_set1_id(session.get(), &id, 1) == 1);
  SSL_SESSION_set_time(session.get(), issued_at);
  SSL_SESSION_set_timeout(session.get(), lifetime);
  return session;
}

}  // namespace

TEST_CASE("session cache: the second connection to a server resumes (TLS 1.3 and 1.2)") {
  for (TlsVersion version : {TlsVersion::tls1_3, TlsVersion::tls1_2}) {
    CAPTURE(int(version));
    ClientSettings settings = client_settings();
    settings.max_version = version;
    auto client = make_client_context(settings);
    auto server = make_server_context(server_settings());
    CHECK_FALSE(cached_handshake(client, server, "127.0.0.1:5432"));
    CHECK(client->sessions().size() == 1);
    CHECK(cached_handshake(client, server, "127.0.0.1:5432"));
    CHECK(cached_handshake(client, server, "127.0.0.1:5432"));  // and again, with the newest ticket
  }
}

TEST_CASE("session cache: a session is offered only to the server that issued it") {
  auto client = make_client_context(client_settings());
  auto server = make_server_context(server_settings());
  CHECK_FALSE(cached_handshake(client, server, "127.0.0.1:5432"));
  // Same host, another port: another server as far as the cache knows.
  CHECK_FALSE(cached_handshake(client, server, "127.0.0.1:5433"));
  CHECK(client->sessions().size() == 2);
}

TEST_CASE("session cache: a session the server does not resume is forgotten") {
  auto client = make_client_context(client_settings());
  CHECK_FALSE(cached_handshake(client, make_server_context(server_settings()), "127.0.0.1:5432"));
  REQUIRE(client->sessions().size() == 1);
  // The server restarted with new ticket keys and issues no more tickets:
  // the offer fails, a full handshake follows, and nothing is left to offer.
  ServerSettings no_tickets = server_settings();
  no_tickets.session_tickets = false;
  CHECK_FALSE(cached_handshake(client, make_server_context(no_tickets), "127.0.0.1:5432"));
  CHECK(client->sessions().size() == 0);
}

TEST_CASE("session cache: a full handshake that replaced the offered session keeps the new one") {
  auto client = make_client_context(client_settings());
  CHECK_FALSE(cached_handshake(client, make_server_context(server_settings()), "127.0.0.1:5432"));
  auto restarted = make_server_context(server_settings());  // new random ticket keys
  CHECK_FALSE(cached_handshake(client, restarted, "127.0.0.1:5432"));
  CHECK(client->sessions().size() == 1);
  CHECK(cached_handshake(client, restarted, "127.0.0.1:5432"));
}

TEST_CASE("session cache: a new context (a reload) starts empty") {
  auto server = make_server_context(server_settings());
  auto before = make_client_context(client_settings());
  CHECK_FALSE(cached_handshake(before, server, "127.0.0.1:5432"));
  auto reloaded = make_client_context(client_settings());
  CHECK(reloaded->sessions().size() == 0);
  CHECK_FALSE(cached_handshake(reloaded, server, "127.0.0.1:5432"));
}

TEST_CASE("session cache: plain connect() neither offers nor saves through the cache") {
  auto client = make_client_context(client_settings());
  auto server = make_server_context(server_settings());
  SessionPair pair(client, server);
  REQUIRE(pair.handshake());
  CHECK(static_cast<bool>(pair.client->saved_session()));
  CHECK(client->sessions().size() == 0);
}

TEST_CASE("session cache: bounded, the oldest stored server goes first") {
  ClientSessionCache cache(2);
  SslSessionPtr a = made_session(1), b = made_session(2), c = made_session(3);
  cache.store("a:1", a);
  cache.store("b:1", b);
  cache.store("a:1", a);  // stored again: now the newest
  cache.store("c:1", c);
  CHECK(cache.size() == 2);
  CHECK(cache.find("a:1") == a);
  CHECK(cache.find("b:1") == nullptr);
  CHECK(cache.find("c:1") == c);
}

TEST_CASE("session cache: expired sessions are not offered, and forget() only drops the one offered") {
  ClientSessionCache cache;
  cache.store("old:1", made_session(1, long(std::time(nullptr)) - 600, 300));
  CHECK(cache.find("old:1") == nullptr);
  CHECK(cache.size() == 0);

  SslSessionPtr offered = made_session(2), newer = made_session(3);
  cache.store("s:1", offered);
  cache.store("s:1", newer);  // the server issued another meanwhile
  cache.forget("s:1", offered.get());
  CHECK(cache.find("s:1") == newer);
  cache.forget("s:1", newer.get());
  CHECK(cache.find("s:1") == nullptr);

  SslSessionPtr not_resumable(SSL_SESSION_new(), SSL_SESSION_free);  // no id, no ticket
  cache.store("empty:1", not_resumable);
  CHECK(cache.find("empty:1") == nullptr);
}
