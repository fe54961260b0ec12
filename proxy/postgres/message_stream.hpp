// Turns the bytes read from one PostgreSQL connection into whole messages
// without copying where it can: a message inside one read chunk is handed
// over as a slice of that chunk; one that spans reads is gathered into a
// carry buffer (bounded); a large message the sink does not need to read
// (DataRow, CopyData) streams through in pieces. The sink may stop the
// stream (e.g. a client waiting for a server); unread input stays queued.
#pragma once

#include <cstdint>
#include <vector>
#include <string>
#include <string_view>

#include "proxy/core/buffer.hpp"

namespace sy::postgres {

enum class StreamVerdict {
  proceed,  // message taken; go on
  stop,     // message taken; stop here
  hold,     // message NOT taken; stop, it is offered again on the next run()
  close,    // the connection is going away
};

class MessageSink {
 public:
  // May a message of this type pass in pieces, before it is complete?
  virtual bool streamable(char type) = 0;
  // A whole message (type byte, length, payload). `slice` is set when the
  // message lies in one read chunk, so it can be forwarded without a copy.
  virtual StreamVerdict on_message(std::string_view message, const core::Slice* slice) = 0;
  // A piece of a streamed message, in order; the `first` piece starts with
  // the header. `slice` is set when the piece can be forwarded without a copy.
  // Only a first piece may be held.
  virtual StreamVerdict on_message_piece(std::string_view piece, const core::Slice* slice, bool first, bool last) = 0;
  // Framing is broken (bad length, message over the limit).
  virtual void on_malformed(std::string_view reason) = 0;

 protected:
  ~MessageSink() = default;
};

class MessageStream {
 public:
  explicit MessageStream(uint32_t max_gathered = 64u << 20) : max_gathered_(max_gathered) {}

  void push(core::Slice data) {
    if (data.length) pending_.push_back(std::move(data));
  }
  // Feeds queued input to `sink` until it is used up or the sink stops.
  StreamVerdict run(MessageSink& sink);
  // No byte of a message is waiting (nothing queued, nothing half-gathered).
  bool idle() const { return head_ == pending_.size() && carry_.empty() && streaming_left_ == 0; }
  bool has_queued_input() const { return head_ < pending_.size(); }
  // A streamed message was passed on in part and the rest is still to come.
  bool mid_streamed_message() const { return streaming_left_ != 0; }
  size_t queued_bytes() const;
  void clear();

 private:
  StreamVerdict run_slice(MessageSink& sink, core::Slice& slice);

  uint32_t max_gathered_;
  // A vector, not a deque: an idle connection's stream then holds no memory
  // at all (a deque allocates on construction).
  std::vector<core::Slice> pending_;
  size_t head_ = 0;  // first slice not yet consumed
  std::string carry_;             // the start of a message that spans reads
  uint32_t streaming_left_ = 0;   // bytes of a streamed message still to come
};

}  // namespace sy::postgres
