// PROXY protocol v1 (text) and v2 (binary) headers; see header.hpp.
#include "proxy/proxy_protocol/header.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace sy::proxy_protocol {
namespace {

constexpr std::string_view kV1Prefix = "PROXY ";
constexpr size_t kV1MaxLength = 107;  // the spec's bound, CRLF included
constexpr char kV2Signature[12] = {'\r', '\n', '\r', '\n', '\0', '\r', '\n', 'Q', 'U', 'I', 'T', '\n'};

ParseResult invalid(std::string_view why) {
  ParseResult result;
  result.status = ParseResult::Status::invalid;
  result.error = why;
  return result;
}

bool parse_port(std::string_view text, uint16_t& port) {
  if (text.empty() || text.size() > 5 || (text.size() > 1 && text[0] == '0')) return false;
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value > 65535) return false;
  port = static_cast<uint16_t>(value);
  return true;
}

bool parse_ip(std::string_view text, int family, uint16_t port, sockaddr_storage& out) {
  char buffer[INET6_ADDRSTRLEN];
  if (text.size() >= sizeof buffer) return false;
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';
  out = {};
  if (family == AF_INET) {
    auto& a = reinterpret_cast<sockaddr_in&>(out);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    return inet_pton(AF_INET, buffer, &a.sin_addr) == 1;
  }
  auto& a = reinterpret_cast<sockaddr_in6&>(out);
  a.sin6_family = AF_INET6;
  a.sin6_port = htons(port);
  return inet_pton(AF_INET6, buffer, &a.sin6_addr) == 1;
}

// "PROXY TCP4 192.0.2.1 198.51.100.1 56324 443\r\n" or "PROXY UNKNOWN...\r\n".
ParseResult parse_v1(std::string_view data) {
  size_t end = data.find("\r\n");
  if (end == std::string_view::npos) {
    if (data.size() >= kV1MaxLength) return invalid("PROXY v1 header without CRLF in 107 bytes");
    if (data.find('\n') != std::string_view::npos) return invalid("PROXY v1 header ends with a bare LF");
    return {};
  }
  if (end + 2 > kV1MaxLength) return invalid("PROXY v1 header longer than 107 bytes");
  // A bare LF before the CRLF is refused whether or not the CRLF has come
  // yet: the verdict must not depend on how the bytes were cut.
  if (data.substr(0, end).find('\n') != std::string_view::npos) return invalid("PROXY v1 header ends with a bare LF");
  ParseResult result;
  result.status = ParseResult::Status::done;
  result.length = end + 2;
  std::string_view line = data.substr(kV1Prefix.size(), end - kV1Prefix.size());
  std::string_view words[5];
  size_t count = 0;
  while (!line.empty() && count < 5) {
    size_t space = line.find(' ');
    words[count++] = line.substr(0, space);
    line = space == std::string_view::npos ? std::string_view() : line.substr(space + 1);
  }
  if (count >= 1 && words[0] == "UNKNOWN") return result;  // the rest of the line is ignored
  if (count != 5 || !line.empty()) return invalid("PROXY v1 header is not \"PROXY TCP4|TCP6 src dst sport dport\"");
  int family = words[0] == "TCP4" ? AF_INET : words[0] == "TCP6" ? AF_INET6 : AF_UNSPEC;
  if (family == AF_UNSPEC) return invalid("PROXY v1 protocol is not TCP4, TCP6 or UNKNOWN");
  uint16_t source_port = 0, destination_port = 0;
  if (!parse_port(words[3], source_port) || !parse_port(words[4], destination_port))
    return invalid("PROXY v1 header has an invalid port");
  if (!parse_ip(words[1], family, source_port, result.addresses.source) ||
      !parse_ip(words[2], family, destination_port, result.addresses.destination))
    return invalid("PROXY v1 header has an invalid address");
  return result;
}

