// The control plane's Redis client against a scripted fake server on port 0
// in the same loop: commands as RESP on the wire, replies handed back in
// order however they are split, pub/sub messages between confirmations, and
// every way the client ends (deadline, refused, EOF, bad bytes, close()
// inside a callback).
#include <doctest/doctest.h>
#include <hiredis/hiredis.h>
#include <uv.h>

#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "healthcheck/redis_client.hpp"

using sy::health::RedisClient;
using sy::health::reply_text;

namespace {

// One accepted connection at a time. Once `expect` bytes have arrived it
// writes `answer` one byte per write (the client sees it split), then
// closes if `close_after` is set; `answer` unset: it never answers.
struct FakeServer {
  uv_loop_t* loop;
  uv_tcp_t listener;
  uv_tcp_t peer;
  bool accepted = false;
  std::string received;
  size_t expect = 0;
  std::optional<std::string> answer;
  bool close_after = false;
  bool byte_by_byte = true;  // else the answer in one write
  bool answered = false;
  uint16_t port = 0;

  explicit FakeServer(uv_loop_t* l) : loop(l) {
    uv_tcp_init(loop, &listener);
    listener.data = this;
    sockaddr_in any{};
    uv_ip4_addr("127.0.0.1", 0, &any);
    REQUIRE(uv_tcp_bind(&listener, reinterpret_cast<const sockaddr*>(&any), 0) == 0);
    REQUIRE(uv_listen(reinterpret_cast<uv_stream_t*>(&listener), 8, &FakeServer::on_connection) == 0);
    sockaddr_storage bound{};
    int length = sizeof bound;
    uv_tcp_getsockname(&listener, reinterpret_cast<sockaddr*>(&bound), &length);
    port = ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  }

  static void on_connection(uv_stream_t* stream, int) {
    auto* self = static_cast<FakeServer*>(stream->data);
    uv_tcp_init(self->loop, &self->peer);
    self->peer.data = self;
    uv_accept(stream, reinterpret_cast<uv_stream_t*>(&self->peer));
    self->accepted = true;
    uv_read_start(
        reinterpret_cast<uv_stream_t*>(&self->peer),
        [](uv_handle_t*, size_t, uv_buf_t* buffer) {
          static char memory[4096];
          *buffer = uv_buf_init(memory, sizeof memory);
        },
        [](uv_stream_t* peer, ssize_t nread, const uv_buf_t* buffer) {
          auto* server = static_cast<FakeServer*>(peer->data);
          if (nread <= 0) return;
          server->received.append(buffer->base, static_cast<size_t>(nread));
          if (server->received.size() >= server->expect) server->respond();
        });
  }

  void respond() {
    if (!answer || answered) return;
    answered = true;
    if (!byte_by_byte) {
      auto* write = new std::pair<uv_write_t, std::string>{{}, *answer};
      uv_buf_t buffer = uv_buf_init(write->second.data(), static_cast<unsigned>(write->second.size()));
      uv_write(&write->first, reinterpret_cast<uv_stream_t*>(&peer), &buffer, 1, [](uv_write_t* request, int) {
        delete reinterpret_cast<std::pair<uv_write_t, std::string>*>(request);
      });
      return;
    }
    for (char byte : *answer) {
      auto* write = new std::pair<uv_write_t, char>{{}, byte};
      uv_buf_t buffer = uv_buf_init(&write->second, 1);
      uv_write(&write->first, reinterpret_cast<uv_stream_t*>(&peer), &buffer, 1, [](uv_write_t* request, int) {
        delete reinterpret_cast<std::pair<uv_write_t, char>*>(request);
      });
    }
    if (close_after) uv_close(reinterpret_cast<uv_handle_t*>(&peer), nullptr);
  }

  void close() {
    if (accepted && !uv_is_closing(reinterpret_cast<uv_handle_t*>(&peer)))
      uv_close(reinterpret_cast<uv_handle_t*>(&peer), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&listener), nullptr);
  }
};

sy::conf::Address loopback(uint16_t port) {
  return std::get<sy::conf::Address>(sy::conf::parse_address("127.0.0.1:" + std::to_string(port)));
}

