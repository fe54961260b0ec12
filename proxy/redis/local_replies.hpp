// The replies the Redis front writes itself, byte for byte what Redis 7
// would send for the same command, so that drivers cannot tell: HELLO's
// map (an array in RESP2), CLIENT INFO's line, the "unknown command" and
// arity errors. Pure functions, tested on their own.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace sy::redis {

// What HELLO and CLIENT INFO tell about a client.
struct ClientFacts {
  uint64_t id = 0;
  int protocol = 2;
  unsigned db = 0;
  std::string_view name;
  std::string_view address;  // "127.0.0.1:50312"
  std::string_view user;
  std::string_view lib_name;
  std::string_view lib_version;
};

// The server fields HELLO answers with (the proxy passes for a standalone master).
inline constexpr std::string_view kReportedVersion = "7.0.15";

std::string hello_reply(const ClientFacts& client);
std::string client_info_line(const ClientFacts& client);  // without the trailing "\n"
// "ERR unknown command 'x', with args beginning with: 'a' 'b' "
std::string unknown_command_error(std::span<const std::string_view> argv);
// "ERR wrong number of arguments for 'get' command"
std::string arity_error(std::string_view name);
// Client names: no spaces, no control characters (Redis' rule).
bool valid_client_name(std::string_view name);

}  // namespace sy::redis
