// The PostgreSQL front's part of the configuration: the databases clients
// can name in their connection string (each mapped to a backend of
// PostgreSQL servers, a real database name and pool settings), the users
// and their credentials, and the front's global settings.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "conf/source_position.hpp"

namespace sy::conf {

enum class PoolMode { session, transaction, statement };
enum class AuthMethod { trust, password, md5, scram_sha_256 };
// Which servers of the backend a database's queries go to.
enum class DatabaseTarget { primary, replica, prefer_replica, any };

struct PostgresGlobal {
  std::string auth_file;  // PgBouncer-style userlist: "user" "password" per line
  std::map<std::string, std::string> auth_file_users;  // read from auth_file when the config loads
  std::string auth_user;  // runs auth_query for users not listed; empty = off
  std::string auth_query = "SELECT usename, passwd FROM pg_shadow WHERE usename=$1";
  unsigned max_client_conn = 10000;  // PostgreSQL clients over all listeners
  // Startup parameters tracked and re-applied per server link on top of the
  // built-in ones (client_encoding, DateStyle, TimeZone, IntervalStyle,
  // standard_conforming_strings, application_name).
  std::vector<std::string> track_parameters;
  // Functions that may appear in a query routed to a replica by
  // split_reads, beyond the built-in list of read-only ones.
  std::vector<std::string> read_only_functions;
  // Startup parameters a client may send that are dropped instead of
  // refused (PgBouncer's ignore_startup_parameters): the settings in
  // "options" that are not tracked, or with "options" itself, all of it
  // that cannot be applied.
  std::vector<std::string> ignore_startup_parameters;
  // Named prepared statements one client may hold where the proxy keeps
  // them (transaction and statement mode): each costs the proxy memory.
  unsigned max_client_prepared_statements = 10000;
};

struct Database {
  std::string name;     // what clients put in dbname
  std::string backend;  // the servers
  std::string dbname;   // the database on the server; defaults to name
  std::vector<AuthMethod> auth = {AuthMethod::scram_sha_256, AuthMethod::md5};
  PoolMode pool_mode = PoolMode::session;
  unsigned pool_size = 20;
  unsigned min_pool_size = 0;
  unsigned reserve_pool = 0;
  std::chrono::milliseconds reserve_pool_timeout = std::chrono::seconds(5);
  unsigned max_db_connections = 0;  // all pools of this database; 0 = no limit
  unsigned max_client_conn = 0;     // clients of this database; 0 = no limit
  std::chrono::milliseconds server_lifetime = std::chrono::hours(1);
  std::chrono::milliseconds server_idle_timeout = std::chrono::minutes(10);
  std::chrono::milliseconds query_wait_timeout = std::chrono::minutes(2);
  std::chrono::milliseconds idle_transaction_timeout{0};  // 0 = off
  std::chrono::milliseconds query_timeout{0};             // 0 = off
  std::string server_reset_query = "DISCARD ALL";
  unsigned max_prepared_statements = 200;  // per server connection, transaction/statement mode
  std::string server_user;      // log in to servers as this user instead of the client's
  std::string server_password;  // with server_user: its password
  // Roles (backends with type = "postgres" health checks).
  DatabaseTarget target = DatabaseTarget::primary;
  std::chrono::milliseconds max_replica_lag = std::chrono::seconds(10);  // 0 = no limit
  uint64_t max_replica_lag_bytes = 16ull << 20;                         // 0 = no limit
  std::chrono::milliseconds failover_timeout = std::chrono::seconds(30);
  bool split_reads = false;  // transaction mode: read-only transactions to replicas
  std::chrono::milliseconds read_your_writes{0};  // after a write, reads stay on the primary this long
  SourcePosition position;
};

struct User {
  std::string name;
  // Plain text, "md5<hex>" (PostgreSQL's md5 form) or a SCRAM verifier
  // "SCRAM-SHA-256$<iterations>:<salt>$<stored>:<server>". Empty: no password
  // (only trust works for this user).
  std::string password;
  SourcePosition position;
};

}  // namespace sy::conf
