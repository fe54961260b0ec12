// What every probe that opens one TCP connection shares: the connect, one
// deadline over the whole probe, exactly one result, and freeing itself once
// its two libuv handles are closed. A probe kind says what to do once
// connected (tcp_probe.cpp: nothing more; http_probe.cpp: one exchange).
#pragma once

#include <uv.h>

#include <string>

#include "healthcheck/probe.hpp"

namespace sy::health {

class ConnectingProbe : public Probe {
 public:
  void cancel() override;
  // Starts connecting; the factory calls it once the object is complete.
  void start(const conf::Address& address);

 protected:
  ConnectingProbe(uv_loop_t* loop, conf::Duration timeout, Done done);
  ~ConnectingProbe() override = default;

  virtual void on_connected() = 0;
  // Why the deadline passed ("timeout after 1s"), for kinds that know more.
  virtual std::string timeout_reason() const;
  // Reports `result` (once) and closes.
  void finish(ProbeResult result);
  uint64_t elapsed_ms() const { return uv_now(tcp_.loop) - started_; }
  bool closing() const { return closing_; }
  // The probe a handle's data points to, for a kind's own libuv callbacks.
  template <typename Kind>
  static Kind* from(const uv_handle_t* handle) {
    return static_cast<Kind*>(static_cast<ConnectingProbe*>(handle->data));
  }

  uv_tcp_t tcp_;
  conf::Duration timeout_;

 private:
  void close();
  static void on_connect(uv_connect_t* request, int status);
  static void on_timeout(uv_timer_t* timer);
  static void on_closed(uv_handle_t* handle);

  Done done_;
  uv_timer_t timer_;
  uv_connect_t connect_;
  uint64_t started_ = 0;
  std::string immediate_failure_;  // a connect that failed at once, reported from the loop
  int open_handles_ = 2;
  bool closing_ = false;
};

}  // namespace sy::health
