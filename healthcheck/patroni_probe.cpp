// Patroni check: GET /patroni from the node's REST API, its JSON mapped to a
// RoleReport (patroni_status.cpp). The node counts as up while Patroni says
// its PostgreSQL runs; the role then feeds the same election as a
// PostgreSQL check's.
#include <chrono>

#include "healthcheck/http_probe.hpp"
#include "healthcheck/patroni_status.hpp"

namespace sy::health {

Probe* start_patroni_probe(uv_loop_t* loop, const conf::Address& address, conf::Duration timeout,
                           ProbeTls tls, Probe::Done done) {
  HttpExpectation expectation;
  expectation.statuses = {{200, 200}};
  expectation.keep_body = true;
  auto interpret = [](const HttpResponseCheck& check, uint64_t elapsed_ms) -> ProbeResult {
    if (check.verdict() != HttpResponseCheck::Verdict::passed) return {false, "Patroni REST API: " + check.reason()};
    double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    PatroniStatus status = parse_patroni_status(check.body(), now);
    if (!status.usable) return {false, status.summary};
    return {true, status.summary + ", answered in " + std::to_string(elapsed_ms) + "ms", status.role};
  };
  return start_http_probe(loop, address, build_check_request("GET", "/patroni", default_host_header(address.host, address.port)),
                          std::move(expectation), timeout, std::move(interpret), std::move(tls), std::move(done));
}

}  // namespace sy::health
