// Logging in to a PostgreSQL server: the startup packet, then whatever
// authentication the server asks for, then its parameters and key.
#include "pgwire/backend_messages.hpp"
#include "pgwire/md5_auth.hpp"
#include "pgwire/message.hpp"
#include "pgwire/startup.hpp"
#include "proxy/core/log.hpp"
#include "proxy/postgres/postgres_front.hpp"
#include "proxy/postgres/server_connection.hpp"
#include "proxy/postgres/worker_pool.hpp"

namespace sy::postgres {

void ServerConnection::send_startup() {
  socket_->write(pgwire::build_startup({{"user", login_.user}, {"database", login_.database}}));
}

void ServerConnection::login_failed(std::string_view reason) {
  log::warn("postgres pool ", pool_.database_name(), "/", pool_.user_name(), ": login to ", pick_.backend->name(), "/",
            pick_.server().name(), " failed: ", reason);
}

StreamVerdict ServerConnection::on_login_message(std::string_view message) {
  char type = message[0];
  std::string_view payload = message.substr(pgwire::kHeaderSize);
  pgwire::PayloadReader reader(payload);
  switch (type) {
    case 'R':
      if (!answer_authentication(payload)) return StreamVerdict::close;
      return StreamVerdict::proceed;
    case 'S': {
      std::string_view name = reader.cstring();
      std::string_view value = reader.cstring();
      if (reader.ok()) parameters_.set(name, value);
      return StreamVerdict::proceed;
    }
    case 'K':
      backend_pid_ = reader.int32();
      backend_key_ = reader.int32();
      return StreamVerdict::proceed;
    case 'N':
      return StreamVerdict::proceed;
    case 'E': {
      auto fields = pgwire::parse_error_fields(payload);
      std::string text(fields.message);
      login_failed(text);
      // The waiting clients see the server's own reason (wrong password, no
      // such database...); the views are only used during the call.
      pgwire::SqlState state{fields.code.empty() ? pgwire::sqlstate::connection_failure.code : fields.code, ""};
      pool_.server_failed(*this, state, text);
      close("login refused: " + text);
      return StreamVerdict::close;
    }
    case 'Z':
      if (connect_timer_) {
        uv_timer_stop(connect_timer_);
        uv_close(reinterpret_cast<uv_handle_t*>(connect_timer_),
                 [](uv_handle_t* handle) { delete reinterpret_cast<uv_timer_t*>(handle); });
        connect_timer_ = nullptr;
      }
      scram_.reset();
      transaction_status_ = 'I';
      set_state(State::idle);
      idle_since_ = uv_now(pool_.front().worker().loop());
      pool_.server_logged_in(*this);
      return state_ == State::closing ? StreamVerdict::close : StreamVerdict::proceed;
    default:
      login_failed(std::string("unexpected message '") + type + "' during login");
      pool_.server_failed(*this, pgwire::sqlstate::protocol_violation, "unexpected message from server during login");
      close("protocol violation during login");
      return StreamVerdict::close;
  }
}

// Answers one Authentication request; false when it cannot (then closed).
bool ServerConnection::answer_authentication(std::string_view payload) {
  pgwire::PayloadReader reader(payload);
  int32_t code = reader.int32();
  auto refuse = [&](std::string reason) {
    login_failed(reason);
    pool_.server_failed(*this, pgwire::sqlstate::invalid_password, reason);
    close(reason);
    return false;
  };
  std::string out;
  switch (code) {
    case pgwire::auth_code::ok:
      return true;
    case pgwire::auth_code::cleartext_password:
      if (login_.password.empty() || pgwire::is_md5_password_hash(login_.password))
        return refuse("server asks for a clear-text password for user \"" + login_.user + "\" and none is configured");
      pgwire::MessageBuilder(out, 'p').cstring(login_.password);
      break;
    case pgwire::auth_code::md5_password: {
      std::string_view salt = reader.bytes(4);
      if (!reader.ok()) return refuse("malformed md5 request");
      if (login_.password.empty())
        return refuse("server asks for an md5 password for user \"" + login_.user + "\" and none is known");
      pgwire::MessageBuilder(out, 'p').cstring(
          pgwire::md5_response(login_.password, login_.user, reinterpret_cast<const uint8_t*>(salt.data())));
      break;
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
      pgwire::MessageBuilder(out, 'p')
          .cstring(pgwire::kScramSha256)
          .int32(static_cast<int32_t>(first.data.size()))
          .bytes(first.data);
      break;
    }
    case pgwire::auth_code::sasl_continue: {
      if (!scram_) return refuse("unexpected SASL continue");
      auto final_message = scram_->handle_server_first(reader.rest());
      if (!final_message.ok()) return refuse(final_message.error);
      pgwire::MessageBuilder(out, 'p').bytes(final_message.data);
      break;
    }
    case pgwire::auth_code::sasl_final:
      if (!scram_ || !scram_->verify_server_final(reader.rest()))
        return refuse("server's SCRAM signature is wrong: " + (scram_ ? scram_->error() : std::string()));
      return true;
    default:
      return refuse("server asks for authentication method " + std::to_string(code) +
                    ", which switchyard does not support");
  }
  socket_->write(std::move(out));
  return true;
}

}  // namespace sy::postgres
