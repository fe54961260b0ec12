// The Redis front's settings: what a redis listener asks of its clients
// ([listener.redis]) and how the proxy uses a backend's Redis servers
// ([backend.redis]). Read by conf/redis_loader.cpp, declared in schema_redis.cpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace sy::conf {

// Where a redis listener sends read-only commands (Redis' "readonly" flag).
// Words in schema_redis.cpp, in this order.
enum class RedisReadFrom : uint8_t {
  master,          // everything to the master
  prefer_replica,  // reads to a replica within the lag limits, else the master
  replica,         // reads to such a replica only; none: -ERR
};

struct RedisListener {
  // Clients log in with AUTH [user] password or HELLO ... AUTH user password;
  // no password: every client is in without AUTH, as with a Redis without
  // requirepass.
  std::string user = "default";
  std::string password;
  // Commands a client may have waiting for their replies; beyond it the
  // client is not read until replies go out (backpressure, not an error).
  unsigned max_pending = 1024;
  // Reply bytes waiting to be written to a client that does not read; beyond
  // it the client is disconnected, like Redis' client-output-buffer-limit.
  uint64_t max_output = 64u << 20;
  // Reads from replicas, and how far behind a replica may be to take them
  // (0: no limit): replication offset bytes behind the master, and how long
  // ago the master was where the replica is.
  RedisReadFrom read_from = RedisReadFrom::master;
  std::chrono::milliseconds max_replica_lag = std::chrono::seconds(10);
  uint64_t max_replica_lag_bytes = 1u << 20;
};

struct RedisBackend {
  // How the proxy logs in to the servers (AUTH [user] password); empty: no AUTH.
  std::string user;
  std::string password;
  // Shared connections per worker to the master; many clients' commands are
  // pipelined onto them.
  unsigned connections = 2;
  // Connections per worker held by one client for its state (MULTI, WATCH,
  // blocking commands, subscriptions, CLIENT TRACKING); beyond it: -ERR.
  unsigned max_dedicated = 256;
  // How long a command waits for a master while none is known (a failover).
  std::chrono::milliseconds failover_timeout = std::chrono::seconds(5);
};

}  // namespace sy::conf
