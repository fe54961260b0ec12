// `show certificates`; see tls_commands.hpp.
#include "proxy/admin/tls_commands.hpp"

#include <chrono>
#include <ctime>

#include "proxy/admin/request.hpp"
#include "proxy/admin/table.hpp"
#include "proxy/control/control.hpp"

namespace sy::admin {
namespace {

std::string utc_time(int64_t seconds) {
  std::time_t time = static_cast<std::time_t>(seconds);
  std::tm parts{};
  gmtime_r(&time, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ",") + name;
  return out;
}

}  // namespace

std::optional<Reply> show_certificates(Request& request) {
  Table table{{"listener", "served", "subject", "subject_alt_names", "issuer", "serial", "not_after", "expires_in_s"},
              {}};
  const auto& contexts = request.control.tls_contexts();
  if (!contexts) return render(table, request.json);
  const int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  for (const auto& [listener, context] : contexts->listeners()) {
    bool first = true;
    for (const auto& info : context->certificates()) {
      table.rows.push_back({listener, first ? "default" : "sni", info.subject, joined(info.subject_alt_names),
                            info.issuer, info.serial, utc_time(info.not_after), info.not_after - now});
      first = false;
    }
  }
  return render(table, request.json);
}

}  // namespace sy::admin
