// A backend built by hand for the balancer tests: a conf::Backend plus the
// BackendView a snapshot would publish for it, with helpers to change server
// state and to count where picks go.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "balancer/selector.hpp"
#include "balancer/snapshot.hpp"
#include "conf/config.hpp"

namespace sy::balancer::testing {

struct ServerSpec {
  unsigned weight = 100;
  bool backup = false;
};

// Non-movable: the view points into the config it owns.
class BackendFixture {
 public:
  BackendFixture(conf::BalanceAlgorithm balance, std::vector<ServerSpec> specs) {
    config_.name = "app";
    config_.balance = balance;
    for (size_t i = 0; i < specs.size(); ++i) {
      conf::Server server;
      server.name = "s" + std::to_string(i);
      server.weight = specs[i].weight;
      server.backup = specs[i].backup;
      config_.servers.push_back(std::move(server));
    }
    view_.config = &config_;
    for (const auto& server : config_.servers) {
      ServerView sv;
      sv.config = &server;
      sv.weight = server.weight;
      sv.backup = server.backup;
      sv.counters = std::make_shared<ServerCounters>();
      view_.servers.push_back(std::move(sv));
    }
  }
  // Equal-tier servers with these weights.
  BackendFixture(conf::BalanceAlgorithm balance, std::initializer_list<unsigned> weights)
      : BackendFixture(balance, specs_for(weights)) {}

  BackendFixture(const BackendFixture&) = delete;
  BackendFixture& operator=(const BackendFixture&) = delete;

  const BackendView& view() const { return view_; }
  ServerView& server(size_t index) { return view_.servers.at(index); }
  size_t size() const { return view_.servers.size(); }

  void set_active(size_t index, int64_t active) { server(index).counters->active.store(active); }
  void set_health(size_t index, Health health) { server(index).health = health; }
  void set_admin(size_t index, AdminState admin) { server(index).admin = admin; }

  // A selector for the configured algorithm, as a worker would build it.
  std::unique_ptr<Selector> selector() const { return make_selector(view_); }

 private:
  static std::vector<ServerSpec> specs_for(std::initializer_list<unsigned> weights) {
    std::vector<ServerSpec> specs;
    for (unsigned weight : weights) specs.push_back({.weight = weight});
    return specs;
  }

  conf::Backend config_;
  BackendView view_;
};

// How many of `picks` picks went to each server (index = server index; the
// last slot counts "no server").
inline std::vector<size_t> count_picks(Selector& selector, size_t servers, size_t picks,
                                       const PickRequest& request = {}) {
  std::vector<size_t> counts(servers + 1, 0);
  for (size_t n = 0; n < picks; ++n) {
    auto index = selector.pick(request);
    ++counts[index ? *index : servers];
  }
  return counts;
}

}  // namespace sy::balancer::testing
