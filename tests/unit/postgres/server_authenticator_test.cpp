// ServerAuthenticator's channel binding choices, at the function level:
// which SASL mechanism and gs2 header the SASLInitialResponse carries for
// each [backend.tls] channel_binding and what the server offers (the "y"
// flag when switchyard could bind but the server offered no -PLUS), and
// that channel_binding = "require" refuses every login that cannot be bound
// with SQLSTATE 08006 and a reason.
#include <doctest/doctest.h>

#include <string>

#include "pgwire/backend_messages.hpp"
#include "pgwire/message.hpp"
#include "pgwire/sqlstate.hpp"
#include "proxy/postgres/server_authenticator.hpp"

using namespace sy;
using postgres::ServerAuthenticator;
using postgres::ServerChannel;

namespace {

constexpr std::string_view kEndPoint = "\x01\x02 tls-server-end-point hash \x03";

postgres::ServerLogin login() {
  postgres::ServerLogin login;
  login.user = "app";
  login.database = "app";
  login.password = "secret";
  return login;
}

ServerChannel tls_channel(conf::ChannelBinding binding, std::string end_point = std::string(kEndPoint)) {
  return ServerChannel{binding, true, std::move(end_point)};
}

// The payload of an Authentication ('R') message, without type and length.
std::string payload_of(const std::string& message) { return message.substr(pgwire::kHeaderSize); }

std::string sasl_offer(std::initializer_list<std::string_view> mechanisms) {
  std::string message;
  pgwire::append_authentication_sasl(message, mechanisms);
  return payload_of(message);
}

struct InitialResponse {
  std::string mechanism;
  std::string client_first;  // gs2 header + client-first-message-bare
};

// Reads a SASLInitialResponse ('p': mechanism, int32 length, data).
InitialResponse read_initial_response(const std::string& reply) {
  REQUIRE(reply.size() > pgwire::kHeaderSize);
  REQUIRE(reply[0] == 'p');
  pgwire::PayloadReader reader(std::string_view(reply).substr(pgwire::kHeaderSize));
  InitialResponse response;
  response.mechanism = std::string(reader.cstring());
  int32_t length = reader.int32();
  response.client_first = std::string(reader.bytes(size_t(length)));
  REQUIRE(reader.ok());
  REQUIRE(reader.at_end());
  return response;
}

InitialResponse first_step(ServerChannel channel, std::initializer_list<std::string_view> offered) {
  postgres::ServerLogin credentials = login();
  ServerAuthenticator authenticator(credentials, std::move(channel));
  ServerAuthenticator::Step step = authenticator.answer(sasl_offer(offered));
  INFO(step.error);
  REQUIRE(step.ok);
  InitialResponse response = read_initial_response(step.reply);
  CHECK(response.mechanism == step.mechanism);
  return response;
}

}  // namespace

TEST_CASE("server SCRAM: over TLS, a server offering only SCRAM-SHA-256 gets the gs2 flag y") {
  InitialResponse response = first_step(tls_channel(conf::ChannelBinding::prefer), {pgwire::kScramSha256});
  CHECK(response.mechanism == "SCRAM-SHA-256");
  CHECK(response.client_first.starts_with("y,,n="));
}

TEST_CASE("server SCRAM: -PLUS offered over TLS is chosen, with the tls-server-end-point header") {
  InitialResponse response =
      first_step(tls_channel(conf::ChannelBinding::prefer), {pgwire::kScramSha256Plus, pgwire::kScramSha256});
  CHECK(response.mechanism == "SCRAM-SHA-256-PLUS");
  CHECK(response.client_first.starts_with("p=tls-server-end-point,,n="));
}

TEST_CASE("server SCRAM: n when switchyard cannot or must not bind") {
  SUBCASE("channel_binding = disable, -PLUS offered") {
    InitialResponse response =
        first_step(tls_channel(conf::ChannelBinding::disable), {pgwire::kScramSha256Plus, pgwire::kScramSha256});
    CHECK(response.mechanism == "SCRAM-SHA-256");
    CHECK(response.client_first.starts_with("n,,n="));
  }
  SUBCASE("channel_binding = disable, only SCRAM-SHA-256 offered: no y either") {
    InitialResponse response = first_step(tls_channel(conf::ChannelBinding::disable), {pgwire::kScramSha256});
    CHECK(response.client_first.starts_with("n,,n="));
  }
  SUBCASE("no TLS under the connection") {
    InitialResponse response = first_step(ServerChannel{conf::ChannelBinding::prefer, false, {}}, {pgwire::kScramSha256});
    CHECK(response.client_first.starts_with("n,,n="));
  }
  SUBCASE("TLS, but the certificate defines no end-point hash (Ed25519)") {
    InitialResponse response =
        first_step(tls_channel(conf::ChannelBinding::prefer, ""), {pgwire::kScramSha256Plus, pgwire::kScramSha256});
    CHECK(response.mechanism == "SCRAM-SHA-256");
    CHECK(response.client_first.starts_with("n,,n="));
  }
}

TEST_CASE("server SCRAM: channel_binding = require refuses every login it cannot bind, with 08006") {
  postgres::ServerLogin credentials = login();
  auto refused = [&](ServerChannel channel, const std::string& payload) {
    ServerAuthenticator authenticator(credentials, std::move(channel));
    return authenticator.answer(payload);
  };
  auto check_refused = [](const ServerAuthenticator::Step& step, std::string_view why) {
    CHECK_FALSE(step.ok);
    CHECK(step.reply.empty());
    CHECK(step.state.code == pgwire::sqlstate::connection_failure.code);
    INFO(step.error);
    CHECK(step.error.starts_with("[backend.tls] channel_binding = \"require\", but "));
    CHECK(step.error.find(why) != std::string::npos);
  };
  const ServerChannel require = tls_channel(conf::ChannelBinding::require);

  std::string message;
  pgwire::append_authentication_ok(message);
  check_refused(refused(require, payload_of(message)), "without channel binding");
  message.clear();
  pgwire::append_authentication_cleartext(message);
  check_refused(refused(require, payload_of(message)), "clear-text password");
  message.clear();
  const uint8_t salt[4] = {1, 2, 3, 4};
  pgwire::append_authentication_md5(message, salt);
  check_refused(refused(require, payload_of(message)), "md5");
  check_refused(refused(require, sasl_offer({pgwire::kScramSha256})), "does not offer SCRAM-SHA-256-PLUS");
  check_refused(refused(ServerChannel{conf::ChannelBinding::require, false, {}},
                        sasl_offer({pgwire::kScramSha256Plus, pgwire::kScramSha256})),
                "not TLS");
  check_refused(refused(tls_channel(conf::ChannelBinding::require, ""),
                        sasl_offer({pgwire::kScramSha256Plus, pgwire::kScramSha256})),
                "tls-server-end-point");

  // The control: -PLUS offered over TLS is taken.
  ServerAuthenticator::Step bound = refused(require, sasl_offer({pgwire::kScramSha256Plus, pgwire::kScramSha256}));
  CHECK(bound.ok);
  CHECK(bound.mechanism == "SCRAM-SHA-256-PLUS");
}
