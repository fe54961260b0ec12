// The admin socket and, when [global] metrics_bind is set, the Prometheus
// endpoint, as the control plane's OperatorAccess: the control thread opens
// them at startup and closes them at the end of shutdown.
#pragma once

#include <memory>
#include <string>

#include "proxy/admin/admin_server.hpp"
#include "proxy/admin/metrics_endpoint.hpp"
#include "proxy/control/control.hpp"

namespace sy::admin {

class OperatorAccess final : public control::OperatorAccess {
 public:
  std::string open(uv_loop_t* loop, control::Control& control) override;
  void close() override;

 private:
  std::unique_ptr<AdminServer> admin_;
  std::unique_ptr<MetricsEndpoint> metrics_;
};

}  // namespace sy::admin
