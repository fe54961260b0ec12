// Matching server messages to what was asked; see response_queue.hpp.
#include "proxy/postgres/response_queue.hpp"

#include "pgwire/message.hpp"

namespace sy::postgres {

void ResponseQueue::emit_due_answers(std::string& out) {
  while (!queue_.empty()) {
    Expect kind = queue_.front().kind;
    if (kind == Expect::fake_parse_complete) pgwire::MessageBuilder(out, '1');
    else if (kind == Expect::fake_close_complete) pgwire::MessageBuilder(out, '3');
    else return;
    queue_.pop_front();
  }
}

// After an error in an extended-protocol batch the server ignores every
// message until Sync, so the entries up to it will get no answer.
void ResponseQueue::skip_to_sync() {
  while (!queue_.empty() && queue_.front().kind != Expect::sync && queue_.front().kind != Expect::query &&
         queue_.front().kind != Expect::internal_query)
    queue_.pop_front();
}

ResponseOutcome ResponseQueue::on_server_message(char type) {
  ResponseOutcome outcome;
  // Asynchronous messages may come at any time and belong to no request.
  bool asynchronous = type == 'N' || type == 'A' || type == 'S';
  if (queue_.empty()) {
    // Only asynchronous messages may arrive when nothing is owed.
    outcome.action = asynchronous ? ResponseAction::forward : ResponseAction::unexpected;
    return outcome;
  }
  Expected& head = queue_.front();
  if (head.kind == Expect::internal_query) {
    outcome.action = ResponseAction::swallow;
    if (type == 'Z') {
      queue_.pop_front();
      outcome.ready_for_query = true;
    }
    return outcome;
  }
  if (asynchronous) return outcome;

  auto complete_with = [&](Expect expected, ResponseAction action) {
    if (head.kind != expected) {
      outcome.action = ResponseAction::unexpected;
      return;
    }
    outcome.action = action;
    queue_.pop_front();
  };

  switch (type) {
    case 'Z':
      if (head.kind != Expect::query && head.kind != Expect::sync) {
        outcome.action = ResponseAction::unexpected;
        break;
      }
      queue_.pop_front();
      outcome.ready_for_query = true;
      break;
    case 'E':
      if (head.kind == Expect::query || head.kind == Expect::sync) break;  // the query goes on to ReadyForQuery
      if (head.kind == Expect::refused_parse) outcome.action = ResponseAction::refuse;
      if (head.kind == Expect::parse || head.kind == Expect::injected_parse) outcome.failed_statement = head.statement_key;
      queue_.pop_front();
      skip_to_sync();
      break;
    case '1':
      if (head.kind == Expect::injected_parse) complete_with(Expect::injected_parse, ResponseAction::swallow);
      else if (head.kind == Expect::refused_parse) outcome.action = ResponseAction::unexpected;
      else complete_with(Expect::parse, ResponseAction::forward);
      break;
    case '2':
      complete_with(Expect::bind, ResponseAction::forward);
      break;
    case '3':
      if (head.kind == Expect::injected_close) complete_with(Expect::injected_close, ResponseAction::swallow);
      else complete_with(Expect::close, ResponseAction::forward);
      break;
    case 'T':
    case 'n':
      if (head.kind == Expect::describe) queue_.pop_front();
      else if (head.kind != Expect::query) outcome.action = ResponseAction::unexpected;
      break;
    case 't':
      if (head.kind != Expect::describe) outcome.action = ResponseAction::unexpected;
      break;
    case 'C':
    case 'I':
      if (head.kind == Expect::execute) queue_.pop_front();
      else if (head.kind != Expect::query) outcome.action = ResponseAction::unexpected;
      break;
    case 's':
      complete_with(Expect::execute, ResponseAction::forward);
      break;
    case 'D':  // DataRow
    case 'G':  // CopyInResponse
    case 'H':  // CopyOutResponse
    case 'W':  // CopyBothResponse
    case 'd':  // CopyData
    case 'c':  // CopyDone
    case 'V':  // FunctionCallResponse
      if (head.kind != Expect::query && head.kind != Expect::execute) outcome.action = ResponseAction::unexpected;
      break;
    default:
      outcome.action = ResponseAction::unexpected;
      break;
  }
  return outcome;
}

}  // namespace sy::postgres
