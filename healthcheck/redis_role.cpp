// Reading ROLE replies; see redis_role.hpp.
#include "healthcheck/redis_role.hpp"

#include <hiredis/hiredis.h>

#include <charconv>
#include <string_view>

namespace sy::health {
namespace {

std::string_view text_of(const redisReply& reply) {
  if (reply.type == REDIS_REPLY_STRING || reply.type == REDIS_REPLY_STATUS || reply.type == REDIS_REPLY_ERROR)
    return {reply.str, reply.len};
  return {};
}

// An integer reply, or a bulk string holding one (ROLE mixes both).
bool number_of(const redisReply& reply, int64_t& value) {
  if (reply.type == REDIS_REPLY_INTEGER) {
    value = reply.integer;
    return true;
  }
  std::string_view text = text_of(reply);
  if (reply.type != REDIS_REPLY_STRING || text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size();
}

RedisRole invalid(std::string problem) {
  RedisRole role;
  role.problem = std::move(problem);
  return role;
}

}  // namespace

RedisRole parse_role_reply(const redisReply& reply) {
  if (reply.type == REDIS_REPLY_ERROR) return invalid("ROLE: " + std::string(text_of(reply)));
  if (reply.type != REDIS_REPLY_ARRAY || reply.elements < 1) return invalid("ROLE: not a ROLE reply");
  std::string_view kind = text_of(*reply.element[0]);
  RedisRole role;
  int64_t number = 0;
  if (kind == "master") {
    if (reply.elements != 3 || !number_of(*reply.element[1], number) || reply.element[2]->type != REDIS_REPLY_ARRAY)
      return invalid("ROLE: malformed master reply");
    role.kind = RedisRole::Kind::master;
    role.offset = number > 0 ? static_cast<uint64_t>(number) : 0;
    role.replicas = reply.element[2]->elements;
  } else if (kind == "slave") {
    int64_t port = 0;
    if (reply.elements != 5 || !number_of(*reply.element[2], port) || port < 0 || port > 65535 ||
        !number_of(*reply.element[4], number))
      return invalid("ROLE: malformed replica reply");
    role.kind = RedisRole::Kind::replica;
    role.master_host = text_of(*reply.element[1]);
    role.master_port = static_cast<uint16_t>(port);
    role.link_state = text_of(*reply.element[3]);
    // -1 until the first sync: nothing processed yet.
    role.offset = number > 0 ? static_cast<uint64_t>(number) : 0;
  } else if (kind == "sentinel") {
    role.kind = RedisRole::Kind::sentinel;
  } else {
    return invalid("ROLE: unknown role \"" + std::string(kind) + "\"");
  }
  role.valid = true;
  return role;
}

std::string RedisRole::summary() const {
  switch (kind) {
    case Kind::master:
      return "master, offset " + std::to_string(offset) + ", " + std::to_string(replicas) +
             (replicas == 1 ? " replica" : " replicas");
    case Kind::replica:
      return "replica of " + master_host + ":" + std::to_string(master_port) + " (link " + link_state +
             "), offset " + std::to_string(offset);
    case Kind::sentinel:
      return "a Sentinel, not a Redis server";
  }
  return "?";
}

RoleReport RedisRole::role_report() const {
  RoleReport report;
  report.in_recovery = kind != Kind::master;
  report.wal_lsn = offset;
  // A replica has processed all it received; with its link down it has
  // nothing newer in hand either.
  report.receive_lsn = kind == Kind::replica ? offset : 0;
  return report;
}

std::string_view to_string(RedisRole::Kind kind) {
  switch (kind) {
    case RedisRole::Kind::master: return "master";
    case RedisRole::Kind::replica: return "replica";
    case RedisRole::Kind::sentinel: return "sentinel";
  }
  return "?";
}

}  // namespace sy::health
