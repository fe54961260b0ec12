// libpq-driven PostgreSQL checks; see postgres_checker.hpp.
#include "healthcheck/postgres_checker.hpp"

#include <vector>

#include <libpq-fe.h>

#include <cstdlib>
#include <string>

#include "conf/durations.hpp"

namespace sy::health {
namespace {
// Debian's bundle of the system's trusted CAs (libpq 15 has no sslrootcert=system).
constexpr const char* kSystemCaBundle = "/etc/ssl/certs/ca-certificates.crt";
}  // namespace
namespace {

// One round trip. On a replica, pg_walfile_name() is not allowed, so the
// timeline comes from the last checkpoint there; on a primary from the WAL
// position itself (right after a promotion the checkpoint still shows the
// old timeline).
constexpr const char* kRoleQuery =
    "SELECT pg_is_in_recovery(),"
    " CASE WHEN pg_is_in_recovery() THEN (SELECT timeline_id FROM pg_control_checkpoint())"
    "  ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int END,"
    " CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END,"
    " pg_last_wal_receive_lsn(),"
    " CASE WHEN pg_is_in_recovery() AND pg_last_wal_receive_lsn() IS DISTINCT FROM pg_last_wal_replay_lsn()"
    "  THEN COALESCE(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0) ELSE 0 END";

// "16/B374D848" -> 0x16B374D848
uint64_t parse_lsn(const char* text) {
  if (!text || !*text) return 0;
  char* slash = nullptr;
  uint64_t high = std::strtoull(text, &slash, 16);
  if (!slash || *slash != '/') return 0;
  uint64_t low = std::strtoull(slash + 1, nullptr, 16);
  return (high << 32) | low;
}

}  // namespace

PostgresChecker::PostgresChecker(uv_loop_t* loop, const conf::Address& address, const conf::HealthCheck& settings,
                                 const conf::BackendTls& tls)
    : loop_(loop), address_(address), settings_(settings), tls_(tls), timer_(new uv_timer_t) {
  uv_timer_init(loop_, timer_);
  timer_->data = this;
}

void PostgresChecker::update(const conf::Address& address, const conf::HealthCheck& settings,
                             const conf::BackendTls& tls) {
  bool reconnect = !(address == address_) || settings.user != settings_.user ||
                   settings.password != settings_.password || settings.dbname != settings_.dbname ||
                   tls.enabled != tls_.enabled || tls.verify != tls_.verify || tls.ca != tls_.ca ||
                   tls.server_name != tls_.server_name || tls.cert != tls_.cert || tls.key != tls_.key;
  address_ = address;
  settings_ = settings;
  tls_ = tls;
  if (reconnect && phase_ == Phase::idle) drop_connection();
}

void PostgresChecker::run(Probe::Done done) {
  done_ = std::move(done);
  started_ = uv_now(loop_);
  got_row_ = false;
  uv_timer_start(timer_, &PostgresChecker::on_timeout, static_cast<uint64_t>(settings_.timeout.count()), 0);
  if (conn_ && PQstatus(conn_) == CONNECTION_OK) send_query();
  else start_connect();
}

void PostgresChecker::start_connect() {
  drop_connection();
  std::string port = std::to_string(address_.port);
  std::string timeout = std::to_string(std::max<int64_t>(1, settings_.timeout.count() / 1000 + 1));
  std::vector<const char*> keys = {"port", "user", "password", "dbname", "application_name", "connect_timeout",
                                   "gssencmode"};
  std::vector<const char*> values = {port.c_str(), settings_.user.c_str(), settings_.password.c_str(),
                                     settings_.dbname.c_str(), "switchyard health check", timeout.c_str(), "disable"};
  // The check speaks to the server as the proxy's own connections do: over
  // TLS, verified the same way, when the backend has [backend.tls].
  auto add = [&](const char* key, const char* value) {
    keys.push_back(key);
    values.push_back(value);
  };
  if (!tls_.enabled) {
    add("host", address_.host.c_str());
    add("sslmode", "disable");
  } else {
    // libpq verifies the name in host; hostaddr keeps the address as written.
    add("host", tls_.server_name.empty() ? address_.host.c_str() : tls_.server_name.c_str());
    if (!tls_.server_name.empty()) add("hostaddr", address_.host.c_str());
    add("sslmode", tls_.verify == conf::VerifyServer::none ? "require"
                   : tls_.verify == conf::VerifyServer::ca ? "verify-ca" : "verify-full");
    add("sslrootcert", tls_.ca.empty() ? kSystemCaBundle : tls_.ca.c_str());
    if (!tls_.cert.empty()) {
      add("sslcert", tls_.cert.c_str());
      add("sslkey", tls_.key.c_str());
    }
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  conn_ = PQconnectStartParams(keys.data(), values.data(), 0);
  if (!conn_ || PQstatus(conn_) == CONNECTION_BAD) {
    fail(conn_ ? PQerrorMessage(conn_) : "out of memory");
    return;
  }
  PQsetnonblocking(conn_, 1);
  phase_ = Phase::connecting;
  wait_for(PQsocket(conn_), UV_WRITABLE);
}

void PostgresChecker::continue_connect() {
  switch (PQconnectPoll(conn_)) {
    case PGRES_POLLING_READING:
      wait_for(PQsocket(conn_), UV_READABLE);
      return;
    case PGRES_POLLING_WRITING:
      wait_for(PQsocket(conn_), UV_WRITABLE);
      return;
    case PGRES_POLLING_OK:
      send_query();
      return;
    default:
      fail(PQerrorMessage(conn_));
      return;
  }
}

void PostgresChecker::send_query() {
  phase_ = Phase::querying;
  if (!PQsendQuery(conn_, kRoleQuery)) {
    fail(PQerrorMessage(conn_));
    return;
  }
  int flushed = PQflush(conn_);
  if (flushed < 0) {
    fail(PQerrorMessage(conn_));
    return;
  }
  wait_for(PQsocket(conn_), flushed == 1 ? (UV_READABLE | UV_WRITABLE) : UV_READABLE);
}

void PostgresChecker::read_results() {
  if (PQflush(conn_) < 0 || !PQconsumeInput(conn_)) {
    fail(PQerrorMessage(conn_));
    return;
  }
  while (!PQisBusy(conn_)) {
    PGresult* result = PQgetResult(conn_);
    if (!result) {
      if (!got_row_) {
        fail("no answer to the role query");
        return;
      }
      uint64_t elapsed = uv_now(loop_) - started_;
      finish({true, std::string(report_.in_recovery ? "replica" : "primary") + ", answered in " +
                        std::to_string(elapsed) + "ms",
              report_});
      return;
    }
    if (PQresultStatus(result) == PGRES_TUPLES_OK && PQntuples(result) == 1) {
      report_.in_recovery = PQgetvalue(result, 0, 0)[0] == 't';
      report_.timeline = static_cast<uint32_t>(std::strtoul(PQgetvalue(result, 0, 1), nullptr, 10));
      report_.wal_lsn = parse_lsn(PQgetvalue(result, 0, 2));
      report_.receive_lsn = PQgetisnull(result, 0, 3) ? 0 : parse_lsn(PQgetvalue(result, 0, 3));
      report_.replay_delay_seconds = std::strtod(PQgetvalue(result, 0, 4), nullptr);
      got_row_ = true;
    } else if (PQresultStatus(result) != PGRES_TUPLES_OK) {
      std::string message = PQresultErrorMessage(result);
      PQclear(result);
      fail(message);
      return;
    }
    PQclear(result);
  }
  wait_for(PQsocket(conn_), UV_READABLE);
}

void PostgresChecker::wait_for(int fd, int events) {
  if (fd < 0) {
    fail("connection has no socket");
    return;
  }
  if (poll_ && fd != polled_fd_) {
    uv_close(reinterpret_cast<uv_handle_t*>(poll_), [](uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); });
    poll_ = nullptr;
  }
  if (!poll_) {
    poll_ = new uv_poll_t;
    uv_poll_init(loop_, poll_, fd);
    poll_->data = this;
    polled_fd_ = fd;
  }
  uv_poll_start(poll_, events, &PostgresChecker::on_poll);
}

void PostgresChecker::on_poll(uv_poll_t* handle, int status, int) {
  auto* self = static_cast<PostgresChecker*>(handle->data);
  uv_poll_stop(handle);
  if (status < 0) {
    // libuv reports a socket error (POLLERR) as EBADF; libpq can tell what
    // really happened ("Connection refused").
    bool libpq_knows = self->conn_ && (self->phase_ == Phase::connecting ? PQconnectPoll(self->conn_) == PGRES_POLLING_FAILED
                                                                        : !PQconsumeInput(self->conn_));
    self->fail(libpq_knows ? PQerrorMessage(self->conn_) : uv_strerror(status));
    return;
  }
  if (self->phase_ == Phase::connecting) self->continue_connect();
  else if (self->phase_ == Phase::querying) self->read_results();
}

void PostgresChecker::on_timeout(uv_timer_t* timer) {
  auto* self = static_cast<PostgresChecker*>(timer->data);
  self->fail("timeout after " + conf::format_duration(self->settings_.timeout));
}

void PostgresChecker::fail(std::string reason) {
  // libpq's messages may span lines ("Connection refused\n\tIs the server
  // running..."): the first says what happened, and a log line is one line.
  reason = reason.substr(0, reason.find('\n'));
  while (!reason.empty() && (reason.back() == ' ' || reason.back() == '\t')) reason.pop_back();
  // Start afresh next time: a broken or timed-out session is not reused.
  drop_connection();
  finish({false, reason.empty() ? "connection failed" : reason, std::nullopt});
}

void PostgresChecker::finish(ProbeResult result) {
  uv_timer_stop(timer_);
  phase_ = Phase::idle;
  if (poll_) uv_poll_stop(poll_);
  auto done = std::move(done_);
  done_ = nullptr;
  if (done) done(std::move(result));
}

void PostgresChecker::drop_connection() {
  if (poll_) {
    uv_close(reinterpret_cast<uv_handle_t*>(poll_), [](uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); });
    poll_ = nullptr;
    polled_fd_ = -1;
  }
  if (conn_) {
    PQfinish(conn_);
    conn_ = nullptr;
  }
}

void PostgresChecker::stop() {
  if (stopping_) return;
  stopping_ = true;
  done_ = nullptr;
  drop_connection();
  uv_timer_stop(timer_);
  uv_close(reinterpret_cast<uv_handle_t*>(timer_), [](uv_handle_t* h) {
    auto* self = static_cast<PostgresChecker*>(h->data);
    delete reinterpret_cast<uv_timer_t*>(h);
    delete self;
  });
}

}  // namespace sy::health
