// One line per event, text or JSON, to stderr. Callers build the message from
// pieces; nothing is formatted when the level is off. Never log per packet.
#pragma once

#include <atomic>
#include <initializer_list>
#include <sstream>
#include <string>
#include <string_view>

#include "conf/config.hpp"

namespace sy::log {

using Level = conf::LogLevel;

void configure(Level level, conf::LogFormat format);
bool enabled(Level level);
void write(Level level, std::string_view message);

// A line with named fields (an access log line): in text, `message` then
// key=value pairs (values quoted when they hold spaces); in JSON, the fields
// are members of the line's object next to ts, level and msg.
struct Field {
  std::string_view key;
  std::string_view text;
  bool number = false;  // JSON: written unquoted
};
void write_record(Level level, std::string_view message, std::initializer_list<Field> fields);

template <typename... Parts>
std::string concat(const Parts&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  return out.str();
}

template <typename... Parts>
void debug(const Parts&... parts) {
  if (enabled(Level::debug)) write(Level::debug, concat(parts...));
}
template <typename... Parts>
void info(const Parts&... parts) {
  if (enabled(Level::info)) write(Level::info, concat(parts...));
}
template <typename... Parts>
void warn(const Parts&... parts) {
  if (enabled(Level::warn)) write(Level::warn, concat(parts...));
}
template <typename... Parts>
void error(const Parts&... parts) {
  if (enabled(Level::error)) write(Level::error, concat(parts...));
}

}  // namespace sy::log
