// What a Redis server's ROLE reply says, as the health check and the Sentinel
// follower need it: master or replica, the replication offset, and for a
// replica its master and the state of its link. Pure: a parsed reply in, plain
// data out, so the unit tests feed it real RESP bytes.
#pragma once

#include <cstdint>
#include <string>

#include "healthcheck/role_report.hpp"

struct redisReply;

namespace sy::health {

struct RedisRole {
  enum class Kind { master, replica, sentinel };
  bool valid = false;
  std::string problem;       // when not valid: why ("ROLE: ERR unknown command ...", "not a ROLE reply")
  Kind kind = Kind::master;
  uint64_t offset = 0;       // master: master_repl_offset; replica: the offset it has processed
  std::string master_host;   // replica: the master it follows
  uint16_t master_port = 0;
  std::string link_state;    // replica: "connected", "connecting", "sync", "connect", "handshake"
  size_t replicas = 0;       // master: replicas attached

  // "master, offset 1234, 1 replica" / "replica of 127.0.0.1:6379 (link connected), offset 1200"
  std::string summary() const;
  // The facts the control thread elects the primary from: a master is what a
  // PostgreSQL primary is; offsets stand for WAL positions (lag in bytes).
  RoleReport role_report() const;
};

RedisRole parse_role_reply(const redisReply& reply);

std::string_view to_string(RedisRole::Kind kind);

}  // namespace sy::health
