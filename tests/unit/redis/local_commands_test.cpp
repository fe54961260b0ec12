// LocalCommands: what the Redis front answers itself, and how each command
// changes the client's identity.
#include <doctest/doctest.h>

#include <string_view>
#include <vector>

#include "proxy/redis/local_commands.hpp"

using namespace sy;
using namespace sy::redis;

namespace {

LocalReply run(const LocalCommands& commands, ClientIdentity& client, std::vector<std::string_view> argv) {
  const resp::CommandInfo* info = resp::find_command(std::span<const std::string_view>(argv));
  REQUIRE(info != nullptr);
  return commands.run(*info, argv, client);
}

}  // namespace

TEST_CASE("local commands: AUTH in both forms against the listener's password") {
  conf::RedisListener settings;
  settings.password = "pw";
  LocalCommands commands(settings, 16);
  ClientIdentity client;
  auto wrong = run(commands, client, {"AUTH", "nope"});
  CHECK(wrong.reply == "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
  CHECK(wrong.failed_user == "default");
  CHECK_FALSE(client.authenticated);
  CHECK(run(commands, client, {"AUTH", "other", "pw"}).reply.starts_with("-WRONGPASS"));
  CHECK(run(commands, client, {"AUTH", "default", "pw"}).reply == "+OK\r\n");
  CHECK(client.authenticated);
}

TEST_CASE("local commands: more users, each with its own password ([[listener.redis.users]])") {
  conf::RedisListener settings;
  settings.password = "pw";
  settings.users = {{"reporting", "rpw"}, {"jobs", "jpw"}};
  LocalCommands commands(settings, 16);
  ClientIdentity client;
  CHECK(run(commands, client, {"AUTH", "reporting", "pw"}).reply.starts_with("-WRONGPASS"));
  CHECK(run(commands, client, {"AUTH", "jobs", "rpw"}).reply.starts_with("-WRONGPASS"));
  CHECK(run(commands, client, {"AUTH", "rpw"}).reply.starts_with("-WRONGPASS"));  // the default user's password only
  CHECK_FALSE(client.authenticated);
  CHECK(run(commands, client, {"AUTH", "reporting", "rpw"}).reply == "+OK\r\n");
  CHECK(client.authenticated);
  ClientIdentity other;
  CHECK(run(commands, other, {"HELLO", "3", "AUTH", "jobs", "jpw"}).reply.starts_with("%7\r\n"));
  CHECK(other.authenticated);
}

TEST_CASE("local commands: HELLO switches the protocol, authenticates and names the client") {
  conf::RedisListener settings;
  settings.password = "pw";
  LocalCommands commands(settings, 16);
  ClientIdentity client;
  client.id = 9;
  CHECK(run(commands, client, {"HELLO", "3"}).reply.starts_with("-NOAUTH"));
  CHECK(client.protocol == 2);
  auto hello = run(commands, client, {"HELLO", "3", "AUTH", "default", "pw", "SETNAME", "w1"});
  CHECK(hello.reply.starts_with("%7\r\n"));
  CHECK(client.protocol == 3);
  CHECK(client.name == "w1");
  CHECK(run(commands, client, {"HELLO", "4"}).reply == "-NOPROTO unsupported protocol version\r\n");
  CHECK(run(commands, client, {"HELLO", "3", "SETNAME", "a b"}).reply.starts_with("-ERR Client names"));
}

TEST_CASE("local commands: SELECT within the servers' databases, RESET, CLIENT about oneself") {
  conf::RedisListener settings;
  LocalCommands commands(settings, 4);
  ClientIdentity client;
  client.authenticated = true;
  CHECK(run(commands, client, {"SELECT", "3"}).reply == "+OK\r\n");
  CHECK(client.db == 3);
  CHECK(run(commands, client, {"SELECT", "4"}).reply == "-ERR DB index is out of range\r\n");
  CHECK(run(commands, client, {"SELECT", "-1"}).reply == "-ERR value is not an integer or out of range\r\n");
  CHECK(run(commands, client, {"CLIENT", "SETNAME", "x"}).reply == "+OK\r\n");
  CHECK(run(commands, client, {"CLIENT", "GETNAME"}).reply == "$1\r\nx\r\n");
  CHECK(run(commands, client, {"CLIENT", "KILL", "ID", "1"}).reply.starts_with("-ERR unknown command 'CLIENT'"));
  CHECK_FALSE(run(commands, client, {"CLIENT", "LIST"}).handled);
  auto reset = run(commands, client, {"RESET"});
  CHECK(reset.reset);
  CHECK(reset.reply == "+RESET\r\n");
  CHECK(client.db == 0);
  CHECK(client.name.empty());
  CHECK(client.authenticated);  // no password: RESET leaves it logged in as default
  CHECK_FALSE(run(commands, client, {"GET", "k"}).handled);
}
