// Endpoint parsing and resolution for configuration values.
#include "conf/address.hpp"

#include <arpa/inet.h>
#include <netdb.h>

#include <charconv>
#include <cstring>

namespace sy::conf {

std::string Address::to_string() const {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

std::variant<Address, std::string> parse_address(std::string_view text) {
  std::string_view host;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return std::string("expected \"[ipv6]:port\"");
    host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::string("expected \"host:port\"");
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos)
      return std::string("IPv6 addresses need brackets: \"[::1]:port\"");
  }
  if (host.empty()) return std::string("missing host in \"host:port\"");
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535)
    return std::string("invalid port \"") + std::string(port_text) + "\"";

  Address address;
  address.host = std::string(host);
  address.port = static_cast<uint16_t>(port);

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* result = nullptr;
  std::string port_string = std::to_string(port);
  int rc = getaddrinfo(address.host.c_str(), port_string.c_str(), &hints, &result);
  if (rc != 0 || result == nullptr)
    return "cannot resolve \"" + address.host + "\": " + gai_strerror(rc);
  std::memcpy(&address.storage, result->ai_addr, result->ai_addrlen);
  address.length = result->ai_addrlen;
  freeaddrinfo(result);
  return address;
}

Address with_port(const Address& address, uint16_t port) {
  Address moved = address;
  moved.port = port;
  if (moved.storage.ss_family == AF_INET) reinterpret_cast<sockaddr_in*>(&moved.storage)->sin_port = htons(port);
  else if (moved.storage.ss_family == AF_INET6) reinterpret_cast<sockaddr_in6*>(&moved.storage)->sin6_port = htons(port);
  return moved;
}

std::string format_sockaddr(const sockaddr* address) {
  char text[INET6_ADDRSTRLEN] = "?";
  if (address->sa_family == AF_INET) {
    auto* v4 = reinterpret_cast<const sockaddr_in*>(address);
    inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text);
    return std::string(text) + ":" + std::to_string(ntohs(v4->sin_port));
  }
  if (address->sa_family == AF_INET6) {
    auto* v6 = reinterpret_cast<const sockaddr_in6*>(address);
    inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text);
    return "[" + std::string(text) + "]:" + std::to_string(ntohs(v6->sin6_port));
  }
  if (address->sa_family == AF_UNIX) return "unix";
  return "?";
}

}  // namespace sy::conf
