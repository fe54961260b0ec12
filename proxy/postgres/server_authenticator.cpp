// Server authentication answers; see server_authenticator.hpp.
#include "proxy/postgres/server_authenticator.hpp"

#include "pgwire/backend_messages.hpp"
#include "pgwire/md5_auth.hpp"

namespace sy::postgres {
namespace {

constexpr std::string_view kRequireIs = "[backend.tls] channel_binding = \"require\", but ";

ServerAuthenticator::Step binding_refused(std::string reason) {
  return {false, {}, std::string(kRequireIs) + reason, {}, pgwire::sqlstate::connection_failure};
}

}  // namespace

std::string ServerAuthenticator::binding_unavailable(bool server_offers_plus) const {
  if (!channel_.tls) return "the connection to the server is not TLS";
  if (!server_offers_plus)
    return "the server does not offer SCRAM-SHA-256-PLUS (a pooler or proxy in between that terminates TLS?)";
  if (channel_.end_point.empty())
    return "the server certificate's signature algorithm defines no tls-server-end-point hash (RFC 5929), e.g. "
           "Ed25519";
  return {};
}

ServerAuthenticator::Step ServerAuthenticator::answer(std::string_view payload) {
  pgwire::PayloadReader reader(payload);
  int32_t code = reader.int32();
  auto refuse = [](std::string reason) { return Step{false, {}, std::move(reason)}; };
  const bool required = channel_.binding == conf::ChannelBinding::require;
  Step step;
  switch (code) {
    case pgwire::auth_code::ok:
      // Trust, or a server that skipped the exchange: with require, as libpq does,
      // a login that was not bound to the channel is not accepted.
      if (required && !bound_)
        return binding_refused("the server let switchyard in without channel binding "
                                                "(trust or another method without SCRAM in pg_hba.conf?)");
      return step;
    case pgwire::auth_code::cleartext_password:
      if (required)
        return binding_refused("the server asks for a clear-text password, which has no channel "
                                                "binding");
      if (login_.password.empty() || pgwire::is_md5_password_hash(login_.password))
        return refuse("server asks for a clear-text password for user \"" + login_.user + "\" and none is configured");
      pgwire::MessageBuilder(step.reply, 'p').cstring(login_.password);
      return step;
    case pgwire::auth_code::md5_password: {
      if (required)
        return binding_refused("the server asks for md5 authentication, which has no channel "
                                                "binding");
      std::string_view salt = reader.bytes(4);
      if (!reader.ok()) return refuse("malformed md5 request");
      if (login_.password.empty())
        return refuse("server asks for an md5 password for user \"" + login_.user + "\" and none is known");
      pgwire::MessageBuilder(step.reply, 'p')
          .cstring(pgwire::md5_response(login_.password, login_.user, reinterpret_cast<const uint8_t*>(salt.data())));
      return step;
    }
    case pgwire::auth_code::sasl:
      return start_scram(reader);
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
      bound_ = scram_->channel_bound();
      return step;
    default:
      return refuse("server asks for authentication method " + std::to_string(code) +
                    ", which switchyard does not support");
  }
}

// AuthenticationSASL: the mechanisms the server offers, then the client-first-message.
ServerAuthenticator::Step ServerAuthenticator::start_scram(pgwire::PayloadReader& reader) {
  auto refuse = [](std::string reason) { return Step{false, {}, std::move(reason)}; };
  bool offers_scram = false;
  bool offers_plus = false;
  for (std::string_view mechanism = reader.cstring(); reader.ok() && !mechanism.empty(); mechanism = reader.cstring()) {
    if (mechanism == pgwire::kScramSha256) offers_scram = true;
    if (mechanism == pgwire::kScramSha256Plus) offers_plus = true;
  }
  const bool can_bind = channel_.tls && !channel_.end_point.empty();
  const bool bind = channel_.binding != conf::ChannelBinding::disable && can_bind && offers_plus;
  if (channel_.binding == conf::ChannelBinding::require && !bind) return binding_refused(binding_unavailable(offers_plus));
  if (!bind && !offers_scram) return refuse("server offers no SASL mechanism switchyard supports");

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
  if (bind) {
    scram_->use_channel_binding(channel_.end_point);
  } else if (can_bind && channel_.binding != conf::ChannelBinding::disable) {
    // We could bind but the server did not offer -PLUS: say so ("y"), so that
    // a server that does support it detects the offer was stripped on the way.
    scram_->could_bind_but_server_cannot();
  }
  auto first = scram_->client_first_message();
  if (!first.ok()) return refuse(first.error);
  Step step;
  step.mechanism = bind ? pgwire::kScramSha256Plus : pgwire::kScramSha256;
  pgwire::MessageBuilder(step.reply, 'p')
      .cstring(step.mechanism)
      .int32(static_cast<int32_t>(first.data.size()))
      .bytes(first.data);
  return step;
}

}  // namespace sy::postgres
