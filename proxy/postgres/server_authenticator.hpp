// Answers a PostgreSQL server's authentication requests on behalf of a
// ServerLogin (clear-text, md5, SCRAM-SHA-256 with a password or with keys
// passed through from a client's own SCRAM exchange), with SCRAM-SHA-256-PLUS
// channel binding over TLS as [backend.tls] channel_binding asks. Sans I/O: payload of
// an 'R' message in, bytes to send (or the reason it cannot) out. Used by
// pooled server connections and by the auth_query lookup.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "conf/tls_config.hpp"
#include "pgwire/message.hpp"
#include "pgwire/scram.hpp"
#include "proxy/postgres/server_connection.hpp"

namespace sy::postgres {

// What SCRAM can bind to on the connection being logged in, and whether it must.
struct ServerChannel {
  conf::ChannelBinding binding = conf::ChannelBinding::prefer;  // [backend.tls] channel_binding
  bool tls = false;
  // tls-server-end-point (RFC 5929) of the server's certificate; empty over
  // TLS when its signature algorithm defines no hash (Ed25519, Ed448).
  std::string end_point;
};

class ServerAuthenticator {
 public:
  explicit ServerAuthenticator(const ServerLogin& login, ServerChannel channel = {})
      : login_(login), channel_(std::move(channel)) {}

  struct Step {
    bool ok = true;
    std::string reply;      // to send; may be empty (e.g. AuthenticationOk)
    std::string error;      // why not, when !ok
    std::string mechanism;  // the SASL mechanism this step chose, for a log line; "" otherwise
    // What the waiting clients are told when !ok: a wrong password, or (channel
    // binding required and impossible) a connection that does not qualify.
    pgwire::SqlState state = pgwire::sqlstate::invalid_password;
  };
  // `payload` is the body of an Authentication ('R') message.
  Step answer(std::string_view payload);

 private:
  Step start_scram(pgwire::PayloadReader& mechanisms);
  // Why channel_binding = "require" cannot be met here; "" when it can.
  std::string binding_unavailable(bool server_offers_plus) const;

  const ServerLogin& login_;
  ServerChannel channel_;
  std::unique_ptr<pgwire::ScramClient> scram_;
  bool bound_ = false;  // the SCRAM-SHA-256-PLUS exchange succeeded
};

}  // namespace sy::postgres
