// ROLE replies as Redis 7 writes them, parsed from their RESP bytes by
// hiredis' reader and read by parse_role_reply().
#include <doctest/doctest.h>
#include <hiredis/hiredis.h>

#include <memory>
#include <string>

#include "healthcheck/redis_role.hpp"

namespace {

using sy::health::parse_role_reply;
using sy::health::RedisRole;

struct ReplyDeleter {
  void operator()(redisReply* reply) const { freeReplyObject(reply); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

ReplyPtr parse(const std::string& bytes) {
  redisReader* reader = redisReaderCreate();
  REQUIRE(redisReaderFeed(reader, bytes.data(), bytes.size()) == REDIS_OK);
  void* reply = nullptr;
  REQUIRE(redisReaderGetReply(reader, &reply) == REDIS_OK);
  redisReaderFree(reader);
  REQUIRE(reply != nullptr);
  return ReplyPtr(static_cast<redisReply*>(reply));
}

}  // namespace

TEST_CASE("redis role: a master with two replicas") {
  auto reply = parse(
      "*3\r\n$6\r\nmaster\r\n:3129659\r\n*2\r\n"
      "*3\r\n$9\r\n127.0.0.1\r\n$4\r\n9001\r\n$7\r\n3129242\r\n"
      "*3\r\n$9\r\n127.0.0.1\r\n$4\r\n9002\r\n$7\r\n3129543\r\n");
  RedisRole role = parse_role_reply(*reply);
  REQUIRE(role.valid);
  CHECK(role.kind == RedisRole::Kind::master);
  CHECK(role.offset == 3129659);
  CHECK(role.replicas == 2);
  CHECK(role.summary() == "master, offset 3129659, 2 replicas");
  auto report = role.role_report();
  CHECK_FALSE(report.in_recovery);
  CHECK(report.wal_lsn == 3129659);
  CHECK(report.receive_lsn == 0);
}

TEST_CASE("redis role: a master without replicas") {
  RedisRole role = parse_role_reply(*parse("*3\r\n$6\r\nmaster\r\n:0\r\n*0\r\n"));
  REQUIRE(role.valid);
  CHECK(role.replicas == 0);
  CHECK(role.summary() == "master, offset 0, 0 replicas");
}

TEST_CASE("redis role: a connected replica") {
  RedisRole role = parse_role_reply(*parse("*5\r\n$5\r\nslave\r\n$9\r\n127.0.0.1\r\n:6380\r\n$9\r\nconnected\r\n:3167038\r\n"));
  REQUIRE(role.valid);
  CHECK(role.kind == RedisRole::Kind::replica);
  CHECK(role.master_host == "127.0.0.1");
  CHECK(role.master_port == 6380);
  CHECK(role.link_state == "connected");
  CHECK(role.offset == 3167038);
  CHECK(role.summary() == "replica of 127.0.0.1:6380 (link connected), offset 3167038");
  auto report = role.role_report();
  CHECK(report.in_recovery);
  CHECK(report.wal_lsn == 3167038);
  CHECK(report.receive_lsn == 3167038);
}

TEST_CASE("redis role: a replica before its first sync reports offset -1, read as 0") {
  RedisRole role = parse_role_reply(*parse("*5\r\n$5\r\nslave\r\n$9\r\n127.0.0.1\r\n:6380\r\n$7\r\nconnect\r\n:-1\r\n"));
  REQUIRE(role.valid);
  CHECK(role.link_state == "connect");
  CHECK(role.offset == 0);
}

TEST_CASE("redis role: a Sentinel is valid but says so") {
  RedisRole role = parse_role_reply(*parse("*2\r\n$8\r\nsentinel\r\n*1\r\n$8\r\nmymaster\r\n"));
  REQUIRE(role.valid);
  CHECK(role.kind == RedisRole::Kind::sentinel);
  CHECK(role.summary() == "a Sentinel, not a Redis server");
}

TEST_CASE("redis role: errors and malformed replies name the problem") {
  CHECK(parse_role_reply(*parse("-NOAUTH Authentication required.\r\n")).problem ==
        "ROLE: NOAUTH Authentication required.");
  CHECK(parse_role_reply(*parse("+OK\r\n")).problem == "ROLE: not a ROLE reply");
  CHECK(parse_role_reply(*parse("*0\r\n")).problem == "ROLE: not a ROLE reply");
  CHECK(parse_role_reply(*parse("*2\r\n$6\r\nmaster\r\n:1\r\n")).problem == "ROLE: malformed master reply");
  CHECK(parse_role_reply(*parse("*3\r\n$6\r\nmaster\r\n$1\r\nx\r\n*0\r\n")).problem == "ROLE: malformed master reply");
  CHECK(parse_role_reply(*parse("*5\r\n$5\r\nslave\r\n$1\r\nh\r\n:70000\r\n$9\r\nconnected\r\n:1\r\n")).problem ==
        "ROLE: malformed replica reply");
  CHECK(parse_role_reply(*parse("*1\r\n$7\r\nprimary\r\n")).problem == "ROLE: unknown role \"primary\"");
  CHECK_FALSE(parse_role_reply(*parse("*1\r\n$7\r\nprimary\r\n")).valid);
}
