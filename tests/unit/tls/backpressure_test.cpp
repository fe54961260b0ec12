// Output bounds: a peer that never reads cannot make a session buffer more
// ciphertext than its limit; taking ciphertext out makes room again.
#include <doctest/doctest.h>

#include "tests/unit/tls/session_pair.hpp"

using namespace sy::tls;
using namespace sy::tls::testing;

TEST_CASE("backpressure: writes stop at the limit while nobody takes the ciphertext") {
  for (size_t limit : {size_t(4096), size_t(64 * 1024), size_t(256 * 1024)}) {
    CAPTURE(limit);
    SessionPair pair(make_client_context(client_settings()), make_server_context(server_settings()), "localhost", {},
                     SessionLimits{.max_pending_ciphertext = limit});
    REQUIRE(pair.handshake());
    const std::string block(100 * 1000, 'z');
    size_t accepted = 0;
    for (int attempt = 0; attempt < 100; ++attempt) accepted += pair.server->write_plaintext(block);
    CHECK(accepted > 0);
    CHECK(accepted < limit);  // plaintext accepted is under the ciphertext it becomes
    CHECK(pair.server->pending_ciphertext() <= limit);
    CHECK(pair.server->writable() == 0);
    CHECK(pair.server->write_plaintext(block) == 0);
    CHECK_FALSE(pair.server->failed());
  }
}

TEST_CASE("backpressure: taking ciphertext out makes room; all data still arrives in order") {
  const size_t limit = 8192;
  SessionPair pair(make_client_context(client_settings()), make_server_context(server_settings()), "localhost", {},
                   SessionLimits{.max_pending_ciphertext = limit});
  REQUIRE(pair.handshake());
  std::string sent;
  for (int i = 0; i < 3000; ++i) sent += "line " + std::to_string(i) + "\n";
  size_t offset = 0;
  int stalls = 0;
  while (offset < sent.size()) {
    size_t taken = pair.server->write_plaintext(std::string_view(sent).substr(offset));
    offset += taken;
    CHECK(pair.server->pending_ciphertext() <= limit);
    if (taken == 0) {
      ++stalls;
      REQUIRE(stalls < 1000);
      pair.pump();  // the "socket" drains
      CHECK(pair.server->writable() > 0);
    }
  }
  pair.pump();
  CHECK(stalls > 1);  // the bound really was hit
  CHECK(pair.client_received == sent);
  CHECK(pair.most_pending_seen <= limit);
}

TEST_CASE("backpressure: writable() is what write_plaintext takes in one call") {
  SessionPair pair(make_client_context(client_settings()), make_server_context(server_settings()), "localhost", {},
                   SessionLimits{.max_pending_ciphertext = 20000});
  REQUIRE(pair.handshake());
  const size_t room = pair.client->writable();
  CHECK(room > 0);
  CHECK(room < 20000);
  const std::string big(100000, 'q');
  CHECK(pair.client->write_plaintext(big) <= room);
  CHECK(pair.client->pending_ciphertext() <= 20000);
}
