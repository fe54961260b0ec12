// A client's way in: the startup packet (SSL and GSS encryption politely
// declined, cancel requests routed to the worker that owns the key), the
// password exchange the database allows (SCRAM-SHA-256, md5, password,
// trust), and the login answer with the pool's server parameters.
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "pgwire/backend_messages.hpp"
#include "pgwire/md5_auth.hpp"
#include "pgwire/message.hpp"
#include "pgwire/startup.hpp"
#include "pgwire/startup_options.hpp"
#include "proxy/core/log.hpp"
#include "proxy/core/log_guard.hpp"
#include "proxy/core/worker.hpp"
#include "proxy/postgres/auth_query.hpp"
#include "proxy/postgres/client_connection.hpp"
#include "proxy/postgres/postgres_front.hpp"
#include "proxy/postgres/server_connection.hpp"
#include "proxy/postgres/worker_pool.hpp"

namespace sy::postgres {
namespace {

bool equal_secret(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string password_failed(std::string_view user) {
  return "password authentication failed for user \"" + std::string(user) + "\"";
}

}  // namespace

StreamVerdict ClientConnection::on_startup_bytes() {
  while (state_ == State::startup) {
    auto scan = pgwire::scan_startup(startup_buffer_);
    if (scan.status == pgwire::StartupScanStatus::need_more) return StreamVerdict::proceed;
    if (scan.status == pgwire::StartupScanStatus::malformed) {
      fail(pgwire::sqlstate::protocol_violation, "invalid length of startup packet");
      return StreamVerdict::close;
    }
    std::string packet = startup_buffer_.substr(0, scan.length);
    startup_buffer_.erase(0, scan.length);
    StreamVerdict verdict = handle_startup(packet);
    if (verdict == StreamVerdict::close) return verdict;
  }
  // Bytes after the startup packet belong to the framed phase.
  if (!startup_buffer_.empty()) {
    std::string rest = std::move(startup_buffer_);
    startup_buffer_.clear();
    core::WriteBatch copy(worker_.message_buffers());
    copy.add(rest);
    for (auto& slice : copy.take()) stream_.push(std::move(slice));
    process_input();
  }
  return StreamVerdict::proceed;
}

StreamVerdict ClientConnection::handle_startup(std::string_view packet) {
  pgwire::StartupPacket startup;
  std::string error;
  if (!pgwire::parse_startup(packet, startup, error)) {
    fail(pgwire::sqlstate::protocol_violation, error);
    return StreamVerdict::close;
  }
  switch (startup.kind) {
    case pgwire::StartupKind::ssl_request:
      if (socket_->transport()) {
        fail(pgwire::sqlstate::protocol_violation, "SSLRequest on a connection that is already encrypted");
        return StreamVerdict::close;
      }
      if (ssl_requested_) {
        fail(pgwire::sqlstate::protocol_violation, "protocol violation: a second SSLRequest");
        return StreamVerdict::close;
      }
      ssl_requested_ = true;
      if (!tls_.context) {
        output_.add("N");  // not offered: the client goes on in plain text or gives up
        return StreamVerdict::proceed;
      }
      // Bytes sent behind the SSLRequest, before the handshake, would be
      // taken as if encrypted (CVE-2021-23214): refused.
      if (!startup_buffer_.empty()) {
        fail(pgwire::sqlstate::protocol_violation, "received unencrypted data after SSL request");
        return StreamVerdict::close;
      }
      output_.add("S");
      flush();  // the 'S' goes out in plaintext, before the transport is in place
      start_tls({});
      return StreamVerdict::proceed;
    case pgwire::StartupKind::gssenc_request:
      if (gssenc_requested_) {
        fail(pgwire::sqlstate::protocol_violation, "protocol violation: a second GSSENCRequest");
        return StreamVerdict::close;
      }
      gssenc_requested_ = true;
      output_.add("N");  // GSSAPI encryption is not offered: the client goes on with SSL or in plaintext
      return StreamVerdict::proceed;
    case pgwire::StartupKind::cancel_request: {
      unsigned target = PostgresFront::worker_of(startup.cancel_process_id);
      const auto& peers = worker_.peers();
      if (target < peers.size()) {
        core::Worker* worker = peers[target];
        int32_t pid = startup.cancel_process_id, key = startup.cancel_secret_key;
        worker->post([worker, pid, key] { PostgresFront::of(*worker).cancel(pid, key); });
      }
      close("cancel request handled");
      return StreamVerdict::close;
    }
    case pgwire::StartupKind::startup:
      if (tls_.required && !socket_->transport()) {
        fail(pgwire::sqlstate::invalid_authorization,
             "this listener accepts only TLS connections: connect with sslmode=require (or verify-full)");
        return StreamVerdict::close;
      }
      break;
  }
  user_ = std::string(startup.parameter("user"));
  database_ = std::string(startup.parameter("database"));
  if (database_.empty()) database_ = user_;
  const conf::Config& config = *worker_.snapshot()->config;
  for (const auto& [name, value] : startup.parameters) {
    if (name == "user" || name == "database" || name == "options" || name == "replication") continue;
    if (is_ignored_parameter(name, config.postgres)) continue;
    startup_parameters_.emplace_back(std::string(name), std::string(value));
  }
  if (auto refused = take_startup_options(startup.parameter("options"), config.postgres)) {
    fail(pgwire::sqlstate::protocol_violation, "unsupported startup parameter in options: " + core::printable(*refused, 64));
    return StreamVerdict::close;
  }
  const conf::Database* database = config.find_database(database_);
  if (!database) {
    fail(pgwire::sqlstate::invalid_catalog_name, "database \"" + database_ + "\" does not exist");
    return StreamVerdict::close;
  }
  if (startup.parameter("replication").size() && startup.parameter("replication") != "false") {
    fail(pgwire::sqlstate::feature_not_supported, "replication connections are not supported");
    return StreamVerdict::close;
  }
  if (!try_acquire(front_.shared().clients(), config.postgres.max_client_conn)) {
    fail(pgwire::sqlstate::too_many_connections, "no more connections allowed (max_client_conn)");
    return StreamVerdict::close;
  }
  counted_global_ = true;
  if (!try_acquire(front_.shared().database(database_).clients, database->max_client_conn)) {
    fail(pgwire::sqlstate::too_many_connections,
         "no more connections allowed for database \"" + database_ + "\" (max_client_conn)");
    return StreamVerdict::close;
  }
  counted_database_ = true;
  set_state(State::authenticating);
  begin_authentication();
  return state_ == State::closing ? StreamVerdict::close : StreamVerdict::proceed;
}

// `options` settings become startup parameters when each one is tracked,
// so they are re-applied on whichever server connection serves the client.
// A client must not believe a setting is in force that is not, so anything
// else is refused, unless the operator chose to drop it: by its name, or all
// of what cannot be applied by listing "options" itself.
std::optional<std::string> ClientConnection::take_startup_options(std::string_view options,
                                                                  const conf::PostgresGlobal& postgres) {
  if (options.empty()) return std::nullopt;
  bool drop_unapplicable = is_ignored_parameter("options", postgres);
  auto parsed = pgwire::parse_startup_options(options);
  if (!parsed.unsupported.empty() && !drop_unapplicable) return parsed.unsupported;
  for (auto& [name, value] : parsed.settings) {
    if (is_tracked(name, postgres.track_parameters)) {
      startup_parameters_.emplace_back(std::move(name), std::move(value));
    } else if (!drop_unapplicable && !is_ignored_parameter(name, postgres)) {
      return name;
    }
  }
  return std::nullopt;
}

bool ClientConnection::is_ignored_parameter(std::string_view name, const conf::PostgresGlobal& postgres) {
  for (const auto& ignored : postgres.ignore_startup_parameters)
    if (same_parameter_name(ignored, name)) return true;
  return false;
}

void ClientConnection::begin_authentication() {
  const conf::Config& config = *worker_.snapshot()->config;
  if (auto found = find_credential(config, user_)) {
    credential_ = *found;
    request_password();
    return;
  }
  const std::string& auth_user = config.postgres.auth_user;
  const conf::Database& database = *config.find_database(database_);
  if (auth_user.empty() || auth_user == user_) {
    request_password();
    return;
  }
  // Not listed: ask the server (auth_query). Input waits until we know.
  auto server = worker_.pick_server(database.backend, 0, {});
  if (!server) {
    fail(pgwire::sqlstate::connection_failure, "no server available to look up user \"" + user_ + "\"");
    return;
  }
  const conf::User* lookup_user = config.find_user(auth_user);
  ServerLogin login{auth_user, database.dbname, lookup_user ? lookup_user->password : std::string(), std::nullopt,
                    std::nullopt};
  socket_->read_stop();
  looking_up_ = true;
  std::weak_ptr<bool> alive = alive_;
  run_auth_query(worker_, std::move(*server), std::move(login), config.postgres.auth_query, user_,
                 [this, alive](std::optional<std::string> password) {
                   if (alive.expired() || state_ == State::closing) return;
                   looking_up_ = false;
                   if (password) credential_ = Credential::from_stored(*password);
                   request_password();
                   flush();
                   socket_->read_start();
                   if (stream_.has_queued_input()) process_input();
                 });
}

void ClientConnection::request_password() {
  const conf::Config& config = *worker_.snapshot()->config;
  const conf::Database* database_settings = config.find_database(database_);
  if (!database_settings) {
    fail(pgwire::sqlstate::invalid_catalog_name, "database \"" + database_ + "\" does not exist");
    return;
  }
  const conf::Database& database = *database_settings;
  auto method = choose_auth_method(database.auth, credential_);
  if (!method) {
    // Unknown user or a credential no allowed method can use: go through the
    // motions of the first password method, then fail as a wrong password
    // would, so nobody learns which users exist.
    credential_ = Credential{};
    for (conf::AuthMethod allowed : database.auth) {
      if (allowed == conf::AuthMethod::trust) continue;
      method = allowed;
      break;
    }
    if (!method) {
      fail(pgwire::sqlstate::invalid_authorization, "no authentication method allowed for user \"" + user_ + "\"");
      return;
    }
  }
  auth_method_ = *method;
  std::string out;
  switch (auth_method_) {
    case conf::AuthMethod::trust:
      authentication_succeeded();
      return;
    case conf::AuthMethod::password:
      pgwire::append_authentication_cleartext(out);
      break;
    case conf::AuthMethod::md5:
      RAND_bytes(md5_salt_, sizeof md5_salt_);
      pgwire::append_authentication_md5(out, md5_salt_);
      break;
    case conf::AuthMethod::scram_sha_256: {
      pgwire::ScramVerifier verifier;
      if (credential_.kind == Credential::Kind::scram) verifier = *credential_.verifier;
      else if (credential_.kind == Credential::Kind::plain) verifier = front_.derived_verifier(credential_.secret);
      else verifier = front_.mock_verifier();  // fails at the proof, as intended
      // Over TLS, SCRAM-SHA-256-PLUS binds the exchange to our certificate
      // (channel_binding=require in libpq).
      std::string binding;
      if (const tls::TlsSession* session = tls_session()) {
        std::vector<uint8_t> hash = session->tls_server_end_point();
        binding.assign(hash.begin(), hash.end());
      }
      scram_ = std::make_unique<pgwire::ScramServer>(std::move(verifier), std::string_view(), std::move(binding));
      if (scram_->offers_plus())
        pgwire::append_authentication_sasl(out, {pgwire::kScramSha256Plus, pgwire::kScramSha256});
      else pgwire::append_authentication_sasl(out, {pgwire::kScramSha256});
      break;
    }
  }
  output_.add(out);
}

StreamVerdict ClientConnection::on_auth_message(std::string_view message) {
  if (looking_up_) return StreamVerdict::hold;  // nothing was asked yet
  if (message[0] != 'p') {
    fail(pgwire::sqlstate::protocol_violation,
         std::string("expected a password message, got message type '") + message[0] + "'");
    return StreamVerdict::close;
  }
  pgwire::PayloadReader reader(message.substr(pgwire::kHeaderSize));
  auto reject = [&] {
    fail(pgwire::sqlstate::invalid_password, password_failed(user_));
    return StreamVerdict::close;
  };
  switch (auth_method_) {
    case conf::AuthMethod::trust:
      return reject();
    case conf::AuthMethod::password: {
      std::string_view given = reader.cstring();
      if (!reader.ok()) return reject();
      bool ok = false;
      switch (credential_.kind) {
        case Credential::Kind::plain: ok = equal_secret(given, credential_.secret); break;
        case Credential::Kind::md5: ok = equal_secret(pgwire::md5_password_hash(given, user_), credential_.secret); break;
        case Credential::Kind::scram: {
          const auto& stored = *credential_.verifier;
          auto derived = pgwire::make_scram_verifier(given, stored.salt, stored.iterations);
          ok = CRYPTO_memcmp(derived.stored_key.data(), stored.stored_key.data(), stored.stored_key.size()) == 0;
          break;
        }
        case Credential::Kind::none: break;
      }
      if (!ok) return reject();
      // A clear-text password is as good as a configured one for the server.
      if (credential_.kind != Credential::Kind::plain) credential_ = Credential::from_stored(given);
      authentication_succeeded();
      return StreamVerdict::proceed;
    }
    case conf::AuthMethod::md5: {
      std::string_view response = reader.cstring();
      if (!reader.ok() || credential_.kind == Credential::Kind::none ||
          !pgwire::md5_verify(response, credential_.secret, user_, md5_salt_))
        return reject();
      authentication_succeeded();
      return StreamVerdict::proceed;
    }
    case conf::AuthMethod::scram_sha_256: {
      if (!scram_) return reject();
      pgwire::ScramResult result;
      if (!scram_started_) {
        scram_started_ = true;
        std::string_view mechanism = reader.cstring();
        int32_t length = reader.int32();
        std::string_view data = reader.rest();
        bool plus = mechanism == pgwire::kScramSha256Plus && scram_->offers_plus();
        if (!reader.ok() || (mechanism != pgwire::kScramSha256 && !plus) ||
            length != static_cast<int32_t>(data.size())) {
          fail(pgwire::sqlstate::protocol_violation, "invalid SASLInitialResponse");
          return StreamVerdict::close;
        }
        result = scram_->handle_client_first(data, plus);
        if (result.ok()) {
          std::string out;
          pgwire::append_authentication_sasl_continue(out, result.data);
          output_.add(out);
          return StreamVerdict::proceed;
        }
      } else {
        result = scram_->handle_client_final(reader.rest());
        if (result.ok() && credential_.kind != Credential::Kind::none) {
          std::string out;
          pgwire::append_authentication_sasl_final(out, result.data);
          output_.add(out);
          scram_client_key_ = scram_->client_key();
          authentication_succeeded();
          return StreamVerdict::proceed;
        }
      }
      if (result.status == pgwire::ScramStatus::auth_failed || result.ok()) return reject();
      fail(result.sqlstate(), result.error);
      return StreamVerdict::close;
    }
  }
  return reject();
}

void ClientConnection::authentication_succeeded() {
  scram_.reset();
  const conf::Database* settings = worker_.snapshot()->config->find_database(database_);
  if (!settings) {
    fail(pgwire::sqlstate::invalid_catalog_name, "database \"" + database_ + "\" does not exist");
    return;
  }
  pool_ = &front_.pool({database_, user_, settings->target});
  active_pool_ = pool_;
  ServerLogin login;
  login.user = user_;
  if (credential_.kind == Credential::Kind::plain || credential_.kind == Credential::Kind::md5)
    login.password = credential_.secret;
  if (credential_.kind == Credential::Kind::scram && scram_client_key_) {
    login.scram_client_key = scram_client_key_;
    login.scram_verifier = credential_.verifier;
  }
  if (settings->split_reads) front_.pool({database_, user_, conf::DatabaseTarget::prefer_replica}).remember_login(login);
  pool_->remember_login(std::move(login));
  std::string out;
  pgwire::append_authentication_ok(out);
  output_.add(out);
  if (pool_->login_parameters_known()) {
    send_login_answer();
    return;
  }
  set_state(State::logging_in);
  pool_->wait_for_login_parameters(*this);
}

void ClientConnection::on_login_ready() {
  if (state_ != State::logging_in) return;
  send_login_answer();
  flush();
  socket_->read_start();
  process_input();
}

void ClientConnection::send_login_answer() {
  const auto& extra = worker_.snapshot()->config->postgres.track_parameters;
  parameters_ = pool_->login_parameters();
  std::string out;
  for (const auto& [name, value] : startup_parameters_)
    if (is_tracked(name, extra) || parameters_.find(name)) parameters_.set(name, value);
  for (const auto& [name, value] : parameters_.items()) {
    // Parameters the server reports are the ones a client expects to hear of.
    if (pool_->login_parameters().find(name)) pgwire::append_parameter_status(out, name, value);
  }
  front_.logged_in(*this);
  front_.register_client(*this, process_id_, secret_key_);
  pgwire::append_backend_key_data(out, process_id_, secret_key_);
  pgwire::append_ready_for_query(out, 'I');
  output_.add(out);
  set_state(State::idle);
  startup_parameters_ = {};  // applied; an idle client keeps only what it needs
}

}  // namespace sy::postgres
