// The PostgreSQL check of one server: a libpq connection kept open between
// checks (reopened after a failure), driven without blocking on the control
// loop (PQconnectPoll / PQsendQuery on a uv_poll_t). Each check reads the
// server's role, timeline and WAL positions, for following the primary.
#pragma once

#include <uv.h>

#include <string>

#include "conf/config.hpp"
#include "healthcheck/probe.hpp"

typedef struct pg_conn PGconn;

namespace sy::health {

class PostgresChecker {
 public:
  // `tls`: the backend's [backend.tls]; when enabled the checker logs in
  // over TLS with the same verification (libpq's sslmode and sslrootcert).
  PostgresChecker(uv_loop_t* loop, const conf::Address& address, const conf::HealthCheck& settings,
                  const conf::BackendTls& tls = {});
  PostgresChecker(const PostgresChecker&) = delete;
  PostgresChecker& operator=(const PostgresChecker&) = delete;

  // One check; `done` runs once, on the loop, unless stop() comes first.
  void run(Probe::Done done);
  // Takes new settings (address, credentials, timeout); reconnects if needed.
  void update(const conf::Address& address, const conf::HealthCheck& settings, const conf::BackendTls& tls = {});
  // Ends any check in flight (no callback) and closes the connection. The
  // object frees itself once its handles are closed.
  void stop();

 private:
  ~PostgresChecker() = default;
  enum class Phase { idle, connecting, querying };

  void start_connect();
  void continue_connect();
  void send_query();
  void read_results();
  void wait_for(int fd, int events);
  void finish(ProbeResult result);
  void fail(std::string reason);
  void drop_connection();
  static void on_poll(uv_poll_t* handle, int status, int events);
  static void on_timeout(uv_timer_t* timer);

  uv_loop_t* loop_;
  conf::Address address_;
  conf::HealthCheck settings_;
  conf::BackendTls tls_;
  PGconn* conn_ = nullptr;
  uv_poll_t* poll_ = nullptr;  // re-made when libpq's socket changes
  int polled_fd_ = -1;
  uv_timer_t* timer_;
  Phase phase_ = Phase::idle;
  Probe::Done done_;
  uint64_t started_ = 0;
  RoleReport report_;
  bool got_row_ = false;
  bool stopping_ = false;
};

}  // namespace sy::health
