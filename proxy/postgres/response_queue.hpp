// What a server connection still owes, in order: one entry per request sent
// (a Query, each extended-protocol message, the proxy's own SET/reset
// queries and re-prepared statements) and per answer the proxy gives in the
// server's stead (ParseComplete for a statement the server already has).
// Fed each server message type, it says whether the client gets the
// message; it also knows when the server is done (ReadyForQuery, nothing
// owed). Pure: no I/O, driven by ServerConnection, tested byte-free.
#pragma once

#include <cstdint>
#include <deque>
#include <string>

namespace sy::postgres {

enum class Expect : uint8_t {
  query,           // 'Q' or 'F': everything up to ReadyForQuery goes to the client
  sync,            // 'S': its ReadyForQuery goes to the client
  parse,           // the client's Parse: ParseComplete or an error
  bind,            // BindComplete
  close,           // CloseComplete
  describe,        // [ParameterDescription] RowDescription | NoData
  execute,         // rows, then CommandComplete | EmptyQueryResponse | PortalSuspended
  internal_query,  // the proxy's own query: nothing reaches the client
  injected_parse,  // a Parse the proxy added: its ParseComplete is swallowed
  injected_close,  // a Close the proxy added (LRU eviction): CloseComplete swallowed
  fake_parse_complete,  // the proxy answers ParseComplete itself, at this point
  fake_close_complete,  // the proxy answers CloseComplete itself, at this point
  // A Parse the proxy refused (too many prepared statements), sent on as
  // one the server must fail, so that the server skips to Sync and aborts
  // the transaction as it would after its own error: the client gets the
  // proxy's error in place of the server's.
  refused_parse,
};

struct Expected {
  Expect kind;
  uint64_t statement_key = 0;  // parse / injected_parse: forgotten on the server if it fails
};

enum class ResponseAction {
  forward,
  swallow,
  unexpected,
  refuse,  // the server's error for a refused_parse: the client gets the proxy's own instead
};

struct ResponseOutcome {
  ResponseAction action = ResponseAction::forward;
  bool ready_for_query = false;   // this message was a ReadyForQuery that closed an entry
  uint64_t failed_statement = 0;  // a (re)prepare failed: the server lacks this statement
};

class ResponseQueue {
 public:
  void push(Expected expected) { queue_.push_back(expected); }
  bool empty() const { return queue_.empty(); }
  Expect front_kind() const { return queue_.front().kind; }
  size_t size() const { return queue_.size(); }
  void clear() { queue_.clear(); }

  // Appends the messages the proxy answers itself that are due now (at the
  // head of the queue) to `out`.
  void emit_due_answers(std::string& out);
  // Classifies one server message (by its type byte) and updates the queue.
  ResponseOutcome on_server_message(char type);

 private:
  void skip_to_sync();

  std::deque<Expected> queue_;
};

}  // namespace sy::postgres
