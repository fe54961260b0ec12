// sd_notify messages for the service manager; see service_notify.hpp.
#include "proxy/control/service_notify.hpp"

#include <systemd/sd-daemon.h>

#include <algorithm>
#include <cstring>

#include "proxy/core/log.hpp"

namespace sy::control {

void ServiceNotify::send(const std::string& message) {
  // Without NOTIFY_SOCKET sd_notify returns 0 and sends nothing.
  if (int rc = sd_notify(0, message.c_str()); rc < 0) log::warn("sd_notify failed: ", std::strerror(-rc));
}

void ServiceNotify::start(uv_loop_t* loop) {
  uint64_t interval_us = 0;
  if (sd_watchdog_enabled(0, &interval_us) <= 0 || interval_us == 0) return;
  uv_timer_init(loop, &watchdog_);
  watchdog_running_ = true;
  uint64_t every_ms = std::max<uint64_t>(1, interval_us / 2000);
  uv_timer_start(&watchdog_, [](uv_timer_t*) { send("WATCHDOG=1"); }, every_ms, every_ms);
  log::info("systemd watchdog: ", interval_us / 1000, " ms, pinged every ", every_ms, " ms");
}

void ServiceNotify::ready(const std::string& status) { send("READY=1\nSTATUS=" + status); }

void ServiceNotify::reloading() { send("RELOADING=1\nSTATUS=reloading the configuration"); }

void ServiceNotify::stopping() { send("STOPPING=1\nSTATUS=shutting down: waiting for connections to finish"); }

void ServiceNotify::stop() {
  if (!watchdog_running_) return;
  watchdog_running_ = false;
  uv_timer_stop(&watchdog_);
  uv_close(reinterpret_cast<uv_handle_t*>(&watchdog_), nullptr);
}

}  // namespace sy::control
