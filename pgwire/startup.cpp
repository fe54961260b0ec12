// Startup-phase packet parsing and building; see startup.hpp.
#include "pgwire/startup.hpp"

#include "pgwire/message.hpp"

namespace sy::pgwire {

std::string_view StartupPacket::parameter(std::string_view name) const {
  for (const auto& [key, value] : parameters)
    if (key == name) return value;
  return {};
}

StartupScan scan_startup(std::string_view bytes) {
  StartupScan scan;
  if (bytes.size() < 4) return scan;
  PayloadReader reader(bytes.substr(0, 4));
  uint32_t length = uint32_t(reader.int32());
  if (length < 8 || length > kMaxStartupLength) {
    scan.status = StartupScanStatus::malformed;
    return scan;
  }
  scan.length = length;
  scan.status = bytes.size() >= length ? StartupScanStatus::complete : StartupScanStatus::need_more;
  return scan;
}

bool parse_startup(std::string_view packet, StartupPacket& out, std::string& error) {
  PayloadReader reader(packet.substr(4));
  int32_t code = reader.int32();
  switch (code) {
    case kSslRequestCode:
      out.kind = StartupKind::ssl_request;
      return true;
    case kGssEncRequestCode:
      out.kind = StartupKind::gssenc_request;
      return true;
    case kCancelRequestCode:
      out.kind = StartupKind::cancel_request;
      out.cancel_process_id = reader.int32();
      out.cancel_secret_key = reader.int32();
      if (!reader.ok()) {
        error = "invalid CancelRequest packet";
        return false;
      }
      return true;
    default:
      break;
  }
  if ((code >> 16) != 3) {
    error = "unsupported frontend protocol " + std::to_string(code >> 16) + "." + std::to_string(code & 0xffff) +
            ": server supports 3.0";
    return false;
  }
  out.kind = StartupKind::startup;
  out.protocol = code;
  while (true) {
    std::string_view name = reader.cstring();
    if (!reader.ok()) break;
    if (name.empty()) {
      if (!reader.at_end()) break;
      if (out.parameter("user").empty()) {
        error = "no PostgreSQL user name specified in startup packet";
        return false;
      }
      return true;
    }
    std::string_view value = reader.cstring();
    if (!reader.ok()) break;
    out.parameters.emplace_back(name, value);
  }
  error = "invalid startup packet layout: expected terminator as last byte";
  return false;
}

std::string build_startup(const std::vector<std::pair<std::string, std::string>>& parameters) {
  std::string out;
  MessageBuilder message(out, 0);
  message.int32(kProtocolVersion3);
  for (const auto& [name, value] : parameters) message.cstring(name).cstring(value);
  message.byte(0);
  message.finish();
  return out;
}

std::string build_cancel_request(int32_t process_id, int32_t secret_key) {
  std::string out;
  MessageBuilder(out, 0).int32(kCancelRequestCode).int32(process_id).int32(secret_key);
  return out;
}

std::string build_ssl_request() {
  std::string out;
  MessageBuilder(out, 0).int32(kSslRequestCode);
  return out;
}

}  // namespace sy::pgwire
