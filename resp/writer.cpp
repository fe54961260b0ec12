// RESP encoders; see writer.hpp. Each encoding is written once, over a sink
// that is either a std::string or a BufferWriter.
#include "resp/writer.hpp"

#include <charconv>

namespace sy::resp {

struct StringSink {
  std::string& out;
  void put(std::string_view bytes) { out.append(bytes); }
  void put(char byte) { out.push_back(byte); }
};

struct BufferSink {
  BufferWriter& writer;
  void put(std::string_view bytes) { writer.put(bytes); }
  void put(char byte) { writer.put(byte); }
};

namespace {

template <class Sink>
void put_number_line(Sink sink, char type, int64_t value) {
  char digits[24];
  auto [end, error] = std::to_chars(digits, digits + sizeof digits, value);
  (void)error;  // 24 characters hold every int64
  sink.put(type);
  sink.put(std::string_view(digits, size_t(end - digits)));
  sink.put("\r\n");
}

template <class Sink>
void put_line(Sink sink, char type, std::string_view text) {
  sink.put(type);
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' || text[i] == '\n') {
      sink.put(text.substr(start, i - start));
      sink.put(' ');
      start = i + 1;
    }
  }
  sink.put(text.substr(start));
  sink.put("\r\n");
}

template <class Sink>
void put_bulk(Sink sink, std::string_view data) {
  put_number_line(sink, '$', int64_t(data.size()));
  sink.put(data);
  sink.put("\r\n");
}

template <class Sink>
void put_command(Sink sink, std::span<const std::string_view> argv) {
  put_number_line(sink, '*', int64_t(argv.size()));
  for (std::string_view argument : argv) put_bulk(sink, argument);
}

size_t decimal_digits(size_t value) {
  size_t digits = 1;
  while (value >= 10) {
    value /= 10;
    ++digits;
  }
  return digits;
}

}  // namespace

void append_simple_string(std::string& out, std::string_view text) { put_line(StringSink{out}, '+', text); }
void append_error(std::string& out, std::string_view message) { put_line(StringSink{out}, '-', message); }
void append_integer(std::string& out, int64_t value) { put_number_line(StringSink{out}, ':', value); }
void append_bulk(std::string& out, std::string_view data) { put_bulk(StringSink{out}, data); }
void append_null_bulk(std::string& out) { out.append("$-1\r\n"); }
void append_array_header(std::string& out, size_t count) { put_number_line(StringSink{out}, '*', int64_t(count)); }

void append_command(std::string& out, std::span<const std::string_view> argv) {
  out.reserve(out.size() + command_size(argv));
  put_command(StringSink{out}, argv);
}

void append_command(std::string& out, std::initializer_list<std::string_view> argv) {
  append_command(out, std::span<const std::string_view>(argv.begin(), argv.size()));
}

size_t command_size(std::span<const std::string_view> argv) {
  size_t size = 1 + decimal_digits(argv.size()) + 2;
  for (std::string_view argument : argv) size += 1 + decimal_digits(argument.size()) + 2 + argument.size() + 2;
  return size;
}

void BufferWriter::put(std::string_view bytes) {
  if (!ok_) return;
  if (buffer_.size() - size_ < bytes.size()) {
    ok_ = false;
    return;
  }
  bytes.copy(buffer_.data() + size_, bytes.size());
  size_ += bytes.size();
}

BufferWriter& BufferWriter::simple_string(std::string_view text) {
  put_line(BufferSink{*this}, '+', text);
  return *this;
}

BufferWriter& BufferWriter::error(std::string_view message) {
  put_line(BufferSink{*this}, '-', message);
  return *this;
}

BufferWriter& BufferWriter::integer(int64_t value) {
  put_number_line(BufferSink{*this}, ':', value);
  return *this;
}

BufferWriter& BufferWriter::bulk(std::string_view data) {
  put_bulk(BufferSink{*this}, data);
  return *this;
}

BufferWriter& BufferWriter::null_bulk() {
  put("$-1\r\n");
  return *this;
}

BufferWriter& BufferWriter::array_header(size_t count) {
  put_number_line(BufferSink{*this}, '*', int64_t(count));
  return *this;
}

BufferWriter& BufferWriter::command(std::span<const std::string_view> argv) {
  put_command(BufferSink{*this}, argv);
  return *this;
}

}  // namespace sy::resp
