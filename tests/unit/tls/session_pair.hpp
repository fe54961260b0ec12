// Drives a client TlsSession against a server TlsSession in memory, the way
// the transport seam will over a socket pair: ciphertext moves in chunks of
// a chosen size, plaintext is read out after every feed.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "tests/unit/tls/test_pki.hpp"
#include "tls/context.hpp"
#include "tls/session.hpp"

namespace sy::tls::testing {

// Settings that work together: the server serves pki.server; the client
// trusts pki.ca_cert and verifies "localhost" fully.
ServerSettings server_settings();
ClientSettings client_settings();

// Creates the context and fails the current test (with the error) if it cannot.
std::shared_ptr<const ServerContext> make_server_context(const ServerSettings& settings,
                                                         ExpiredCertificates expired = ExpiredCertificates::refuse);
std::shared_ptr<const ClientContext> make_client_context(const ClientSettings& settings,
                                                         ExpiredCertificates expired = ExpiredCertificates::refuse);

struct SessionPair {
  std::unique_ptr<TlsSession> client;
  std::unique_ptr<TlsSession> server;
  std::string client_received;  // plaintext the client read
  std::string server_received;
  bool client_saw_close = false;  // read_plaintext() returned closed
  bool server_saw_close = false;
  size_t chunk = 1 << 20;  // most ciphertext bytes per feed
  size_t most_pending_seen = 0;  // the largest pending_ciphertext() observed on either side

  SessionPair(std::shared_ptr<const ClientContext> client_context, std::shared_ptr<const ServerContext> server_context,
              std::string host = "localhost", const SavedSession& resume = {}, SessionLimits limits = {});
  // A client session made by the caller (e.g. TlsSession::connect_cached) against a new server session.
  SessionPair(std::unique_ptr<TlsSession> client_session, std::shared_ptr<const ServerContext> server_context);

  // Moves ciphertext both ways and reads plaintext until nothing moves, or
  // `max_rounds` rounds. Returns the bytes moved.
  size_t pump(int max_rounds = 1000);
  // pump() until both handshakes are done or one side failed.
  bool handshake();
};

// Moves what `from` has pending into `to`, `chunk` bytes per feed, reading
// `to`'s plaintext after each feed. Returns the bytes moved.
size_t move_ciphertext(TlsSession& from, TlsSession& to, std::string& to_received, bool& to_saw_close, size_t chunk);

}  // namespace sy::tls::testing