// Runs the loop until `done()` or 2 s.
void run_until(uv_loop_t* loop, const std::function<bool()>& done) {
  uint64_t deadline = uv_now(loop) + 2000;
  while (!done() && uv_now(loop) < deadline) {
    uv_run(loop, UV_RUN_NOWAIT);
    uv_sleep(1);
    uv_update_time(loop);
  }
  REQUIRE(done());
}

void drain(uv_loop_t* loop) {
  for (int i = 0; i < 20; ++i) uv_run(loop, UV_RUN_NOWAIT);
}

struct Loop {
  uv_loop_t loop;
  Loop() { uv_loop_init(&loop); }
  ~Loop() {
    drain(&loop);
    uv_loop_close(&loop);
  }
};

}  // namespace

TEST_CASE("redis client: pipelined commands go out as RESP and replies come back in order, split byte by byte") {
  Loop l;
  FakeServer server(&l.loop);
  const std::string sent = "*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*1\r\n$4\r\nNOPE\r\n";
  server.expect = sent.size();
  server.answer = "+PONG\r\n$3\r\nabc\r\n-ERR unknown command 'NOPE'\r\n";
  std::vector<std::string> seen;
  std::string closed;
  auto* client = RedisClient::connect(&l.loop, loopback(server.port), std::chrono::seconds(1),
                                      [&](const std::string& reason) { closed = reason; });
  client->command({"PING"}, [&](const redisReply& reply) { seen.push_back("status " + std::string(reply_text(reply))); });
  client->command({"GET", "k"}, [&](const redisReply& reply) { seen.push_back("bulk " + std::string(reply_text(reply))); });
  client->command({"NOPE"}, [&](const redisReply& reply) {
    seen.push_back(std::string(sy::health::is_error(reply) ? "error " : "?") + std::string(reply_text(reply)));
  });
  run_until(&l.loop, [&] { return seen.size() == 3; });
  CHECK(server.received == sent);
  CHECK(seen == std::vector<std::string>{"status PONG", "bulk abc", "error ERR unknown command 'NOPE'"});
  CHECK(closed.empty());
  CHECK(client->connected());
  client->close();
  server.close();
}

TEST_CASE("redis client: subscribed, messages arrive between and after the confirmations") {
  Loop l;
  FakeServer server(&l.loop);
  server.expect = 1;
  server.answer =
      "*3\r\n$9\r\nsubscribe\r\n$2\r\nc1\r\n:1\r\n"
      "*3\r\n$7\r\nmessage\r\n$2\r\nc1\r\n$5\r\nfirst\r\n"
      "*3\r\n$9\r\nsubscribe\r\n$2\r\nc2\r\n:2\r\n"
      "*3\r\n$7\r\nmessage\r\n$2\r\nc2\r\n$6\r\nsecond\r\n";
  std::vector<std::string> events;
  auto* client = RedisClient::connect(&l.loop, loopback(server.port), std::chrono::seconds(1),
                                      [&](const std::string& reason) { events.push_back("closed " + reason); });
  std::vector<std::string> channels = {"c1", "c2"};
  client->subscribe(
      channels,
      [&](std::string_view channel, std::string_view payload) {
        events.push_back(std::string(channel) + ": " + std::string(payload));
      },
      [&] { events.push_back("subscribed"); });
  run_until(&l.loop, [&] { return events.size() == 3; });
  CHECK(server.received == "*3\r\n$9\r\nSUBSCRIBE\r\n$2\r\nc1\r\n$2\r\nc2\r\n");
  CHECK(events == std::vector<std::string>{"c1: first", "subscribed", "c2: second"});
  client->close();
  server.close();
}

TEST_CASE("redis client: a server that never answers ends the client at the deadline") {
  Loop l;
  FakeServer server(&l.loop);
  server.expect = 1;  // no answer set: silence
  std::string closed;
  bool replied = false;
  auto* client = RedisClient::connect(&l.loop, loopback(server.port), std::chrono::milliseconds(50),
                                      [&](const std::string& reason) { closed = reason; });
  client->command({"PING"}, [&](const redisReply&) { replied = true; });
  run_until(&l.loop, [&] { return !closed.empty(); });
  CHECK(closed == "no reply within 50ms");
  CHECK_FALSE(replied);
  server.close();
}

