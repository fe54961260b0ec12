// The PROXY protocol (HAProxy's spec, versions 1 and 2), sans-I/O: parse()
// reads the header a load balancer in front of us puts before a client's
// bytes, and build_v1()/build_v2() write the one we put before ours toward a
// server. Used by tcp and http listeners (accept_proxy) and backends
// (send_proxy).
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace sy::proxy_protocol {

// Longest header accepted: v1 is at most 107 bytes; v2 is 16 bytes plus
// addresses and TLVs, which in practice stay well under this.
constexpr size_t kMaxHeaderBytes = 16 + 1024;

struct Addresses {
  // Both are AF_UNSPEC when the sender had none to give (v1 UNKNOWN, v2
  // LOCAL or an unsupported family): the connection's own addresses stand.
  sockaddr_storage source{};
  sockaddr_storage destination{};

  bool known() const { return source.ss_family != AF_UNSPEC; }
};

struct ParseResult {
  enum class Status { need_more, done, invalid };
  Status status = Status::need_more;
  size_t length = 0;       // done: bytes of the header; the client's own bytes follow
  std::string_view error;  // invalid: why
  Addresses addresses;
};

// Reads a header at the start of `data`. need_more while `data` could still
// become a valid header; invalid as soon as it cannot.
ParseResult parse(std::string_view data);

std::string build_v1(const sockaddr_storage& source, const sockaddr_storage& destination);
std::string build_v2(const sockaddr_storage& source, const sockaddr_storage& destination);

// "1.2.3.4" / "::1", for logs and X-Forwarded-For; empty for AF_UNSPEC.
std::string address_text(const sockaddr_storage& address);
uint16_t port_of(const sockaddr_storage& address);

}  // namespace sy::proxy_protocol
