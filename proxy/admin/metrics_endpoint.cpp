// The Prometheus endpoint; see metrics_endpoint.hpp. The numbers themselves
// are gathered by collect_metrics() (metrics_families.cpp).
#include "proxy/admin/metrics_endpoint.hpp"

#include <prometheus/collectable.h>
#include <prometheus/exposer.h>

#include <chrono>
#include <future>

#include "proxy/admin/metrics_families.hpp"
#include "proxy/control/control.hpp"

namespace sy::admin {

// Runs on the Exposer's threads; the control thread does the reading.
class MetricsEndpoint::Source final : public prometheus::Collectable {
 public:
  explicit Source(sy::control::Control& control) : control_(control) {}

  std::vector<prometheus::MetricFamily> Collect() const override {
    auto answer = std::make_shared<std::promise<std::vector<prometheus::MetricFamily>>>();
    auto future = answer->get_future();
    sy::control::Control& control = control_;
    control.post([answer, &control] { answer->set_value(collect_metrics(control)); });
    // A control thread that does not answer (shutting down, stuck) must not
    // hold the scraper forever: it gets an empty page instead.
    if (future.wait_for(std::chrono::seconds(2)) != std::future_status::ready) return {};
    return future.get();
  }

 private:
  sy::control::Control& control_;
};

std::variant<std::unique_ptr<MetricsEndpoint>, std::string> MetricsEndpoint::start(const conf::Address& address,
                                                                                   sy::control::Control& control) {
  std::unique_ptr<MetricsEndpoint> endpoint(new MetricsEndpoint());
  try {
    endpoint->exposer_ = std::make_unique<prometheus::Exposer>(address.to_string(), 1);
  } catch (const std::exception& error) {
    return std::string("cannot serve metrics on ") + address.to_string() + ": " + error.what();
  }
  endpoint->source_ = std::make_shared<Source>(control);
  endpoint->exposer_->RegisterCollectable(endpoint->source_);
  auto ports = endpoint->exposer_->GetListeningPorts();
  endpoint->port_ = ports.empty() ? address.port : static_cast<uint16_t>(ports.front());
  return endpoint;
}

MetricsEndpoint::~MetricsEndpoint() {
  if (exposer_) exposer_->RemoveCollectable(source_);
}

}  // namespace sy::admin
