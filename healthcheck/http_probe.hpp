// Probes that speak HTTP on the control loop: one connection, one request,
// one answer judged by an HttpResponseCheck. type = "http" checks use the
// plain verdict; Patroni checks read the body (patroni_probe.cpp).
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <string>

#include "healthcheck/http_response_check.hpp"
#include "healthcheck/probe.hpp"

namespace sy::health {

// Turns a decided check (passed or failed) into the probe's result; without
// one, passed is ok ("HTTP 200 in 3ms") and failed gives the check's reason.
using HttpInterpret = std::function<ProbeResult(const HttpResponseCheck& check, uint64_t elapsed_ms)>;

// Starts an HTTP probe sending `request` (see build_check_request); the
// returned pointer is valid until `done` runs or cancel() is called.
Probe* start_http_probe(uv_loop_t* loop, const conf::Address& address, std::string request,
                        HttpExpectation expectation, conf::Duration timeout, HttpInterpret interpret,
                        Probe::Done done);

// Starts a Patroni REST check (GET /patroni on `address`, Patroni's port):
// ok while PostgreSQL runs, with the role, timeline and WAL positions.
Probe* start_patroni_probe(uv_loop_t* loop, const conf::Address& address, conf::Duration timeout,
                           Probe::Done done);

}  // namespace sy::health
