// Server authentication answers; see server_authenticator.hpp.
#include "proxy/postgres/server_authenticator.hpp"

#include "pgwire/backend_messages.hpp"
#include "pgwire/md5_auth.hpp"
#include "pgwire/message.hpp"

namespace sy::postgres {

ServerAuthenticator::Step ServerAuthenticator::answer(std::string_view payload) {
  pgwire::PayloadReader reader(payload);
  int32_t code = reader.int32();
  auto refuse = [](std::string reason) { return Step{false, {}, std::move(reason)}; };
  Step step;
  switch (code) {
    case pgwire::auth_code::ok:
      return step;
    case pgwire::auth_code::cleartext_password:
      if (login_.password.empty() || pgwire::is_md5_password_hash(login_.password))
        return refuse("server asks for a clear-text password for user \"" + login_.user + "\" and none is configured");
      pgwire::MessageBuilder(step.reply, 'p').cstring(login_.password);
      return step;
    case pgwire::auth_code::md5_password: {
      std::string_view salt = reader.bytes(4);
      if (!reader.ok()) return refuse("malformed md5 request");
      if (login_.password.empty())
        return refuse("server asks for an md5 password for user \"" + login_.user + "\" and none is known");
      pgwire::MessageBuilder(step.reply, 'p')
          .cstring(pgwire::md5_response(login_.password, login_.user, reinterpret_cast<const uint8_t*>(salt.data())));
      return step;
    }
    case pgwire::auth_code::sasl: {
      bool offered = false;
      for (std::string_view mechanism = reader.cstring(); reader.ok() && !mechanism.empty(); mechanism = reader.cstring())
        if (mechanism == pgwire::kScramSha256) offered = true;
      if (!offered) return refuse("server offers no SASL mechanism switchyard supports");
      bool plain = !login_.password.empty() && !pgwire::is_md5_password_hash(login_.password) &&
                   !login_.password.starts_with("SCRAM-SHA-256$");
      if (plain) {
        scram_ = std::make_unique<pgwire::ScramClient>(login_.password);
      } else if (login_.scram_client_key && login_.scram_verifier) {
        scram_ = std::make_unique<pgwire::ScramClient>(*login_.scram_client_key, *login_.scram_verifier);
      } else {
        return refuse("server asks for SCRAM for user \"" + login_.user +
                      "\"; switchyard needs its plain password (server_password) or the client to log in with SCRAM");
      }
      auto first = scram_->client_first_message();
      if (!first.ok()) return refuse(first.error);
      pgwire::MessageBuilder(step.reply, 'p')
          .cstring(pgwire::kScramSha256)
          .int32(static_cast<int32_t>(first.data.size()))
          .bytes(first.data);
      return step;
    }
    case pgwire::auth_code::sasl_continue: {
      if (!scram_) return refuse("unexpected SASL continue");
      auto final_message = scram_->handle_server_first(reader.rest());
      if (!final_message.ok()) return refuse(final_message.error);
      pgwire::MessageBuilder(step.reply, 'p').bytes(final_message.data);
      return step;
    }
    case pgwire::auth_code::sasl_final:
      if (!scram_ || !scram_->verify_server_final(reader.rest()))
        return refuse("server's SCRAM signature is wrong: " + (scram_ ? scram_->error() : std::string()));
      return step;
    default:
      return refuse("server asks for authentication method " + std::to_string(code) +
                    ", which switchyard does not support");
  }
}

}  // namespace sy::postgres
