// The commands the Redis front answers itself, for any client: PING, ECHO,
// QUIT, AUTH, HELLO, SELECT, RESET and the CLIENT subcommands about the
// client's own identity. Sans I/O: each takes the command and the client's
// identity (which it may change) and says what to reply. Which commands a
// client may run here, given the server state it holds, is the session's
// decision (client_session.cpp).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "conf/redis_config.hpp"
#include "resp/command_table.hpp"

namespace sy::redis {

// Who a client is, as far as the proxy knows.
struct ClientIdentity {
  uint64_t id = 0;
  int protocol = 2;  // RESP version of its replies
  unsigned db = 0;
  bool authenticated = false;
  std::string name, lib_name, lib_version;
  std::string address;  // "ip:port"
};

struct LocalReply {
  bool handled = false;      // false: the command goes to a server
  std::string reply;         // RESP bytes
  bool quit = false;         // QUIT: close once the reply is out
  bool reset = false;        // RESET: drop any server state the client holds
  std::string failed_user;   // AUTH/HELLO with wrong credentials: for the (rate-limited) log
};

class LocalCommands {
 public:
  // `databases`: the servers' count, for SELECT.
  LocalCommands(const conf::RedisListener& settings, unsigned databases)
      : settings_(settings), databases_(databases) {}

  LocalReply run(const resp::CommandInfo& info, std::span<const std::string_view> argv, ClientIdentity& client) const;
  // SELECT's argument: the database, or false with Redis' error reply in `error`.
  bool parse_db(std::string_view text, unsigned& db, std::string& error) const;

 private:
  LocalReply auth(std::span<const std::string_view> argv, ClientIdentity& client) const;
  LocalReply hello(std::span<const std::string_view> argv, ClientIdentity& client) const;
  LocalReply client_command(std::string_view name, std::span<const std::string_view> argv,
                            ClientIdentity& client) const;
  bool authenticate(std::string_view user, std::string_view password, LocalReply& out) const;

  const conf::RedisListener& settings_;
  unsigned databases_;
};

}  // namespace sy::redis