ParseResult parse_v2(std::string_view data) {
  if (data.size() < 16) return {};
  auto byte = [&](size_t i) { return static_cast<uint8_t>(data[i]); };
  if ((byte(12) >> 4) != 2) return invalid("PROXY v2 header with a version other than 2");
  unsigned command = byte(12) & 0x0f;
  if (command > 1) return invalid("PROXY v2 header with an unknown command");
  size_t length = (static_cast<size_t>(byte(14)) << 8) | byte(15);
  if (16 + length > kMaxHeaderBytes) return invalid("PROXY v2 header too long");
  if (data.size() < 16 + length) return {};
  ParseResult result;
  result.status = ParseResult::Status::done;
  result.length = 16 + length;
  if (command == 0) return result;  // LOCAL: a health check of the sender; no addresses
  unsigned family = byte(13) >> 4;
  unsigned transport = byte(13) & 0x0f;
  const char* body = data.data() + 16;
  if (family == 1 && transport == 1) {  // TCP over IPv4
    if (length < 12) return invalid("PROXY v2 header too short for IPv4 addresses");
    auto& source = reinterpret_cast<sockaddr_in&>(result.addresses.source);
    auto& destination = reinterpret_cast<sockaddr_in&>(result.addresses.destination);
    source.sin_family = destination.sin_family = AF_INET;
    std::memcpy(&source.sin_addr, body, 4);
    std::memcpy(&destination.sin_addr, body + 4, 4);
    std::memcpy(&source.sin_port, body + 8, 2);
    std::memcpy(&destination.sin_port, body + 10, 2);
  } else if (family == 2 && transport == 1) {  // TCP over IPv6
    if (length < 36) return invalid("PROXY v2 header too short for IPv6 addresses");
    auto& source = reinterpret_cast<sockaddr_in6&>(result.addresses.source);
    auto& destination = reinterpret_cast<sockaddr_in6&>(result.addresses.destination);
    source.sin6_family = destination.sin6_family = AF_INET6;
    std::memcpy(&source.sin6_addr, body, 16);
    std::memcpy(&destination.sin6_addr, body + 16, 16);
    std::memcpy(&source.sin6_port, body + 32, 2);
    std::memcpy(&destination.sin6_port, body + 34, 2);
  }
  // Other families (UNSPEC, UNIX, UDP): no usable addresses; TLVs are skipped.
  return result;
}

}  // namespace

ParseResult parse(std::string_view data) {
  // Decide on the first bytes, rejecting as soon as neither signature fits.
  size_t v1 = std::min(data.size(), kV1Prefix.size());
  if (data.substr(0, v1) == kV1Prefix.substr(0, v1)) return data.size() < kV1Prefix.size() ? ParseResult{} : parse_v1(data);
  size_t v2 = std::min(data.size(), sizeof kV2Signature);
  if (std::memcmp(data.data(), kV2Signature, v2) == 0) return parse_v2(data);
  return invalid("connection does not start with a PROXY protocol header");
}

std::string build_v1(const sockaddr_storage& source, const sockaddr_storage& destination) {
  if (source.ss_family != destination.ss_family || (source.ss_family != AF_INET && source.ss_family != AF_INET6))
    return "PROXY UNKNOWN\r\n";
  std::string line = source.ss_family == AF_INET ? "PROXY TCP4 " : "PROXY TCP6 ";
  line += address_text(source) + " " + address_text(destination) + " " + std::to_string(port_of(source)) + " " +
          std::to_string(port_of(destination)) + "\r\n";
  return line;
}

std::string build_v2(const sockaddr_storage& source, const sockaddr_storage& destination) {
  std::string header(kV2Signature, sizeof kV2Signature);
  bool same = source.ss_family == destination.ss_family;
  if (same && source.ss_family == AF_INET) {
    header += '\x21';  // version 2, PROXY
    header += '\x11';  // AF_INET, STREAM
    header += '\x00';
    header += '\x0c';
    const auto& s = reinterpret_cast<const sockaddr_in&>(source);
    const auto& d = reinterpret_cast<const sockaddr_in&>(destination);
    header.append(reinterpret_cast<const char*>(&s.sin_addr), 4);
    header.append(reinterpret_cast<const char*>(&d.sin_addr), 4);
    header.append(reinterpret_cast<const char*>(&s.sin_port), 2);
    header.append(reinterpret_cast<const char*>(&d.sin_port), 2);
  } else if (same && source.ss_family == AF_INET6) {
    header += '\x21';
    header += '\x21';  // AF_INET6, STREAM
    header += '\x00';
    header += '\x24';
    const auto& s = reinterpret_cast<const sockaddr_in6&>(source);
    const auto& d = reinterpret_cast<const sockaddr_in6&>(destination);
    header.append(reinterpret_cast<const char*>(&s.sin6_addr), 16);
    header.append(reinterpret_cast<const char*>(&d.sin6_addr), 16);
    header.append(reinterpret_cast<const char*>(&s.sin6_port), 2);
    header.append(reinterpret_cast<const char*>(&d.sin6_port), 2);
  } else {
    header += '\x21';
    header += '\x00';  // UNSPEC: the receiver uses the connection's own addresses
    header += '\x00';
    header += '\x00';
  }
  return header;
}

std::string address_text(const sockaddr_storage& address) {
  char text[INET6_ADDRSTRLEN] = "";
  if (address.ss_family == AF_INET)
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(address).sin_addr, text, sizeof text);
  else if (address.ss_family == AF_INET6)
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(address).sin6_addr, text, sizeof text);
  return text;
}

uint16_t port_of(const sockaddr_storage& address) {
  if (address.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in&>(address).sin_port);
  if (address.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6&>(address).sin6_port);
  return 0;
}

}  // namespace sy::proxy_protocol
