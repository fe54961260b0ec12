// The admin command-line client; see ctl_client.hpp. Plain blocking sockets
// with a timeout: this is a one-shot tool, not part of the event loop.
#include "proxy/admin/ctl_client.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>

#include "conf/loader.hpp"

namespace sy::admin {
namespace {

constexpr int kTimeoutSeconds = 30;  // a reload may take a moment; nothing else should

void usage() {
  std::cerr << "usage: switchyard ctl [--socket PATH | --config FILE] [--json] COMMAND...\n"
               "       switchyard ctl help   lists the commands\n";
}

}  // namespace

int run_ctl(int argc, char** argv) {
  std::string socket_path;
  std::string command;
  for (int i = 0; i < argc; ++i) {
    std::string arg = argv[i];
    if ((arg == "--socket" || arg == "-s") && i + 1 < argc) {
      socket_path = argv[++i];
    } else if ((arg == "--config" || arg == "-c") && i + 1 < argc) {
      auto loaded = conf::load_file(argv[++i]);
      if (!loaded.ok()) {
        for (const auto& e : loaded.errors) std::cerr << e.to_string() << "\n";
        return 2;
      }
      socket_path = loaded.config->global.admin_socket;
    } else {
      if (!command.empty()) command += ' ';
      command += arg;
    }
  }
  if (command.empty()) {
    usage();
    return 2;
  }
  if (socket_path.empty()) socket_path = conf::Global{}.admin_socket;

  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof address.sun_path) {
    std::cerr << "switchyard ctl: socket path too long: " << socket_path << "\n";
    return 2;
  }
  std::strcpy(address.sun_path, socket_path.c_str());
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  timeval timeout{kTimeoutSeconds, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    std::cerr << "switchyard ctl: cannot reach " << socket_path << ": " << std::strerror(errno) << "\n";
    ::close(fd);
    return 2;
  }
  command += '\n';
  if (::write(fd, command.data(), command.size()) != static_cast<ssize_t>(command.size())) {
    std::cerr << "switchyard ctl: write failed: " << std::strerror(errno) << "\n";
    ::close(fd);
    return 2;
  }
  std::string reply;
  char buffer[4096];
  ssize_t n;
  while ((n = ::read(fd, buffer, sizeof buffer)) > 0) reply.append(buffer, static_cast<size_t>(n));
  ::close(fd);
  if (n < 0) {
    std::cerr << "switchyard ctl: no reply: " << std::strerror(errno) << "\n";
    return 2;
  }
  auto newline = reply.find('\n');
  std::string status = reply.substr(0, newline);
  std::string body = newline == std::string::npos ? "" : reply.substr(newline + 1);
  if (status == "ok") {
    std::cout << body;
    return 0;
  }
  std::cerr << body;
  return 1;
}

}  // namespace sy::admin
