// MessageStream over read chunks: whole messages at every split, held
// messages offered again, large messages streamed in pieces.
#include "proxy/postgres/message_stream.hpp"

#include <doctest/doctest.h>

#include <vector>

#include "pgwire/message.hpp"

using namespace sy;
using namespace sy::postgres;

namespace {

struct Recorder final : MessageSink {
  std::vector<std::string> messages;
  std::string streamed;
  bool stream_type_d = false;
  int hold_next = 0;
  bool streamable(char type) override { return stream_type_d && type == 'D'; }
  StreamVerdict on_message(std::string_view message, const core::Slice*) override {
    if (hold_next > 0) {
      --hold_next;
      return StreamVerdict::hold;
    }
    messages.emplace_back(message);
    return StreamVerdict::proceed;
  }
  StreamVerdict on_message_piece(std::string_view piece, const core::Slice*, bool first, bool) override {
    if (first) streamed.clear();
    streamed.append(piece);
    return StreamVerdict::proceed;
  }
  void on_malformed(std::string_view) override { messages.emplace_back("MALFORMED"); }
};

core::Slice slice_of(core::BufferPool& pool, std::string_view bytes) {
  core::ChunkRef chunk = pool.acquire();
  std::copy(bytes.begin(), bytes.end(), chunk.data());
  return core::Slice{chunk, 0, static_cast<uint32_t>(bytes.size())};
}

std::string query(std::string_view sql) {
  std::string out;
  pgwire::MessageBuilder(out, 'Q').cstring(sql);
  return out;
}

}  // namespace

TEST_CASE("message stream: two messages split at every offset come out whole, in order") {
  core::BufferPool pool(4096);
  std::string bytes = query("SELECT 1") + query("SELECT 22");
  for (size_t split = 0; split <= bytes.size(); ++split) {
    CAPTURE(split);
    MessageStream stream;
    Recorder sink;
    stream.push(slice_of(pool, std::string_view(bytes).substr(0, split)));
    stream.run(sink);
    stream.push(slice_of(pool, std::string_view(bytes).substr(split)));
    stream.run(sink);
    REQUIRE(sink.messages.size() == 2);
    CHECK(sink.messages[0] == query("SELECT 1"));
    CHECK(sink.messages[1] == query("SELECT 22"));
    CHECK(stream.idle());
  }
}

TEST_CASE("message stream: one byte at a time") {
  core::BufferPool pool(4096);
  std::string bytes = query("SELECT 1") + query("SELECT 22");
  MessageStream stream;
  Recorder sink;
  for (char c : bytes) {
    stream.push(slice_of(pool, std::string_view(&c, 1)));
    stream.run(sink);
  }
  REQUIRE(sink.messages.size() == 2);
  CHECK(sink.messages[1] == query("SELECT 22"));
}

TEST_CASE("message stream: a held message is offered again, nothing after it is lost") {
  core::BufferPool pool(4096);
  MessageStream stream;
  Recorder sink;
  sink.hold_next = 1;
  stream.push(slice_of(pool, query("A") + query("B")));
  CHECK(stream.run(sink) == StreamVerdict::hold);
  CHECK(sink.messages.empty());
  CHECK(stream.has_queued_input());
  CHECK(stream.run(sink) == StreamVerdict::proceed);
  REQUIRE(sink.messages.size() == 2);
  CHECK(sink.messages[0] == query("A"));
  CHECK(stream.idle());
}

TEST_CASE("message stream: a large streamable message passes in pieces") {
  core::BufferPool pool(64);  // small chunks force pieces
  std::string row;
  pgwire::MessageBuilder(row, 'D').bytes(std::string(200, 'x'));
  MessageStream stream;
  Recorder sink;
  sink.stream_type_d = true;
  for (size_t at = 0; at < row.size(); at += 50) {
    stream.push(slice_of(pool, std::string_view(row).substr(at, 50)));
    stream.run(sink);
  }
  CHECK(sink.messages.empty());
  CHECK(sink.streamed == row);
  CHECK(stream.idle());
}

TEST_CASE("message stream: a bad length is reported") {
  core::BufferPool pool(4096);
  MessageStream stream;
  Recorder sink;
  stream.push(slice_of(pool, std::string("Q\0\0\0\2", 5)));
  CHECK(stream.run(sink) == StreamVerdict::close);
  REQUIRE(sink.messages.size() == 1);
  CHECK(sink.messages[0] == "MALFORMED");
}
