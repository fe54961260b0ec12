// A logged-in client's requests: each message goes to the linked server
// connection, which the pool provides (at once or after a wait) when the
// client has none. Also what happens when that server goes away.
#include "pgwire/backend_messages.hpp"
#include "pgwire/message.hpp"
#include "pgwire/sql_classify.hpp"
#include "proxy/core/log.hpp"
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
    if (answer_locally(message)) return StreamVerdict::proceed;
    active_pool_ = route(message);
    if (!active_pool_) return StreamVerdict::proceed;  // answered here (a deferred BEGIN's end)
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
  if (!server_->forward_request(message, slice)) {
    fail(pgwire::sqlstate::protocol_violation, std::string("unexpected message type '") + type + "' from client");
    return StreamVerdict::close;
  }
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
  const auto& extra = worker_.snapshot()->config->postgres.read_only_functions;
  std::vector<std::string_view> functions(extra.begin(), extra.end());
  auto kind = pgwire::classify_statement(sql, {functions});
  uint64_t now = uv_now(worker_.loop());
  bool writes_recent = settings->read_your_writes.count() > 0 && last_primary_transaction_at_ != 0 &&
                       now - last_primary_transaction_at_ < static_cast<uint64_t>(settings->read_your_writes.count());
  WorkerPool& readers = front_.pool({database_, user_, conf::DatabaseTarget::prefer_replica});
  std::string out;
  if (deferred_begin_) {
    switch (kind) {
      case pgwire::StatementKind::set_transaction_read_only:
        return writes_recent ? pool_ : &readers;
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
      return writes_recent ? pool_ : &readers;
    default:
      return pool_;
  }
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

void ClientConnection::on_server_lost(bool busy, bool in_transaction, const std::string& reason) {
  server_ = nullptr;
  if (state_ == State::closing) return;
  const conf::Database* settings = pool_ ? pool_->settings() : nullptr;
  if (!settings || settings->pool_mode == conf::PoolMode::session) {
    fail(pgwire::sqlstate::connection_failure, "server connection lost: " + reason);
    return;
  }
  set_state(State::idle);
  if (busy) {
    // The request in flight fails; the client connection goes on.
    send_error(pgwire::sqlstate::connection_failure, "server connection lost: " + reason);
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
