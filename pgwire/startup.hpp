// The startup phase of protocol v3, sans I/O: the first packet a client sends
// has no type byte — an int32 length, an int32 code, then either startup
// parameters or the body of an SSLRequest, GSSENCRequest or CancelRequest.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sy::pgwire {

constexpr int32_t kProtocolVersion3 = 196608;  // 3.0
constexpr int32_t kCancelRequestCode = 80877102;
constexpr int32_t kSslRequestCode = 80877103;
constexpr int32_t kGssEncRequestCode = 80877104;
constexpr uint32_t kMaxStartupLength = 10000;  // as PostgreSQL itself

enum class StartupKind { startup, ssl_request, gssenc_request, cancel_request };

struct StartupPacket {
  StartupKind kind = StartupKind::startup;
  int32_t protocol = 0;
  // Views into the packet bytes: valid while those bytes are.
  std::vector<std::pair<std::string_view, std::string_view>> parameters;
  int32_t cancel_process_id = 0;
  int32_t cancel_secret_key = 0;

  std::string_view parameter(std::string_view name) const;
};

enum class StartupScanStatus { complete, need_more, malformed };

struct StartupScan {
  StartupScanStatus status = StartupScanStatus::need_more;
  uint32_t length = 0;  // the whole packet, length field included
};

StartupScan scan_startup(std::string_view bytes);

// Parses a whole startup-phase packet. On failure returns false with a
// message fit for an ErrorResponse.
bool parse_startup(std::string_view packet, StartupPacket& out, std::string& error);

// Builds a StartupMessage (for server connections).
std::string build_startup(const std::vector<std::pair<std::string, std::string>>& parameters);
std::string build_cancel_request(int32_t process_id, int32_t secret_key);
// What a client sends to ask the server for TLS (answered 'S' or 'N').
std::string build_ssl_request();

}  // namespace sy::pgwire
