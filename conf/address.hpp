// A host:port endpoint from the configuration, resolved once at load time so
// that the data path connects to a ready sockaddr and never blocks on DNS.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace sy::conf {

struct Address {
  std::string host;  // as written ("127.0.0.1", "::1", "localhost")
  uint16_t port = 0;
  sockaddr_storage storage{};
  socklen_t length = 0;

  const sockaddr* sockaddr_ptr() const { return reinterpret_cast<const sockaddr*>(&storage); }
  // "host:port", with brackets around IPv6 literals.
  std::string to_string() const;
  bool operator==(const Address& other) const { return host == other.host && port == other.port; }
};

// Parses "host:port" / "[v6]:port" and resolves it (numeric first, then
// getaddrinfo). Returns an error message on failure.
std::variant<Address, std::string> parse_address(std::string_view text);

// The same host with another port (no new resolution).
Address with_port(const Address& address, uint16_t port);

// Formats a socket address as "ip:port" (for logs and admin output).
std::string format_sockaddr(const sockaddr* address);

}  // namespace sy::conf
