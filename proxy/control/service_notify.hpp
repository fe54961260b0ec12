// Tells the service manager (systemd, Type=notify) where the process is:
// READY once it serves, RELOADING/READY around a reload, STOPPING at
// shutdown, and WATCHDOG pings while the control loop turns. Without a
// NOTIFY_SOCKET in the environment every call does nothing, so a process
// started by hand or by a test behaves the same.
#pragma once

#include <uv.h>

#include <string>

namespace sy::control {

class ServiceNotify {
 public:
  ServiceNotify() = default;
  ServiceNotify(const ServiceNotify&) = delete;
  ServiceNotify& operator=(const ServiceNotify&) = delete;

  // Starts the watchdog pings on `loop` when the manager asked for them
  // (WATCHDOG_USEC for this pid): every half of its interval, so one late
  // turn of the loop does not get the process killed.
  void start(uv_loop_t* loop);
  void ready(const std::string& status);
  void reloading();
  void stopping();
  // Before the loop closes.
  void stop();

 private:
  static void send(const std::string& message);

  uv_timer_t watchdog_{};
  bool watchdog_running_ = false;
};

}  // namespace sy::control
