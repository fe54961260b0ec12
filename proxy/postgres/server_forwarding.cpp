// A server connection serving its linked client: requests out (prepared
// statements renamed to the server's names, re-prepared where the server
// lacks them, answered locally where it has them), responses back through
// the ResponseQueue, and the moment the server is free again.
#include "pgwire/backend_messages.hpp"
#include "pgwire/message.hpp"
#include "proxy/core/log.hpp"
#include "proxy/postgres/client_connection.hpp"
#include "proxy/postgres/postgres_front.hpp"
#include "proxy/postgres/server_connection.hpp"
#include "proxy/postgres/worker_pool.hpp"

namespace sy::postgres {
namespace {

void add_message(core::WriteBatch& batch, std::string_view message, const core::Slice* slice) {
  if (slice) batch.add(*slice);
  else batch.add(message);
}

}  // namespace

void ServerConnection::link(ClientConnection& client) {
  client_ = &client;
  set_state(State::active);
  const auto& extra = pool_.front().worker().snapshot()->config->postgres.track_parameters;
  if (client.parameters().tracked_signature(extra) == parameters_.tracked_signature(extra)) return;
  std::string sql = parameter_sync_sql(client.parameters(), parameters_, extra);
  if (!sql.empty()) {
    send_internal_query(sql);
    // Parameters the server does not report are known only by what we set
    // (or reset).
    for (const auto& name : extra)
      if (!client.parameters().find(name)) parameters_.erase(name);
    for (const auto& [name, value] : client.parameters().items())
      if (is_tracked(name, extra)) parameters_.set(name, value);
  }
}

void ServerConnection::unlink() {
  client_ = nullptr;
  if (state_ == State::active) {
    set_state(State::idle);
    resume_reading();  // in case the old client's backpressure had paused it
  }
}

void ServerConnection::send_internal_query(std::string_view sql) {
  std::string message;
  pgwire::append_query(message, sql);
  output_.add(message);
  queue_.push({Expect::internal_query});
}

bool ServerConnection::ensure_statement(const StatementDefinition& definition) {
  if (statements_.contains(definition.key)) return true;
  const conf::Database* settings = pool_.settings();
  size_t capacity = settings ? settings->max_prepared_statements : 200;
  if (auto evicted = statements_.add(definition, capacity)) {
    output_.add(build_close_statement(*evicted));
    queue_.push({Expect::injected_close});
  }
  output_.add(build_parse(definition.server_name, definition.body));
  queue_.push({Expect::injected_parse, definition.key});
  return false;
}

// The client's unnamed statement, re-prepared first if this server's
// unnamed statement is another one (a different client's, or none).
void ServerConnection::ensure_unnamed_statement() {
  const StatementDefinition* definition = client_->statements().unnamed();
  if (!definition || definition->key == unnamed_key_) return;
  output_.add(build_parse("", definition->body));
  queue_.push({Expect::injected_parse});
  unnamed_key_ = definition->key;
}

bool ServerConnection::forward_request(std::string_view message, const core::Slice* slice) {
  char type = message[0];
  if (queue_.empty()) {
    busy_since_ = uv_now(pool_.front().worker().loop());
    idle_in_transaction_since_ = 0;
    cancel_sent_at_ = 0;
  }
  std::string_view payload = message.substr(pgwire::kHeaderSize);
  const conf::Database* settings = pool_.settings();
  // Session mode keeps one server per client: names need no translation.
  bool rename = settings && settings->pool_mode != conf::PoolMode::session && settings->max_prepared_statements > 0;
  switch (type) {
    case 'Q':
      if (rename) client_->statements().set_unnamed(nullptr);
      unnamed_key_ = 0;  // a simple Query replaces the unnamed statement
      queue_.push({Expect::query});
      break;
    case 'F':
      queue_.push({Expect::query});
      break;
    case 'S':
      queue_.push({Expect::sync});
      break;
    case 'E':
      queue_.push({Expect::execute});
      break;
    case 'H':
    case 'd':
    case 'c':
    case 'f':
      break;
    case 'P': {
      pgwire::PayloadReader reader(payload);
      std::string_view name = reader.cstring();
      if (!reader.ok()) return false;
      if (!rename) {
        queue_.push({Expect::parse});
        break;
      }
      if (name.empty()) {
        auto definition = pool_.front().statements().intern(reader.rest());
        unnamed_key_ = definition->key;
        client_->statements().set_unnamed(std::move(definition));
        queue_.push({Expect::parse});
        break;
      }
      if (client_->statement_limit_reached(name)) {
        // Sent on as a Parse the server cannot accept, so that the server
        // skips to Sync and fails the transaction as for its own error.
        output_.add(build_parse("sy_refused", std::string_view("switchyard refused this statement\0\0\0", 36)));
        queue_.push({Expect::refused_parse});
        return true;
      }
      auto definition = pool_.front().statements().intern(reader.rest());
      client_->statements().bind_name(name, definition);
      if (statements_.contains(definition->key)) {
        queue_.push({Expect::fake_parse_complete});
        return true;
      }
      if (auto evicted = statements_.add(*definition, settings->max_prepared_statements)) {
        output_.add(build_close_statement(*evicted));
        queue_.push({Expect::injected_close});
      }
      output_.add(build_parse(definition->server_name, definition->body));
      queue_.push({Expect::parse, definition->key});
      return true;
    }
    case 'B': {
      pgwire::PayloadReader reader(payload);
      std::string_view portal = reader.cstring();
      std::string_view statement = reader.cstring();
      if (!reader.ok()) return false;
      if (rename && statement.empty()) ensure_unnamed_statement();
      const StatementDefinition* definition =
          rename && !statement.empty() ? client_->statements().find(statement) : nullptr;
      if (!definition) {  // unnamed, or unknown: the server answers for it
        queue_.push({Expect::bind});
        break;
      }
      ensure_statement(*definition);  // re-prepares first where the server lacks it
      queue_.push({Expect::bind});
      output_.add(rename_bind(portal, reader.rest(), definition->server_name));
      return true;
    }
    case 'D':
    case 'C': {
      pgwire::PayloadReader reader(payload);
      uint8_t kind = reader.byte();
      std::string_view name = reader.cstring();
      if (!reader.ok() || (kind != 'S' && kind != 'P')) return false;
      bool named_statement = rename && kind == 'S' && !name.empty();
      if (type == 'C') {
        if (named_statement && client_->statements().erase(name)) {
          // The server keeps it for other clients; the client sees it closed.
          queue_.push({Expect::fake_close_complete});
          return true;
        }
        queue_.push({Expect::close});
        break;
      }
      if (rename && kind == 'S' && name.empty()) ensure_unnamed_statement();
      const StatementDefinition* definition = named_statement ? client_->statements().find(name) : nullptr;
      if (!definition) {
        queue_.push({Expect::describe});
        break;
      }
      ensure_statement(*definition);
      queue_.push({Expect::describe});
      output_.add(build_describe_statement(definition->server_name));
      return true;
    }
    default:
      return false;
  }
  add_message(output_, message, slice);
  return true;
}

void ServerConnection::forward_piece(std::string_view piece, const core::Slice* slice) { add_message(output_, piece, slice); }

void ServerConnection::emit_due_answers() {
  if (!client_) return;
  std::string answers;
  queue_.emit_due_answers(answers);
  if (!answers.empty()) client_->output().add(answers);
}

StreamVerdict ServerConnection::on_response(std::string_view message, const core::Slice* slice) {
  char type = message[0];
  std::string_view payload = message.substr(pgwire::kHeaderSize);
  emit_due_answers();
  bool internal = !queue_.empty() && queue_.front_kind() == Expect::internal_query;
  ResponseOutcome outcome = queue_.on_server_message(type);
  if (outcome.failed_statement) statements_.forget(outcome.failed_statement);
  if (type == 'E' && outcome.action == ResponseAction::forward && !internal) unnamed_key_ = 0;  // may not exist now
  if (type == 'S') {
    pgwire::PayloadReader reader(payload);
    std::string_view name = reader.cstring();
    std::string_view value = reader.cstring();
    if (reader.ok()) {
      parameters_.set(name, value);
      if (client_ && outcome.action == ResponseAction::forward) client_->parameters().set(name, value);
    }
  } else if (type == 'Z' && !payload.empty()) {
    transaction_status_ = payload[0];
    if (queue_.empty() && transaction_status_ != 'I')
      idle_in_transaction_since_ = uv_now(pool_.front().worker().loop());
  } else if (type == 'E' && internal) {
    log::warn("postgres server ", pick_.backend->name(), "/", pick_.server().name(),
              ": internal query failed: ", pgwire::parse_error_fields(payload).message);
  }
  switch (outcome.action) {
    case ResponseAction::forward:
      if (client_) {
        add_message(client_->output(), message, slice);
      } else if (type == 'E') {
        // An error nobody asked for: the server is terminating this session.
        close("server error while idle: " + std::string(pgwire::parse_error_fields(payload).message));
        return StreamVerdict::close;
      }
      break;
    case ResponseAction::swallow:
      break;
    case ResponseAction::refuse:
      if (client_) {
        std::string error;
        client_->append_statement_limit_error(error);
        client_->output().add(error);
      }
      break;
    case ResponseAction::unexpected:
      log::warn("postgres server ", pick_.backend->name(), "/", pick_.server().name(), ": unexpected message '", type,
                "' from the server; closing it");
      close("protocol desynchronized");
      return StreamVerdict::close;
  }
  emit_due_answers();
  if (client_ && client_->socket().above_high_water()) {
    pause_reading();
    return StreamVerdict::stop;  // the rest waits in the stream until the client drains
  }
  return StreamVerdict::proceed;
}

StreamVerdict ServerConnection::on_message_piece(std::string_view piece, const core::Slice* slice, bool first,
                                                 bool last) {
  if (first) {
    emit_due_answers();
    bool internal = !queue_.empty() && queue_.front_kind() == Expect::internal_query;
    ResponseOutcome outcome = queue_.on_server_message(piece[0]);
    if (outcome.action == ResponseAction::unexpected) {
      close("protocol desynchronized");
      return StreamVerdict::close;
    }
    streaming_swallowed_ = internal || !client_;
  }
  if (!streaming_swallowed_) add_message(client_->output(), piece, slice);
  (void)last;
  if (client_ && client_->socket().above_high_water()) {
    pause_reading();
    return StreamVerdict::stop;
  }
  return StreamVerdict::proceed;
}

void ServerConnection::after_responses() {
  if (!client_) return;
  ClientConnection* client = client_;
  client->flush();
  if (!queue_.empty()) return;
  const conf::Database* settings = pool_.settings();
  conf::PoolMode mode = settings ? settings->pool_mode : conf::PoolMode::session;
  if (mode == conf::PoolMode::session) return;
  if (mode == conf::PoolMode::statement && transaction_status_ != 'I') {
    client->fail(pgwire::sqlstate::feature_not_supported,
                 "transaction blocks are not allowed in statement pooling mode");
    return;
  }
  if (transaction_status_ == 'I') pool_.release(*this);
}

}  // namespace sy::postgres
