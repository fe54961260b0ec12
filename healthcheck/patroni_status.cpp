// Patroni JSON -> RoleReport; see patroni_status.hpp. Patroni derives
// "role" from pg_is_in_recovery(): "master" (Patroni 3) or "primary"
// (later versions) for a server out of recovery, "replica" or
// "standby_leader" otherwise.
#include "healthcheck/patroni_status.hpp"

#include <nlohmann/json.hpp>

#include <charconv>
#include <chrono>

namespace sy::health {
namespace {

using json = nlohmann::json;

// A non-negative integer field, or 0 when absent, null or anything else.
uint64_t unsigned_field(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end()) return 0;
  if (it->is_number_unsigned()) return it->get<uint64_t>();
  if (it->is_number_integer() && it->get<int64_t>() >= 0) return static_cast<uint64_t>(it->get<int64_t>());
  return 0;
}

std::string string_field(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Reads `count` digits at `pos` into `out`; false if they are not digits.
bool digits(std::string_view text, size_t pos, size_t count, int& out) {
  if (pos + count > text.size()) return false;
  auto [end, ec] = std::from_chars(text.data() + pos, text.data() + pos + count, out);
  return ec == std::errc() && end == text.data() + pos + count;
}

}  // namespace

std::optional<double> parse_patroni_timestamp(std::string_view text) {
  int year, month, day, hour, minute, second;
  if (text.size() < 19 || text[4] != '-' || text[7] != '-' || (text[10] != ' ' && text[10] != 'T') ||
      text[13] != ':' || text[16] != ':')
    return std::nullopt;
  if (!digits(text, 0, 4, year) || !digits(text, 5, 2, month) || !digits(text, 8, 2, day) ||
      !digits(text, 11, 2, hour) || !digits(text, 14, 2, minute) || !digits(text, 17, 2, second))
    return std::nullopt;
  std::chrono::year_month_day date{std::chrono::year(year), std::chrono::month(static_cast<unsigned>(month)),
                                   std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok() || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  double seconds = static_cast<double>(std::chrono::sys_days(date).time_since_epoch() / std::chrono::seconds(1)) +
                   hour * 3600.0 + minute * 60.0 + second;
  size_t pos = 19;
  if (pos < text.size() && text[pos] == '.') {
    double scale = 0.1;
    for (++pos; pos < text.size() && text[pos] >= '0' && text[pos] <= '9'; ++pos, scale /= 10)
      seconds += (text[pos] - '0') * scale;
  }
  if (pos == text.size() || (text[pos] == 'Z' && pos + 1 == text.size())) return seconds;
  // "+HH:MM" / "-HH:MM": local time that far from UTC.
  int offset_hours, offset_minutes;
  if ((text[pos] != '+' && text[pos] != '-') || text.size() != pos + 6 || text[pos + 3] != ':' ||
      !digits(text, pos + 1, 2, offset_hours) || !digits(text, pos + 4, 2, offset_minutes))
    return std::nullopt;
  double offset = offset_hours * 3600.0 + offset_minutes * 60.0;
  return text[pos] == '+' ? seconds - offset : seconds + offset;
}

PatroniStatus parse_patroni_status(std::string_view text, double now_epoch_seconds) {
  PatroniStatus status;
  json document = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded() || !document.is_object()) {
    status.summary = "Patroni's answer is not a JSON object";
    return status;
  }
  std::string state = string_field(document, "state");
  std::string role = string_field(document, "role");
  if (state.empty()) {
    status.summary = "Patroni's answer has no \"state\"";
    return status;
  }
  if (state != "running") {
    status.summary = "PostgreSQL is " + state + " (Patroni" + (role.empty() ? "" : ", role " + role) + ")";
    return status;
  }
  if (role.empty()) {
    status.summary = "Patroni's answer has no \"role\"";
    return status;
  }
  RoleReport report;
  report.in_recovery = role != "master" && role != "primary";
  report.timeline = static_cast<uint32_t>(unsigned_field(document, "timeline"));
  const json empty = json::object();
  auto xlog_it = document.find("xlog");
  const json& xlog = xlog_it != document.end() && xlog_it->is_object() ? *xlog_it : empty;
  if (report.in_recovery) {
    report.wal_lsn = unsigned_field(xlog, "replayed_location");
    report.receive_lsn = unsigned_field(xlog, "received_location");
    // As the PostgreSQL check does: a replica that has replayed all it
    // received is not behind, however old its last transaction is.
    if (report.receive_lsn != report.wal_lsn) {
      if (auto replayed = parse_patroni_timestamp(string_field(xlog, "replayed_timestamp")))
        report.replay_delay_seconds = std::max(0.0, now_epoch_seconds - *replayed);
    }
  } else {
    report.wal_lsn = unsigned_field(xlog, "location");
  }
  status.usable = true;
  status.summary = (report.in_recovery ? "replica" : "primary") + std::string(" (Patroni role ") + role +
                   ", timeline " + std::to_string(report.timeline) + ")";
  auto paused = xlog.find("paused");
  if (paused != xlog.end() && paused->is_boolean() && paused->get<bool>()) status.summary += ", replay paused";
  status.role = report;
  return status;
}

}  // namespace sy::health
