// What a server owes: the ResponseQueue matched against server message types.
#include "proxy/postgres/response_queue.hpp"

#include <doctest/doctest.h>

using namespace sy::postgres;

namespace {
ResponseAction action(ResponseQueue& queue, char type) { return queue.on_server_message(type).action; }
}  // namespace

TEST_CASE("response queue: a simple query forwards everything up to ReadyForQuery") {
  ResponseQueue queue;
  queue.push({Expect::query});
  CHECK(action(queue, 'T') == ResponseAction::forward);
  CHECK(action(queue, 'D') == ResponseAction::forward);
  CHECK(action(queue, 'C') == ResponseAction::forward);
  CHECK_FALSE(queue.empty());
  auto outcome = queue.on_server_message('Z');
  CHECK(outcome.action == ResponseAction::forward);
  CHECK(outcome.ready_for_query);
  CHECK(queue.empty());
}

TEST_CASE("response queue: an extended batch completes entry by entry") {
  ResponseQueue queue;
  for (Expect e : {Expect::parse, Expect::bind, Expect::describe, Expect::execute, Expect::sync}) queue.push({e});
  CHECK(action(queue, '1') == ResponseAction::forward);
  CHECK(action(queue, '2') == ResponseAction::forward);
  CHECK(action(queue, 'T') == ResponseAction::forward);
  CHECK(action(queue, 'D') == ResponseAction::forward);
  CHECK(action(queue, 'C') == ResponseAction::forward);
  CHECK(queue.size() == 1);
  CHECK(queue.on_server_message('Z').ready_for_query);
  CHECK(queue.empty());
}

TEST_CASE("response queue: answers the proxy gives itself come out at their place") {
  ResponseQueue queue;
  queue.push({Expect::fake_parse_complete});
  queue.push({Expect::bind});
  queue.push({Expect::execute});
  queue.push({Expect::fake_close_complete});
  queue.push({Expect::sync});
  std::string out;
  queue.emit_due_answers(out);
  CHECK(out == std::string("1\0\0\0\4", 5));
  CHECK(action(queue, '2') == ResponseAction::forward);
  CHECK(action(queue, 'C') == ResponseAction::forward);
  out.clear();
  queue.emit_due_answers(out);
  CHECK(out == std::string("3\0\0\0\4", 5));
  CHECK(queue.on_server_message('Z').ready_for_query);
}

TEST_CASE("response queue: re-prepared statements and evictions are swallowed") {
  ResponseQueue queue;
  queue.push({Expect::injected_close});
  queue.push({Expect::injected_parse, 42});
  queue.push({Expect::bind});
  CHECK(action(queue, '3') == ResponseAction::swallow);
  CHECK(action(queue, '1') == ResponseAction::swallow);
  CHECK(action(queue, '2') == ResponseAction::forward);
  CHECK(queue.empty());
}

TEST_CASE("response queue: an error skips the rest of the batch up to Sync") {
  ResponseQueue queue;
  queue.push({Expect::injected_parse, 7});
  queue.push({Expect::bind});
  queue.push({Expect::fake_close_complete});
  queue.push({Expect::execute});
  queue.push({Expect::sync});
  auto outcome = queue.on_server_message('E');
  CHECK(outcome.action == ResponseAction::forward);
  CHECK(outcome.failed_statement == 7);
  CHECK(queue.size() == 1);  // only the Sync is left
  std::string out;
  queue.emit_due_answers(out);
  CHECK(out.empty());
  CHECK(queue.on_server_message('Z').ready_for_query);
}

TEST_CASE("response queue: an error inside a simple query does not end it") {
  ResponseQueue queue;
  queue.push({Expect::query});
  CHECK(action(queue, 'E') == ResponseAction::forward);
  CHECK_FALSE(queue.empty());
  CHECK(queue.on_server_message('Z').ready_for_query);
}

TEST_CASE("response queue: the proxy's own queries reach nobody") {
  ResponseQueue queue;
  queue.push({Expect::internal_query});
  queue.push({Expect::query});
  CHECK(action(queue, 'C') == ResponseAction::swallow);
  CHECK(action(queue, 'S') == ResponseAction::swallow);
  CHECK(action(queue, 'E') == ResponseAction::swallow);
  auto outcome = queue.on_server_message('Z');
  CHECK(outcome.action == ResponseAction::swallow);
  CHECK(outcome.ready_for_query);
  CHECK(action(queue, 'C') == ResponseAction::forward);
}

TEST_CASE("response queue: asynchronous messages pass; anything else unasked is unexpected") {
  ResponseQueue queue;
  CHECK(action(queue, 'N') == ResponseAction::forward);
  CHECK(action(queue, 'S') == ResponseAction::forward);
  CHECK(action(queue, 'A') == ResponseAction::forward);
  CHECK(action(queue, 'D') == ResponseAction::unexpected);
  CHECK(action(queue, 'Z') == ResponseAction::unexpected);
  queue.push({Expect::parse});
  CHECK(action(queue, '2') == ResponseAction::unexpected);
}

TEST_CASE("response queue: COPY inside an extended Execute") {
  ResponseQueue queue;
  queue.push({Expect::execute});
  queue.push({Expect::sync});
  CHECK(action(queue, 'G') == ResponseAction::forward);
  CHECK(action(queue, 'C') == ResponseAction::forward);
  CHECK(queue.on_server_message('Z').ready_for_query);
}
