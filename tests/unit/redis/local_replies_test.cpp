// The replies the Redis front writes itself, byte for byte.
#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "proxy/redis/local_replies.hpp"

using namespace sy::redis;

TEST_CASE("local replies: HELLO is a map in RESP3 and a flat array in RESP2") {
  std::string resp3 = hello_reply(ClientFacts{.id = 7, .protocol = 3});
  CHECK(resp3.starts_with("%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n"));
  CHECK(resp3.find("$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:7\r\n") != std::string::npos);
  CHECK(resp3.ends_with("$7\r\nmodules\r\n*0\r\n"));
  std::string resp2 = hello_reply(ClientFacts{.id = 7, .protocol = 2});
  CHECK(resp2.starts_with("*14\r\n"));
  CHECK(resp2.find("$5\r\nproto\r\n:2\r\n") != std::string::npos);
}

TEST_CASE("local replies: unknown command and arity errors as Redis 7 words them") {
  std::vector<std::string_view> argv = {"NOSUCH", "a", "b"};
  CHECK(unknown_command_error(argv) == "ERR unknown command 'NOSUCH', with args beginning with: 'a' 'b' ");
  std::vector<std::string_view> alone = {"MONITOR"};
  CHECK(unknown_command_error(alone) == "ERR unknown command 'MONITOR', with args beginning with: ");
  std::string long_arg(300, 'x');
  std::vector<std::string_view> long_argv = {"X", long_arg, "y"};
  std::string error = unknown_command_error(long_argv);
  CHECK(error.size() < 200);  // client text is cut at 128 bytes
  CHECK(arity_error("GET") == "ERR wrong number of arguments for 'get' command");
}

TEST_CASE("local replies: client names and CLIENT INFO") {
  CHECK(valid_client_name("worker-7"));
  CHECK_FALSE(valid_client_name("two words"));
  CHECK_FALSE(valid_client_name("line\nbreak"));
  std::string line = client_info_line(ClientFacts{.id = 3, .protocol = 3, .db = 2, .name = "w", .address = "1.2.3.4:5",
                                                  .user = "default"});
  CHECK(line == "id=3 addr=1.2.3.4:5 name=w db=2 user=default resp=3 lib-name= lib-ver=");
}
