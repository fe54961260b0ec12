// The in-memory client/server pump used by every TLS session test.
#include "tests/unit/tls/session_pair.hpp"

#include <doctest/doctest.h>

#include <algorithm>

namespace sy::tls::testing {

ServerSettings server_settings() {
  ServerSettings settings;
  settings.certificate = test_pki().server;
  return settings;
}

ClientSettings client_settings() {
  ClientSettings settings;
  settings.ca = test_pki().ca_cert;
  settings.verify = ServerVerification::full;
  return settings;
}

std::shared_ptr<const ServerContext> make_server_context(const ServerSettings& settings, ExpiredCertificates expired) {
  Created<ServerContext> created = ServerContext::create(settings, expired);
  INFO("ServerContext::create: ", created.error);
  REQUIRE(created);
  return created.context;
}

std::shared_ptr<const ClientContext> make_client_context(const ClientSettings& settings, ExpiredCertificates expired) {
  Created<ClientContext> created = ClientContext::create(settings, expired);
  INFO("ClientContext::create: ", created.error);
  REQUIRE(created);
  return created.context;
}

SessionPair::SessionPair(std::shared_ptr<const ClientContext> client_context,
                         std::shared_ptr<const ServerContext> server_context, std::string host,
                         const SavedSession& resume, SessionLimits limits)
    : client(TlsSession::connect(std::move(client_context), host, resume, limits)),
      server(TlsSession::accept(std::move(server_context), limits)) {}

SessionPair::SessionPair(std::unique_ptr<TlsSession> client_session,
                         std::shared_ptr<const ServerContext> server_context)
    : client(std::move(client_session)), server(TlsSession::accept(std::move(server_context))) {}

size_t move_ciphertext(TlsSession& from, TlsSession& to, std::string& to_received, bool& to_saw_close, size_t chunk) {
  std::string bytes;
  from.take_ciphertext(bytes);
  size_t moved = 0;
  char buffer[4096];
  do {
    size_t size = std::min(chunk, bytes.size() - moved);
    to.feed_ciphertext(std::string_view(bytes).substr(moved, size));
    moved += size;
    for (;;) {
      ReadResult read = to.read_plaintext(buffer);
      if (read.status == ReadStatus::data) {
        to_received.append(buffer, read.bytes);
        continue;
      }
      if (read.status == ReadStatus::closed) to_saw_close = true;
      break;
    }
  } while (moved < bytes.size());
  return moved;
}

size_t SessionPair::pump(int max_rounds) {
  size_t total = 0;
  for (int round = 0; round < max_rounds; ++round) {
    most_pending_seen = std::max({most_pending_seen, client->pending_ciphertext(), server->pending_ciphertext()});
    size_t moved = move_ciphertext(*client, *server, server_received, server_saw_close, chunk);
    most_pending_seen = std::max(most_pending_seen, server->pending_ciphertext());
    moved += move_ciphertext(*server, *client, client_received, client_saw_close, chunk);
    total += moved;
    if (moved == 0) break;
  }
  return total;
}

bool SessionPair::handshake() {
  for (int round = 0; round < 20; ++round) {
    if (client->handshake_done() && server->handshake_done()) break;
    if (client->failed() || server->failed()) break;
    if (pump(1) == 0) break;
  }
  pump();  // post-handshake messages (TLS 1.3 tickets)
  return client->handshake_done() && server->handshake_done();
}

}  // namespace sy::tls::testing
