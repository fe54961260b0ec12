// PostgreSQL protocol v3 message framing, sans I/O: finds message boundaries
// in a byte span without copying, reads fields out of a payload, and builds
// the messages the proxy sends itself. Every regular message is a type byte
// followed by an int32 length that counts itself and the payload.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace sy::pgwire {

constexpr size_t kHeaderSize = 5;  // type byte + int32 length
// The largest message we accept; PostgreSQL's own limit for most messages is 1 GB.
constexpr uint32_t kMaxMessageLength = 1u << 30;

enum class ScanStatus {
  complete,      // header and whole payload present
  partial,       // header present, payload not (yet) all there
  need_header,   // fewer than 5 bytes
  malformed,     // length < 4 or beyond the limit
};

struct Scan {
  ScanStatus status = ScanStatus::need_header;
  char type = 0;
  uint32_t length = 0;  // as on the wire: payload + 4

  size_t total_size() const { return length + 1; }  // bytes of the whole message
};

// Looks at the message starting at bytes[0].
Scan scan_message(std::string_view bytes, uint32_t max_length = kMaxMessageLength);

// Reads fields out of a payload (the bytes after the length). Every read is
// bounds-checked; the first failure makes ok() false and later reads return
// empty values, so callers check once at the end.
class PayloadReader {
 public:
  explicit PayloadReader(std::string_view payload) : data_(payload) {}

  uint8_t byte();
  int16_t int16();
  int32_t int32();
  std::string_view cstring();  // up to (not including) the NUL
  std::string_view bytes(size_t count);
  std::string_view rest();

  bool ok() const { return ok_; }
  bool at_end() const { return position_ == data_.size(); }
  size_t position() const { return position_; }

 private:
  bool need(size_t count);

  std::string_view data_;
  size_t position_ = 0;
  bool ok_ = true;
};

// Builds one message into `out` (appending), filling in the length at the end.
class MessageBuilder {
 public:
  MessageBuilder(std::string& out, char type);
  MessageBuilder& byte(uint8_t value);
  MessageBuilder& int16(int16_t value);
  MessageBuilder& int32(int32_t value);
  MessageBuilder& cstring(std::string_view text);  // text + NUL
  MessageBuilder& bytes(std::string_view data);
  void finish();
  ~MessageBuilder();  // finishes if not finished yet

 private:
  std::string& out_;
  size_t start_;
  bool finished_ = false;
};

}  // namespace sy::pgwire
