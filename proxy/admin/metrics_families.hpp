// What switchyard reports to Prometheus: listeners, servers (state, load,
// PostgreSQL role and lag), PostgreSQL pools, reloads. Built on the control
// thread at each scrape from the runtime state and the shared counters;
// docs/operations.md lists every metric.
#pragma once

#include <prometheus/metric_family.h>

#include <vector>

namespace sy::control {
class Control;
}

namespace sy::admin {

std::vector<prometheus::MetricFamily> collect_metrics(sy::control::Control& control);

}  // namespace sy::admin
