// Message boundaries over read chunks; see message_stream.hpp.
#include "proxy/postgres/message_stream.hpp"

#include "pgwire/message.hpp"

namespace sy::postgres {

size_t MessageStream::queued_bytes() const {
  size_t total = carry_.size();
  for (size_t i = head_; i < pending_.size(); ++i) total += pending_[i].length;
  return total;
}

void MessageStream::clear() {
  pending_.clear();
  head_ = 0;
  carry_.clear();
  streaming_left_ = 0;
}

StreamVerdict MessageStream::run(MessageSink& sink) {
  while (head_ < pending_.size()) {
    core::Slice& front = pending_[head_];
    StreamVerdict verdict = run_slice(sink, front);
    if (front.length == 0) {
      front.chunk.reset();  // give the chunk back now
      if (++head_ == pending_.size()) {
        pending_.clear();
        head_ = 0;
      }
    }
    if (verdict != StreamVerdict::proceed) return verdict;
  }
  return StreamVerdict::proceed;
}

// Consumes from the front of `slice` (advancing it) until it is empty or the
// sink says stop.
StreamVerdict MessageStream::run_slice(MessageSink& sink, core::Slice& slice) {
  auto consume = [&slice](uint32_t count) {
    slice.offset += count;
    slice.length -= count;
  };
  while (slice.length > 0) {
    if (streaming_left_ > 0) {
      uint32_t count = std::min(streaming_left_, slice.length);
      streaming_left_ -= count;
      core::Slice piece{slice.chunk, slice.offset, count};
      consume(count);
      StreamVerdict verdict = sink.on_message_piece(piece.view(), &piece, false, streaming_left_ == 0);
      if (verdict != StreamVerdict::proceed) return verdict;
      continue;
    }
    if (!carry_.empty()) {
      // Complete the gathered message: first its header, then its payload.
      size_t want = pgwire::kHeaderSize;
      if (carry_.size() >= pgwire::kHeaderSize) want = pgwire::scan_message(carry_, max_gathered_).total_size();
      uint32_t count = static_cast<uint32_t>(std::min<size_t>(want - carry_.size(), slice.length));
      carry_.append(slice.data(), count);
      consume(count);
      auto scan = pgwire::scan_message(carry_, pgwire::kMaxMessageLength);
      if (scan.status == pgwire::ScanStatus::malformed) {
        sink.on_malformed("invalid message length");
        return StreamVerdict::close;
      }
      if (scan.status == pgwire::ScanStatus::need_header) continue;
      if (scan.status == pgwire::ScanStatus::partial) {
        if (sink.streamable(scan.type)) {
          // Hand over what is gathered and stream the rest.
          streaming_left_ = static_cast<uint32_t>(scan.total_size() - carry_.size());
          std::string head = std::move(carry_);
          carry_.clear();
          StreamVerdict verdict = sink.on_message_piece(head, nullptr, true, false);
          if (verdict == StreamVerdict::hold) {
            streaming_left_ = 0;
            carry_ = std::move(head);
          }
          if (verdict != StreamVerdict::proceed) return verdict;
          continue;
        }
        if (scan.length > max_gathered_) {
          sink.on_malformed("message of " + std::to_string(scan.length) + " bytes is larger than the limit");
          return StreamVerdict::close;
        }
        continue;
      }
      std::string message = std::move(carry_);
      carry_.clear();
      StreamVerdict verdict = sink.on_message(message, nullptr);
      if (verdict == StreamVerdict::hold) carry_ = std::move(message);
      if (verdict != StreamVerdict::proceed) return verdict;
      continue;
    }
    auto scan = pgwire::scan_message(slice.view(), pgwire::kMaxMessageLength);
    switch (scan.status) {
      case pgwire::ScanStatus::malformed:
        sink.on_malformed("invalid message length");
        return StreamVerdict::close;
      case pgwire::ScanStatus::need_header:
        carry_.assign(slice.data(), slice.length);
        consume(slice.length);
        return StreamVerdict::proceed;
      case pgwire::ScanStatus::partial:
        if (sink.streamable(scan.type)) {
          streaming_left_ = static_cast<uint32_t>(scan.total_size() - slice.length);
          core::Slice piece{slice.chunk, slice.offset, slice.length};
          consume(slice.length);
          StreamVerdict verdict = sink.on_message_piece(piece.view(), &piece, true, false);
          if (verdict == StreamVerdict::hold) {
            slice = std::move(piece);  // offered again whole
            streaming_left_ = 0;
          }
          return verdict;
        }
        if (scan.length > max_gathered_) {
          sink.on_malformed("message of " + std::to_string(scan.length) + " bytes is larger than the limit");
          return StreamVerdict::close;
        }
        carry_.assign(slice.data(), slice.length);
        consume(slice.length);
        return StreamVerdict::proceed;
      case pgwire::ScanStatus::complete: {
        uint32_t size = static_cast<uint32_t>(scan.total_size());
        core::Slice message{slice.chunk, slice.offset, size};
        StreamVerdict verdict = sink.on_message(message.view(), &message);
        if (verdict == StreamVerdict::hold) return verdict;
        consume(size);
        if (verdict != StreamVerdict::proceed) return verdict;
        break;
      }
    }
  }
  return StreamVerdict::proceed;
}

}  // namespace sy::postgres
