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
        if (static_cast<unsigned char>(c) < 0x20) {
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
    line += message;
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
    line += message;
    for (const Field& field : fields) {
      line += ' ';
      line += field.key;
      line += '=';
      // "-" for nothing, as access logs have it; quotes only when needed.
      if (field.text.empty()) line += '-';
      else if (field.text.find_first_of(" \"=") != std::string_view::npos) append_json_string(line, field.text);
      else line += field.text;
    }
    line += '\n';
  }
  [[maybe_unused]] auto written = ::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace sy::log
