// Logging in to a PostgreSQL server: the startup packet, then whatever
// authentication the server asks for, then its parameters and key.
#include "pgwire/backend_messages.hpp"
#include "pgwire/message.hpp"
#include "pgwire/startup.hpp"
#include "proxy/core/log.hpp"
#include "proxy/core/log_guard.hpp"
#include "proxy/core/tls_transport.hpp"
#include "proxy/postgres/postgres_front.hpp"
#include "proxy/postgres/server_authenticator.hpp"
#include "proxy/postgres/server_connection.hpp"
#include "proxy/postgres/worker_pool.hpp"

namespace sy::postgres {

void ServerConnection::send_startup() {
  socket_->write(pgwire::build_startup({{"user", login_.user}, {"database", login_.database}}));
}

void ServerConnection::login_failed(std::string_view reason) {
  log::warn("postgres pool ", core::printable(pool_.database_name()), "/", core::printable(pool_.user_name()), ": login to ", pick_.backend->name(), "/",
            pick_.server().name(), " failed: ", core::printable(reason, 512));
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
      authenticator_.reset();
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

// What SCRAM may bind to: the TLS under this connection, if any, and what
// [backend.tls] channel_binding asks (the backend as it was when picked).
ServerChannel ServerConnection::channel() const {
  ServerChannel channel;
  const conf::BackendTls& settings = pick_.backend->config->tls;
  if (settings.enabled) channel.binding = settings.channel_binding;
  if (auto* tls = dynamic_cast<const core::TlsTransport*>(socket_->transport())) {
    channel.tls = true;
    std::vector<uint8_t> end_point = tls->session().tls_server_end_point();
    channel.end_point.assign(end_point.begin(), end_point.end());
  }
  return channel;
}

// Answers one Authentication request; false when it cannot (then closed).
bool ServerConnection::answer_authentication(std::string_view payload) {
  if (!authenticator_) authenticator_ = std::make_unique<ServerAuthenticator>(login_, channel());
  auto step = authenticator_->answer(payload);
  if (!step.ok) {
    login_failed(step.error);
    pool_.server_failed(*this, step.state, step.error);
    close(step.error);
    return false;
  }
  if (!step.mechanism.empty())
    log::debug("postgres server ", pick_.backend->name(), "/", pick_.server().name(), ": logging in as \"",
               core::printable(login_.user), "\" with ", step.mechanism);
  if (!step.reply.empty()) socket_->write(std::move(step.reply));
  return true;
}

}  // namespace sy::postgres