TEST_CASE("redis client: a refused connect says so at once") {
  Loop l;
  uint16_t port;
  {
    FakeServer gone(&l.loop);
    port = gone.port;
    gone.close();
    drain(&l.loop);
  }
  std::string closed;
  uint64_t started = uv_now(&l.loop);
  auto* client = RedisClient::connect(&l.loop, loopback(port), std::chrono::seconds(1),
                                      [&](const std::string& reason) { closed = reason; });
  client->command({"PING"}, [](const redisReply&) {});
  run_until(&l.loop, [&] { return !closed.empty(); });
  CHECK(closed == "connection refused");
  CHECK(uv_now(&l.loop) - started < 500);  // not the deadline
}

TEST_CASE("redis client: the server closing, and bytes that are not RESP, end the client with the reason") {
  Loop l;
  SUBCASE("EOF") {
    FakeServer server(&l.loop);
    server.expect = 1;
    server.answer = "";
    server.close_after = true;
    std::string closed;
    auto* client = RedisClient::connect(&l.loop, loopback(server.port), std::chrono::seconds(1),
                                        [&](const std::string& reason) { closed = reason; });
    client->command({"PING"}, [](const redisReply&) {});
    run_until(&l.loop, [&] { return !closed.empty(); });
    CHECK(closed == "the server closed the connection");
    uv_close(reinterpret_cast<uv_handle_t*>(&server.listener), nullptr);
  }
  SUBCASE("bad bytes") {
    FakeServer server(&l.loop);
    server.expect = 1;
    server.answer = "?what\r\n";
    std::string closed;
    auto* client = RedisClient::connect(&l.loop, loopback(server.port), std::chrono::seconds(1),
                                        [&](const std::string& reason) { closed = reason; });
    client->command({"PING"}, [](const redisReply&) {});
    run_until(&l.loop, [&] { return !closed.empty(); });
    CHECK(closed.starts_with("bad reply: Protocol error"));
    server.close();
  }
  SUBCASE("a reply too large to believe") {
    FakeServer server(&l.loop);
    server.expect = 1;
    server.byte_by_byte = false;
    server.answer = "$100000000\r\n" + std::string(5 * 1024 * 1024, 'x');
    std::string closed;
    auto* client = RedisClient::connect(&l.loop, loopback(server.port), std::chrono::seconds(1),
                                        [&](const std::string& reason) { closed = reason; });
    client->command({"ROLE"}, [](const redisReply&) {});
    run_until(&l.loop, [&] { return !closed.empty(); });
    CHECK(closed == "a reply larger than 4 MiB");
    server.close();
  }
  SUBCASE("a reply nobody asked for") {
    FakeServer server(&l.loop);
    server.expect = 1;
    server.answer = "+PONG\r\n+EXTRA\r\n";
    std::string closed;
    int replies = 0;
    auto* client = RedisClient::connect(&l.loop, loopback(server.port), std::chrono::seconds(1),
                                        [&](const std::string& reason) { closed = reason; });
    client->command({"PING"}, [&](const redisReply&) { ++replies; });
    run_until(&l.loop, [&] { return !closed.empty(); });
    CHECK(replies == 1);
    CHECK(closed == "a reply nobody asked for");
    server.close();
  }
}

TEST_CASE("redis client: close() inside a reply callback stops every later callback") {
  Loop l;
  FakeServer server(&l.loop);
  server.expect = 1;
  server.answer = "+ONE\r\n+TWO\r\n";
  server.close_after = true;
  int replies = 0;
  bool closed_called = false;
  RedisClient* client = RedisClient::connect(&l.loop, loopback(server.port), std::chrono::seconds(1),
                                             [&](const std::string&) { closed_called = true; });
  client->command({"PING"}, [&](const redisReply&) {
    ++replies;
    client->close();
  });
  client->command({"PING"}, [&](const redisReply&) { ++replies; });
  run_until(&l.loop, [&] { return replies > 0; });
  drain(&l.loop);
  CHECK(replies == 1);
  CHECK_FALSE(closed_called);
  uv_close(reinterpret_cast<uv_handle_t*>(&server.listener), nullptr);
}
