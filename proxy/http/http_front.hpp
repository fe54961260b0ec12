// The HTTP front's state on one worker: the idle server connection pool,
// the timer that sweeps it, and the request id generator. Created on the
// worker's first HTTP client; the worker tells it about new snapshots and
// shutdown.
#pragma once

#include <uv.h>

#include <random>
#include <string>

#include "proxy/http/server_pool.hpp"

namespace sy::core {
class Worker;
}

namespace sy::http {

class HttpFront {
 public:
  explicit HttpFront(core::Worker& worker);
  HttpFront(const HttpFront&) = delete;
  HttpFront& operator=(const HttpFront&) = delete;
  ~HttpFront();

  ServerPool& pool() { return pool_; }
  // A fresh request id (a random UUID, version 4), written into `out`.
  void new_request_id(std::string& out);
  // Servers removed by a reload lose their idle connections.
  void on_snapshot();
  // The worker stops: idle connections and the sweep timer are closed.
  void shutdown();

 private:
  static void on_sweep(uv_timer_t* timer);

  core::Worker& worker_;
  ServerPool pool_;
  std::mt19937_64 random_;
  uv_timer_t* sweep_timer_;
};

}  // namespace sy::http
