// Formatting the access log line; see access_log.hpp.
#include "proxy/http/access_log.hpp"

#include <charconv>

#include "proxy/core/log.hpp"

namespace sy::http {
namespace {

struct Number {
  char text[24];
  size_t length;
  explicit Number(int64_t value) {
    auto [end, ec] = std::to_chars(text, text + sizeof text, value);
    length = static_cast<size_t>(end - text);
  }
  std::string_view view() const { return {text, length}; }
};

}  // namespace

void write_access_log(const AccessRecord& r) {
  Number status(r.status), bytes_in(static_cast<int64_t>(r.bytes_in)), bytes_out(static_cast<int64_t>(r.bytes_out)),
      queue(r.queue_ms), connect(r.connect_ms), response(r.response_ms), total(r.total_ms),
      retries(static_cast<int64_t>(r.retries));
  log::write_record(log::Level::info, "http",
                    {{"listener", r.listener},
                     {"route", r.route},
                     {"backend", r.backend},
                     {"server", r.server},
                     {"client", r.client},
                     {"method", r.method},
                     {"target", r.target},
                     {"status", status.view(), true},
                     {"bytes_in", bytes_in.view(), true},
                     {"bytes_out", bytes_out.view(), true},
                     {"queue_ms", queue.view(), true},
                     {"connect_ms", connect.view(), true},
                     {"response_ms", response.view(), true},
                     {"total_ms", total.view(), true},
                     {"request_id", r.request_id},
                     {"retries", retries.view(), true},
                     {"reason", r.reason}});
}

}  // namespace sy::http
