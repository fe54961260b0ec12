// The Prometheus endpoint ([global] metrics_bind): prometheus-cpp's pull
// Exposer serves GET /metrics on its own threads; at each scrape it asks the
// control thread, through its mailbox, for the current numbers, so nothing
// the control thread owns is read from another thread.
#pragma once

#include <memory>
#include <string>
#include <variant>

#include "conf/address.hpp"

namespace prometheus {
class Exposer;
}

namespace sy::control {
class Control;
}

namespace sy::admin {

class MetricsEndpoint {
 public:
  // Binds `address` and starts serving; an error message if it cannot.
  static std::variant<std::unique_ptr<MetricsEndpoint>, std::string> start(const conf::Address& address,
                                                                           sy::control::Control& control);
  MetricsEndpoint(const MetricsEndpoint&) = delete;
  MetricsEndpoint& operator=(const MetricsEndpoint&) = delete;
  ~MetricsEndpoint();  // stops serving (a scrape in flight ends at its timeout)

  uint16_t port() const { return port_; }  // the bound port (when bound to port 0)

 private:
  class Source;
  MetricsEndpoint() = default;

  std::unique_ptr<prometheus::Exposer> exposer_;
  std::shared_ptr<Source> source_;
  uint16_t port_ = 0;
};

}  // namespace sy::admin
