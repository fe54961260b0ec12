// Log line formatting and output; see log.hpp.
#include "proxy/core/log.hpp"

#include <unistd.h>

#include <chrono>
#include <ctime>

namespace sy::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::info)};
std::atomic<bool> g_json{false};

void append_timestamp(std::string& out) {
  auto now = std::chrono::system_clock::now();
  auto seconds = std::chrono::system_clock::to_time_t(now);
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[40];
  size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  n += std::snprintf(text + n, sizeof text - n, ".%03dZ", static_cast<int>(millis));
  out.append(text, n);
}

void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) == 0x7f) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
          out += escaped;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

// The last line of defence against forged lines in the text format: a
// control byte that reached a message (a client string someone forgot to
// pass through core::printable) is written as \xNN, so one call is always
// one line. Tabs stay: they cannot start a line.
void append_one_line(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if ((byte < 0x20 && byte != '\t') || byte == 0x7f) {
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    } else {
      out += c;
    }
  }
}

bool has_control_byte(std::string_view text) {
  for (char c : text)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) == 0x7f) return true;
  return false;
}

}  // namespace

void configure(Level level, conf::LogFormat format) {
  g_level.store(static_cast<int>(level), std::memory_order_relaxed);
  g_json.store(format == conf::LogFormat::json, std::memory_order_relaxed);
}

bool enabled(Level level) { return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed); }

void write(Level level, std::string_view message) {
  std::string line;
  line.reserve(message.size() + 64);
  if (g_json.load(std::memory_order_relaxed)) {
    line += "{\"ts\":\"";
    append_timestamp(line);
    line += "\",\"level\":\"";
    line += conf::to_string(level);
    line += "\",\"msg\":";
    append_json_string(line, message);
    line += "}\n";
  } else {
    append_timestamp(line);
    line += ' ';
    line += conf::to_string(level);
    line += ' ';
    append_one_line(line, message);
    line += '\n';
  }
  // One write(2) per line keeps lines from different threads whole.
  [[maybe_unused]] auto written = ::write(STDERR_FILENO, line.data(), line.size());
}

void write_record(Level level, std::string_view message, std::initializer_list<Field> fields) {
  std::string line;
  line.reserve(256);
  if (g_json.load(std::memory_order_relaxed)) {
    line += "{\"ts\":\"";
    append_timestamp(line);
    line += "\",\"level\":\"";
    line += conf::to_string(level);
    line += "\",\"msg\":";
    append_json_string(line, message);
    for (const Field& field : fields) {
      line += ",\"";
      line += field.key;
      line += "\":";
      if (field.number) line += field.text;
      else append_json_string(line, field.text);
    }
    line += "}\n";
  } else {
    append_timestamp(line);
    line += ' ';
    line += conf::to_string(level);
    line += ' ';
    append_one_line(line, message);
    for (const Field& field : fields) {
      line += ' ';
      line += field.key;
      line += '=';
      // "-" for nothing, as access logs have it; quotes only when needed.
      if (field.text.empty()) line += '-';
      else if (field.text.find_first_of(" \"=") != std::string_view::npos || has_control_byte(field.text))
        append_json_string(line, field.text);
      else line += field.text;
    }
    line += '\n';
  }
  [[maybe_unused]] auto written = ::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace sy::log
