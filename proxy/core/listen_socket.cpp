// SO_REUSEPORT listening socket creation; see listen_socket.hpp.
#include "proxy/core/listen_socket.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sy::core {
namespace {

constexpr int kBacklog = 1024;

std::variant<int, std::string> open_one(const sockaddr_storage& address, socklen_t length) {
  int fd = ::socket(address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::string("socket: ") + std::strerror(errno);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  if (address.ss_family == AF_INET6) ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&address), length) != 0 || ::listen(fd, kBacklog) != 0) {
    std::string message = std::strerror(errno);
    ::close(fd);
    return message;
  }
  return fd;
}

uint16_t bound_port(int fd) {
  sockaddr_storage actual{};
  socklen_t length = sizeof actual;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&actual), &length);
  if (actual.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&actual)->sin6_port);
  return ntohs(reinterpret_cast<sockaddr_in*>(&actual)->sin_port);
}

void set_port(sockaddr_storage& address, uint16_t port) {
  if (address.ss_family == AF_INET6) reinterpret_cast<sockaddr_in6*>(&address)->sin6_port = htons(port);
  else reinterpret_cast<sockaddr_in*>(&address)->sin_port = htons(port);
}

// SO_REUSEPORT would let us share a port with another running process (say,
// a second switchyard started by mistake), each getting part of the traffic.
// A plain bind first tells whether anyone holds the address.
std::string address_in_use(const sockaddr_storage& address, socklen_t length) {
  int fd = ::socket(address.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return {};
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  std::string problem;
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&address), length) != 0 && errno == EADDRINUSE)
    problem = "address already in use";
  ::close(fd);
  return problem;
}

}  // namespace

std::variant<ListenSockets, std::string> open_listen_sockets(const conf::Address& address, unsigned count) {
  ListenSockets result;
  if (address.port != 0)
    if (auto problem = address_in_use(address.storage, address.length); !problem.empty())
      return "cannot listen on " + address.to_string() + ": " + problem;
  sockaddr_storage storage = address.storage;
  for (unsigned i = 0; i < count; ++i) {
    auto opened = open_one(storage, address.length);
    if (auto* message = std::get_if<std::string>(&opened)) {
      close_fds(result.fds);
      return "cannot listen on " + address.to_string() + ": " + *message;
    }
    int fd = std::get<int>(opened);
    if (i == 0) {
      result.port = bound_port(fd);
      set_port(storage, result.port);
    }
    result.fds.push_back(fd);
  }
  return result;
}

void close_fds(std::vector<int>& fds) {
  for (int fd : fds) ::close(fd);
  fds.clear();
}

}  // namespace sy::core
