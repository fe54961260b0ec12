// Probes that speak HTTP on the control loop: one connection, one request,
// one answer judged by an HttpResponseCheck. type = "http" checks use the
// plain verdict; Patroni checks read the body (patroni_probe.cpp). With a
// ProbeTls the exchange runs over HTTPS through tls::TlsSession, the same
// sans-I/O session (and the backend's same ClientContext) that server
// connections use, so a check verifies what traffic would verify.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "tls/context.hpp"

#include "healthcheck/http_response_check.hpp"
#include "healthcheck/probe.hpp"

namespace sy::health {

// Turns a decided check (passed or failed) into the probe's result; without
// one, passed is ok ("HTTP 200 in 3ms") and failed gives the check's reason.
using HttpInterpret = std::function<ProbeResult(const HttpResponseCheck& check, uint64_t elapsed_ms)>;

// HTTPS for a probe: the backend's client context ([backend.tls]) and the
// server's host as written, sent as SNI and verified unless the context's
// server_name replaces it. No context = plain HTTP.
struct ProbeTls {
  std::shared_ptr<const tls::ClientContext> context;
  std::string host;
};

// Starts an HTTP probe sending `request` (see build_check_request); the
// returned pointer is valid until `done` runs or cancel() is called.
Probe* start_http_probe(uv_loop_t* loop, const conf::Address& address, std::string request,
                        HttpExpectation expectation, conf::Duration timeout, HttpInterpret interpret,
                        ProbeTls tls, Probe::Done done);

// Starts a Patroni REST check (GET /patroni on `address`, Patroni's port):
// ok while PostgreSQL runs, with the role, timeline and WAL positions.
Probe* start_patroni_probe(uv_loop_t* loop, const conf::Address& address, conf::Duration timeout,
                           ProbeTls tls, Probe::Done done);

}  // namespace sy::health
