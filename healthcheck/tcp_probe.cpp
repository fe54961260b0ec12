// TCP connect probe: the server is healthy if it accepts a connection within
// the timeout. The connection is closed at once.
#include <string>

#include "healthcheck/connecting_probe.hpp"

namespace sy::health {
namespace {

class TcpProbe final : public ConnectingProbe {
 public:
  TcpProbe(uv_loop_t* loop, conf::Duration timeout, Done done) : ConnectingProbe(loop, timeout, std::move(done)) {}

 private:
  void on_connected() override { finish({true, "connected in " + std::to_string(elapsed_ms()) + "ms"}); }
};

}  // namespace

Probe* start_tcp_probe(uv_loop_t* loop, const conf::Address& address, conf::Duration timeout, Probe::Done done) {
  auto* probe = new TcpProbe(loop, timeout, std::move(done));
  probe->start(address);
  return probe;
}

}  // namespace sy::health
