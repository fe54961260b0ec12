// The HTTP front's state on one worker: the idle server connection pool,
// the timer that sweeps it, and the request id generator. Created on the
// worker's first HTTP client; the worker hands it its clients and tells it
// about new snapshots and shutdown.
#pragma once

#include <uv.h>

#include <random>
#include <string>

#include "proxy/core/front.hpp"
#include "proxy/core/worker.hpp"
#include "proxy/http/server_pool.hpp"

namespace sy::http {

class HttpFront final : public core::Front {
 public:
  explicit HttpFront(core::Worker& worker);
  HttpFront(const HttpFront&) = delete;
  HttpFront& operator=(const HttpFront&) = delete;
  ~HttpFront() override;

  // The worker's HTTP front, created on first use.
  static HttpFront& of(core::Worker& worker) { return static_cast<HttpFront&>(*worker.front(conf::Protocol::http)); }

  void start_session(const conf::Listener& listener, core::Socket* client,
                     std::shared_ptr<core::ListenerCounters> counters, const core::ClientAddresses& addresses,
                     core::Slice initial) override;
  // An overloaded listener's client is told so: a 503, then a lingering close.
  void reject(core::Socket* client) override;

  ServerPool& pool() { return pool_; }
  // A fresh request id (a random UUID, version 4), written into `out`.
  void new_request_id(std::string& out);
  // Servers removed by a reload lose their idle connections.
  void on_snapshot() override;
  // The worker stops: idle connections and the sweep timer are closed.
  void shutdown() override;

 private:
  static void on_sweep(uv_timer_t* timer);

  core::Worker& worker_;
  ServerPool pool_;
  std::mt19937_64 random_;
  uv_timer_t* sweep_timer_;
};

class HttpFrontFactory final : public core::FrontFactory {
 public:
  std::unique_ptr<core::Front> create(core::Worker& worker) override { return std::make_unique<HttpFront>(worker); }
};

}  // namespace sy::http
