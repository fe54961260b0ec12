// RESP encodings the proxy writes itself: replies it answers on its own
// (errors, OK, integers, HELLO's map as an array...) and the commands it sends
// to servers (its own, and inline commands rewritten to multibulk). Appends to
// a std::string, or fills a caller's buffer through BufferWriter.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

namespace sy::resp {

// Simple strings and errors cannot hold CR or LF: like Redis' addReplyError,
// those are written as spaces. `message` is the error without its '-'
// ("ERR unknown command 'x'").
void append_simple_string(std::string& out, std::string_view text);
void append_error(std::string& out, std::string_view message);
void append_integer(std::string& out, int64_t value);
void append_bulk(std::string& out, std::string_view data);
void append_null_bulk(std::string& out);  // RESP2 "$-1"
void append_array_header(std::string& out, size_t count);
// A command as a multibulk array of bulk strings.
void append_command(std::string& out, std::span<const std::string_view> argv);
void append_command(std::string& out, std::initializer_list<std::string_view> argv);

// Bytes append_command would write.
size_t command_size(std::span<const std::string_view> argv);

// The same encodings into a fixed buffer. A write that does not fit writes
// nothing more and makes ok() false for good, so callers check once.
class BufferWriter {
 public:
  explicit BufferWriter(std::span<char> buffer) : buffer_(buffer) {}

  BufferWriter& simple_string(std::string_view text);
  BufferWriter& error(std::string_view message);
  BufferWriter& integer(int64_t value);
  BufferWriter& bulk(std::string_view data);
  BufferWriter& null_bulk();
  BufferWriter& array_header(size_t count);
  BufferWriter& command(std::span<const std::string_view> argv);

  bool ok() const { return ok_; }
  size_t size() const { return size_; }  // bytes written
  std::string_view written() const { return {buffer_.data(), size_}; }

 private:
  friend struct BufferSink;
  void put(std::string_view bytes);
  void put(char byte) { put(std::string_view(&byte, 1)); }

  std::span<char> buffer_;
  size_t size_ = 0;
  bool ok_ = true;
};

}  // namespace sy::resp
