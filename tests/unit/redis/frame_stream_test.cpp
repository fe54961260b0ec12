// FrameStream over reads cut anywhere: frames inside one read come back as
// references into it, frames cut by a read's end come back whole from the
// kept bytes, and a pause keeps exactly the bytes after the paused frame.
#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <vector>

#include "proxy/core/buffer.hpp"
#include "proxy/redis/frame_stream.hpp"

using namespace sy;
using namespace sy::redis;

namespace {

core::Slice slice_of(core::BufferPool& pool, std::string_view bytes) {
  core::ChunkRef chunk = pool.acquire();
  REQUIRE(bytes.size() <= chunk.capacity());
  std::memcpy(chunk.data(), bytes.data(), bytes.size());
  return core::Slice{std::move(chunk), 0, static_cast<uint32_t>(bytes.size())};
}

struct Seen {
  std::vector<std::string> frames;
  size_t in_read = 0;
};

template <class Parser>
StreamStatus feed_in_pieces(FrameStream<Parser>& stream, core::BufferPool& pool, std::string_view bytes, size_t piece,
                            Seen& seen) {
  StreamStatus status = StreamStatus::consumed;
  for (size_t at = 0; at < bytes.size() && status == StreamStatus::consumed; at += piece) {
    core::Slice slice = slice_of(pool, bytes.substr(at, piece));
    status = stream.feed(slice, [&](const resp::Frame&, const FrameBytes& frame) {
      seen.frames.emplace_back(frame.in_read() ? frame.sub_slice().view() : frame.bytes);
      if (frame.in_read()) ++seen.in_read;
      return true;
    });
  }
  return status;
}

const std::string kCommands = "*1\r\n$4\r\nPING\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nvalue\r\nGET k\r\n";

}  // namespace

TEST_CASE("frame stream: commands cut at every size come back whole and in order") {
  core::BufferPool pool(4096);
  for (size_t piece = 1; piece <= kCommands.size(); ++piece) {
    CAPTURE(piece);
    FrameStream<resp::RequestParser> stream;
    Seen seen;
    CHECK(feed_in_pieces(stream, pool, kCommands, piece, seen) == StreamStatus::consumed);
    REQUIRE(seen.frames.size() == 3);
    CHECK(seen.frames[0] == "*1\r\n$4\r\nPING\r\n");
    CHECK(seen.frames[1] == "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nvalue\r\n");
    CHECK(seen.frames[2] == "GET k\r\n");
    CHECK_FALSE(stream.has_kept());
  }
}

TEST_CASE("frame stream: frames inside one read are references, not copies") {
  core::BufferPool pool(4096);
  FrameStream<resp::RequestParser> stream;
  Seen seen;
  CHECK(feed_in_pieces(stream, pool, kCommands, kCommands.size(), seen) == StreamStatus::consumed);
  CHECK(seen.in_read == 3);
}

TEST_CASE("frame stream: a pause keeps the bytes after the frame for resume()") {
  core::BufferPool pool(4096);
  FrameStream<resp::ReplyParser> stream;
  std::string replies = "+OK\r\n:42\r\n$3\r\nabc\r\n";
  core::Slice slice = slice_of(pool, replies);
  std::vector<std::string> seen;
  auto take_one = [&](const resp::Frame&, const FrameBytes& frame) {
    seen.emplace_back(frame.bytes);
    return false;
  };
  CHECK(stream.feed(slice, take_one) == StreamStatus::paused);
  CHECK(stream.kept_size() == replies.size() - 5);
  CHECK(stream.resume(take_one) == StreamStatus::paused);
  CHECK(stream.resume([&](const resp::Frame&, const FrameBytes& frame) {
    seen.emplace_back(frame.bytes);
    return true;
  }) == StreamStatus::consumed);
  CHECK(seen == std::vector<std::string>{"+OK\r\n", ":42\r\n", "$3\r\nabc\r\n"});
}

TEST_CASE("frame stream: bad input is an error with Redis' text") {
  core::BufferPool pool(4096);
  FrameStream<resp::RequestParser> stream;
  Seen seen;
  CHECK(feed_in_pieces(stream, pool, std::string("PING\r\n*1\r\n$x\r\n"), 3, seen) == StreamStatus::error);
  CHECK(seen.frames == std::vector<std::string>{"PING\r\n"});
  CHECK(stream.error_message() == "Protocol error: invalid bulk length");
}
