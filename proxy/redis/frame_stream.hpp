// Frames RESP over a connection's reads without copying what it need not:
// a frame that lies inside one read is handed on as a sub-slice of that read
// (a reference, not a copy); only a frame cut by the end of a read is
// gathered into `kept_` until its last byte comes. One template serves both
// directions: RequestParser for client commands, ReplyParser for replies.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "proxy/core/buffer.hpp"
#include "resp/frame_parser.hpp"

namespace sy::redis {

// Where one frame's bytes are: inside a read (`slice` set) or in the kept
// bytes of the stream (valid until the stream is fed again).
struct FrameBytes {
  const core::Slice* slice = nullptr;
  uint32_t offset = 0;  // into *slice
  std::string_view bytes;

  // A reference to the bytes when they lie in a read, else a copy.
  bool in_read() const { return slice != nullptr; }
  core::Slice sub_slice() const {
    return core::Slice{slice->chunk, slice->offset + offset, static_cast<uint32_t>(bytes.size())};
  }
};

enum class StreamStatus { consumed, paused, error };

template <class Parser>
class FrameStream {
 public:
  explicit FrameStream(resp::Limits limits = {}) : parser_(limits) {}

  // Hands each complete frame of what was kept plus `data` to
  // on_frame(const resp::Frame&, const FrameBytes&), which returns false to
  // pause: the bytes after that frame are kept for resume(). on_frame must
  // not feed this stream itself.
  template <class OnFrame>
  StreamStatus feed(const core::Slice& data, OnFrame&& on_frame) {
    if (!kept_.empty()) {
      kept_.append(data.view());
      return run_kept(on_frame);
    }
    size_t position = 0;
    while (position < data.length) {
      std::string_view rest(data.data() + position, data.length - position);
      resp::ParseResult result = parser_.parse(rest);
      if (result.status == resp::ParseStatus::error) return fail(result.error);
      if (result.status == resp::ParseStatus::need_more) {
        kept_.assign(rest);
        return StreamStatus::consumed;
      }
      FrameBytes bytes{&data, static_cast<uint32_t>(position), rest.substr(0, result.frame.length)};
      position += result.frame.length;
      if (!on_frame(result.frame, bytes)) {
        kept_.assign(data.data() + position, data.length - position);
        return StreamStatus::paused;
      }
    }
    return StreamStatus::consumed;
  }

  // Goes on with the kept bytes after a pause.
  template <class OnFrame>
  StreamStatus resume(OnFrame&& on_frame) {
    return run_kept(on_frame);
  }

  bool has_kept() const { return !kept_.empty(); }
  size_t kept_size() const { return kept_.size(); }
  resp::ParseError error() const { return error_; }
  std::string_view error_message() const { return parser_.error_message(); }

 private:
  template <class OnFrame>
  StreamStatus run_kept(OnFrame& on_frame) {
    size_t position = 0;
    StreamStatus status = StreamStatus::consumed;
    while (position < kept_.size()) {
      std::string_view rest = std::string_view(kept_).substr(position);
      resp::ParseResult result = parser_.parse(rest);
      if (result.status == resp::ParseStatus::error) return fail(result.error);
      if (result.status == resp::ParseStatus::need_more) break;
      FrameBytes bytes{nullptr, 0, rest.substr(0, result.frame.length)};
      position += result.frame.length;
      if (!on_frame(result.frame, bytes)) {
        status = StreamStatus::paused;
        break;
      }
    }
    kept_.erase(0, position);
    if (kept_.capacity() > kShrinkAbove && kept_.size() < kShrinkAbove / 4) kept_.shrink_to_fit();
    return status;
  }

  StreamStatus fail(resp::ParseError error) {
    error_ = error;
    kept_.clear();
    return StreamStatus::error;
  }

  // A large frame (a 20 MB value) leaves a large buffer behind; give it back.
  static constexpr size_t kShrinkAbove = 1 << 20;

  Parser parser_;
  std::string kept_;  // from the start of a frame not yet complete (or not yet handed on)
  resp::ParseError error_ = resp::ParseError::none;
};

}  // namespace sy::redis
