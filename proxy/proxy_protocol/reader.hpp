// The first stage of a connection on an accept_proxy listener: reads the
// PROXY protocol header the load balancer in front sends, then hands the
// socket, the real client's addresses and any bytes that came with the
// header to the listener's protocol session. A connection without a valid
// header, or whose header does not come within kHeaderTimeout, is closed.
#pragma once

#include <uv.h>

#include <memory>
#include <string>

#include "balancer/snapshot.hpp"
#include "proxy/core/listener_counters.hpp"
#include "proxy/core/session.hpp"
#include "proxy/core/socket.hpp"
#include "proxy/core/worker.hpp"

namespace sy::proxy_protocol {

class Reader final : public core::Session, private core::SocketHandler {
 public:
  static void start(core::Worker& worker, core::Socket* client, std::shared_ptr<const balancer::Snapshot> snapshot,
                    const conf::Listener& listener, std::shared_ptr<core::ListenerCounters> counters);

  void force_close() override { fail("shutdown"); }

 private:
  Reader(core::Worker& worker, core::Socket* client, std::shared_ptr<const balancer::Snapshot> snapshot,
         const conf::Listener& listener, std::shared_ptr<core::ListenerCounters> counters);
  ~Reader() override;

  void fail(std::string_view why);
  void finish();  // closes the timer; the object goes in its close callback

  void on_data(core::Socket&, core::Slice data) override;
  void on_eof(core::Socket&) override { fail("closed before its PROXY header"); }
  void on_error(core::Socket&, int status) override { fail(uv_strerror(status)); }
  void on_closed(core::Socket&) override { finish(); }

  core::Socket* client_;
  std::shared_ptr<const balancer::Snapshot> snapshot_;  // keeps listener_ alive
  const conf::Listener& listener_;
  std::shared_ptr<core::ListenerCounters> counters_;
  std::string header_;  // bytes so far (bounded by kMaxHeaderBytes)
  uv_timer_t timer_;
  bool done_ = false;
};

}  // namespace sy::proxy_protocol
