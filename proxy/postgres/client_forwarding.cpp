// A logged-in client's requests: each message goes to the linked server
// connection, which the pool provides (at once or after a wait) when the
// client has none. Also what happens when that server goes away.
#include "pgwire/backend_messages.hpp"
#include "pgwire/message.hpp"
#include "pgwire/sql_classify.hpp"
#include "proxy/core/log.hpp"
#include "proxy/core/log_guard.hpp"
#include "proxy/core/worker.hpp"
#include "proxy/postgres/client_connection.hpp"
#include "proxy/postgres/postgres_front.hpp"
#include "proxy/postgres/server_connection.hpp"
#include "proxy/postgres/worker_pool.hpp"

namespace sy::postgres {

StreamVerdict ClientConnection::on_request(std::string_view message, const core::Slice* slice) {
  char type = message[0];
  if (type == 'X') {
    close("client terminated the session");
    return StreamVerdict::close;
  }
  if (skipping_to_sync_) {
    // As a server does after an error: the rest of the failed request is
    // dropped; its Sync (or the Query itself) ends it.
    if (type == 'Q' || type == 'S') {
      skipping_to_sync_ = false;
      std::string ready;
      pgwire::append_ready_for_query(ready, 'I');
      output_.add(ready);
    }
    return StreamVerdict::proceed;
  }
  if (transaction_lost_) {
    // The server died inside our transaction: the next Query or Sync learns
    // of it; extended-protocol messages before that Sync die with it.
    if (type == 'Q' || type == 'S') {
      transaction_lost_ = false;
      send_error(pgwire::sqlstate::connection_failure,
                 "server connection lost inside a transaction; the transaction was rolled back");
      std::string ready;
      pgwire::append_ready_for_query(ready, 'I');
      output_.add(ready);
    }
    return StreamVerdict::proceed;
  }
  if (!server_ && state_ == State::idle) {
    if (!read_batch_.empty() || starts_read_batch(message)) {
      // An extended-protocol batch that may be read-only: keep it until its
      // Sync tells (or a message shows it is not).
      active_pool_ = collect_read_batch(message);
      if (!active_pool_) return StreamVerdict::proceed;
    } else {
      if (answer_locally(message)) return StreamVerdict::proceed;
      active_pool_ = route(message);
      if (!active_pool_) return StreamVerdict::proceed;  // answered here (a deferred BEGIN's end)
    }
  }
  if (!server_) {
    if (state_ != State::waiting) {
      set_state(State::waiting);
      active_pool_->acquire(*this);  // may link at once (on_server_linked)
    }
    if (!server_) return StreamVerdict::hold;
  }
  if (deferred_begin_) {
    // The transaction's BEGIN was answered here; the server gets it now, first.
    server_->send_internal_query(*deferred_begin_);
    deferred_begin_.reset();
  }
  if (!read_batch_.empty()) {
    // The batch held while its route was decided goes first, in order.
    auto batch = std::move(read_batch_);
    read_batch_.clear();
    for (const auto& held : batch)
      if (!server_->forward_request(held, nullptr)) {
        fail(pgwire::sqlstate::protocol_violation, "unexpected message from client");
        return StreamVerdict::close;
      }
  }
  if (!server_->forward_request(message, slice)) {
    fail(pgwire::sqlstate::protocol_violation, std::string("unexpected message type '") + type + "' from client");
    return StreamVerdict::close;
  }
  // A query is a Query message or an extended-protocol batch ended by Sync.
  if (type == 'Q' || type == 'S') active_pool_->counters().queries.fetch_add(1, std::memory_order_relaxed);
  if (server_->socket_above_high_water()) {
    pause_reading();
    return StreamVerdict::stop;
  }
  return StreamVerdict::proceed;
}

// Between transactions, with no server linked, some requests need none:
// preparing a named statement (it is prepared on a server when first used),
// closing one, Sync and Flush. Answering them here saves a round trip, and
// keeps drivers that prepare synchronously (pgbench -M prepared) from
// waiting for a server while their other connections hold all of them.
bool ClientConnection::answer_locally(std::string_view message) {
  const conf::Database* settings = pool_->settings();
  if (!settings || settings->pool_mode == conf::PoolMode::session || settings->max_prepared_statements == 0)
    return false;
  char type = message[0];
  pgwire::PayloadReader reader(message.substr(pgwire::kHeaderSize));
  std::string out;
  switch (type) {
    case 'P': {
      std::string_view name = reader.cstring();
      if (!reader.ok() || name.empty()) return false;
      if (statement_limit_reached(name)) {
        // A BEGIN answered here would make the error abort a transaction:
        // the server's own error path (a linked server) handles that one.
        if (deferred_begin_) return false;
        append_statement_limit_error(out);
        output_.add(out);
        skipping_to_sync_ = true;  // as a server does after an error: the Sync gets ReadyForQuery
        return true;
      }
      statements_.bind_name(name, front_.statements().intern(reader.rest()));
      pgwire::MessageBuilder(out, '1');
      break;
    }
    case 'C': {
      uint8_t kind = reader.byte();
      std::string_view name = reader.cstring();
      if (!reader.ok() || kind != 'S' || name.empty()) return false;
      statements_.erase(name);
      pgwire::MessageBuilder(out, '3');
      break;
    }
    case 'S':
      pgwire::append_ready_for_query(out, deferred_begin_ ? 'T' : 'I');
      break;
    case 'H':
      return true;
    default:
      return false;
  }
  output_.add(out);
  return true;
}

// The statements a client names are kept here (not in a cache: the client
// may Bind any of them at any time), so their number is capped per client;
// the Parse past the cap fails as PostgreSQL fails one, and the session goes on.
bool ClientConnection::statement_limit_reached(std::string_view name) const {
  unsigned limit = worker_.snapshot()->config->postgres.max_client_prepared_statements;
  return statements_.size() >= limit && !statements_.find(name);
}

void ClientConnection::append_statement_limit_error(std::string& out) const {
  unsigned limit = worker_.snapshot()->config->postgres.max_client_prepared_statements;
  pgwire::append_error(out, pgwire::Severity::error, pgwire::sqlstate::configuration_limit_exceeded,
                       "too many prepared statements (limit " + std::to_string(limit) + ")");
}

// The pool a transaction starting with `message` goes to. With split_reads,
// read-only transactions and provably read-only autocommit SELECTs (simple
// protocol) go to the read pool; a plain BEGIN is answered here and the
// choice waits for the transaction's first statement (SET TRANSACTION READ
// ONLY sends it to a replica). Returns null when the message was answered
// here.
WorkerPool* ClientConnection::route(std::string_view message) {
  const conf::Database* settings = pool_->settings();
  if (!settings || !settings->split_reads || message[0] != 'Q') return pool_;
  pgwire::PayloadReader reader(message.substr(pgwire::kHeaderSize));
  std::string_view sql = reader.cstring();
  if (!reader.ok()) return pool_;
  auto kind = classify(sql);
  std::string out;
  if (deferred_begin_) {
    switch (kind) {
      case pgwire::StatementKind::set_transaction_read_only:
        return read_pool();
      case pgwire::StatementKind::commit:
      case pgwire::StatementKind::rollback:
        // An empty transaction: nothing to send anywhere.
        deferred_begin_.reset();
        pgwire::MessageBuilder(out, 'C').cstring(kind == pgwire::StatementKind::commit ? "COMMIT" : "ROLLBACK");
        pgwire::append_ready_for_query(out, 'I');
        output_.add(out);
        return nullptr;
      default:
        return pool_;
    }
  }
  switch (kind) {
    case pgwire::StatementKind::begin:
      deferred_begin_ = std::string(sql);
      pgwire::MessageBuilder(out, 'C').cstring("BEGIN");
      pgwire::append_ready_for_query(out, 'T');
      output_.add(out);
      return nullptr;
    case pgwire::StatementKind::begin_read_only:
    case pgwire::StatementKind::read_only_select:
      return read_pool();
    default:
      return pool_;
  }
}

pgwire::StatementKind ClientConnection::classify(std::string_view sql) const {
  const auto& extra = worker_.snapshot()->config->postgres.read_only_functions;
  std::vector<std::string_view> functions(extra.begin(), extra.end());
  return pgwire::classify_statement(sql, {functions});
}

// Where a read-only transaction goes: a replica (or the primary when none
// qualifies) — unless this client wrote within the read_your_writes window.
WorkerPool* ClientConnection::read_pool() {
  const conf::Database* settings = pool_->settings();
  uint64_t now = uv_now(worker_.loop());
  bool writes_recent = settings && settings->read_your_writes.count() > 0 && last_primary_transaction_at_ != 0 &&
                       now - last_primary_transaction_at_ < static_cast<uint64_t>(settings->read_your_writes.count());
  return writes_recent ? pool_ : &front_.pool({database_, user_, conf::DatabaseTarget::prefer_replica});
}

// With split_reads, an autocommit extended-protocol batch (Parse, Bind,
// Describe, Execute... Sync) may go to a replica if every statement it runs
// is read-only. Its messages are held (copied: they are small) until the
// Sync; the first one that is not provably read-only sends the batch to the
// primary at once.
bool ClientConnection::starts_read_batch(std::string_view message) const {
  if (deferred_begin_) return false;
  char type = message[0];
  if (type != 'P' && type != 'B') return false;
  const conf::Database* settings = pool_->settings();
  return settings && settings->split_reads;
}

// Returns the pool the batch goes to once decided, or null while still held.
WorkerPool* ClientConnection::collect_read_batch(std::string_view message) {
  char type = message[0];
  pgwire::PayloadReader reader(message.substr(pgwire::kHeaderSize));
  // A read-only SELECT, or the BEGIN READ ONLY that drivers such as
  // psycopg 3 send by the extended protocol.
  auto read_only = [&](std::string_view sql) {
    auto kind = classify(sql);
    return kind == pgwire::StatementKind::read_only_select || kind == pgwire::StatementKind::begin_read_only;
  };
  auto query_of = [](const StatementDefinition* definition) {
    return definition ? std::string_view(definition->body.c_str()) : std::string_view();
  };
  bool still_read_only = true;
  switch (type) {
    case 'P': {
      std::string_view name = reader.cstring();
      std::string_view sql = reader.cstring();
      still_read_only = reader.ok() && read_only(sql);
      if (still_read_only && name.empty()) batch_unnamed_query_ = std::string(sql);
      break;
    }
    case 'B': {
      reader.cstring();  // portal
      std::string_view name = reader.cstring();
      std::string_view sql;
      if (!reader.ok()) still_read_only = false;
      else if (!name.empty()) sql = query_of(statements_.find(name));
      else if (batch_unnamed_query_) sql = *batch_unnamed_query_;
      else sql = query_of(statements_.unnamed());
      still_read_only = still_read_only && !sql.empty() && read_only(sql);
      break;
    }
    case 'D':
    case 'E':
      break;
    case 'S':
      batch_unnamed_query_.reset();
      // The Sync itself goes through the normal path, after the batch.
      return read_pool();
    default:
      still_read_only = false;  // Flush, Close, COPY...: decide now, for the primary
      break;
  }
  if (!still_read_only) {
    batch_unnamed_query_.reset();
    return pool_;  // this message follows the batch through the normal path
  }
  read_batch_.emplace_back(message);
  return nullptr;
}

StreamVerdict ClientConnection::on_request_piece(std::string_view piece, const core::Slice* slice, bool first) {
  if (first && !server_) return StreamVerdict::hold;  // streamable() only while linked
  if (!server_) return StreamVerdict::close;          // lost mid-message: nothing to send it to
  server_->forward_piece(piece, slice);
  return StreamVerdict::proceed;
}

void ClientConnection::on_server_linked(ServerConnection& server) {
  bool was_waiting = state_ == State::waiting;
  server_ = &server;
  set_state(State::active);
  if (was_waiting) {
    uint64_t waited_ms = uv_now(worker_.loop()) - waiting_since_;
    active_pool_->counters().wait_time_us.fetch_add(waited_ms * 1000, std::memory_order_relaxed);
  }
  if (!processing_) {
    if (!reading_paused_) socket_->read_start();
    process_input();
  }
}

void ClientConnection::on_server_unlinked() {
  server_ = nullptr;
  if (state_ == State::closing) return;
  set_state(State::idle);
  active_pool_->counters().transactions.fetch_add(1, std::memory_order_relaxed);
  // Anything done on the primary may have written: reads follow it there
  // for a while (read_your_writes).
  if (active_pool_ == pool_) last_primary_transaction_at_ = uv_now(worker_.loop());
  if (worker_.shutting_down()) {
    fail(pgwire::sqlstate::admin_shutdown, "terminating connection due to administrator command");
    return;
  }
  if (!reading_paused_) socket_->read_start();
  if (stream_.has_queued_input() && !processing_) process_input();
}

void ClientConnection::on_wait_failed(pgwire::SqlState state, std::string_view message) {
  if (state_ != State::waiting) return;
  log::info("postgres client ", peer_, " user ", core::printable(user_), " database ", core::printable(database_), ": ",
            core::printable(message, 512), " (", state.code,
            "); the session goes on");
  // Whatever was answered or held here for this request goes with it.
  read_batch_.clear();
  batch_unnamed_query_.reset();
  deferred_begin_.reset();
  set_state(State::idle);
  send_error(state, message);
  skipping_to_sync_ = true;
  flush();
  if (!reading_paused_) socket_->read_start();
  if (stream_.has_queued_input() && !processing_) process_input();
}

void ClientConnection::on_server_lost(bool busy, bool in_transaction, const std::string& reason, pgwire::SqlState state,
                                      bool cut_mid_message) {
  server_ = nullptr;
  if (state_ == State::closing) return;
  if (cut_mid_message) {
    // The client has part of a row (or of COPY data) whose rest will never
    // come: an ErrorResponse now would be read as that rest. Only a close
    // tells it the truth.
    static thread_local core::LogRateLimit cut_log_limit(10);  // a dying server cuts many clients at once
    uint64_t suppressed = 0;
    if (cut_log_limit.allow(uv_now(worker_.loop()), suppressed))
      log::info("postgres client ", peer_, ": server connection lost in the middle of a message (", reason,
                "): closing the client", suppressed ? log::concat(" (", suppressed, " more not logged)") : std::string());
    close("server connection lost in the middle of a message: " + reason);
    return;
  }
  const conf::Database* settings = pool_ ? pool_->settings() : nullptr;
  if (!settings || settings->pool_mode == conf::PoolMode::session) {
    fail(state, "server connection lost: " + reason);
    return;
  }
  set_state(State::idle);
  if (busy) {
    // The request in flight fails; the client connection goes on.
    send_error(state, "server connection lost: " + reason);
    std::string ready;
    pgwire::append_ready_for_query(ready, 'I');
    output_.add(ready);
    flush();
  } else if (in_transaction) {
    transaction_lost_ = true;
  }
  if (!reading_paused_) socket_->read_start();
  if (stream_.has_queued_input() && !processing_) process_input();
}

}  // namespace sy::postgres
