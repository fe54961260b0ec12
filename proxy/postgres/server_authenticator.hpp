// Answers a PostgreSQL server's authentication requests on behalf of a
// ServerLogin (clear-text, md5, SCRAM-SHA-256 with a password or with keys
// passed through from a client's own SCRAM exchange). Sans I/O: payload of
// an 'R' message in, bytes to send (or the reason it cannot) out. Used by
// pooled server connections and by the auth_query lookup.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "pgwire/scram.hpp"
#include "proxy/postgres/server_connection.hpp"

namespace sy::postgres {

class ServerAuthenticator {
 public:
  explicit ServerAuthenticator(const ServerLogin& login) : login_(login) {}

  struct Step {
    bool ok = true;
    std::string reply;   // to send; may be empty (e.g. AuthenticationOk)
    std::string error;   // why not, when !ok
  };
  // `payload` is the body of an Authentication ('R') message.
  Step answer(std::string_view payload);

 private:
  const ServerLogin& login_;
  std::unique_ptr<pgwire::ScramClient> scram_;
};

}  // namespace sy::postgres
