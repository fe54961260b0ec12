// Opening and closing the operator's ways in; see operator_access.hpp.
#include "proxy/admin/operator_access.hpp"

#include "proxy/core/log.hpp"

namespace sy::admin {

std::string OperatorAccess::open(uv_loop_t* loop, control::Control& control) {
  const conf::Global& global = control.runtime().config().global;
  admin_ = std::make_unique<AdminServer>(loop, control);
  if (std::string error = admin_->listen(global.admin_socket); !error.empty())
    return "admin socket " + global.admin_socket + ": " + error;
  if (!global.metrics_bind) return {};
  auto started = MetricsEndpoint::start(*global.metrics_bind, control);
  if (auto* message = std::get_if<std::string>(&started)) {
    admin_->close();
    return "metrics: " + *message;
  }
  metrics_ = std::move(std::get<std::unique_ptr<MetricsEndpoint>>(started));
  log::info("metrics on http://", global.metrics_bind->host, ":", metrics_->port(), "/metrics");
  return {};
}

void OperatorAccess::close() {
  metrics_.reset();  // a scrape in flight asks the control loop's mailbox
  if (admin_) admin_->close();
}

}  // namespace sy::admin
