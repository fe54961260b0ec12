// The layer-4 front: every client accepted on a tcp listener becomes a
// TcpSession. It keeps no per-worker state of its own.
#pragma once

#include "proxy/core/front.hpp"

namespace sy::tcp {

class TcpFront final : public core::Front {
 public:
  explicit TcpFront(core::Worker& worker) : worker_(worker) {}

  void start_session(const conf::Listener& listener, core::Socket* client,
                     std::shared_ptr<core::ListenerCounters> counters, const core::ClientAddresses& addresses,
                     core::Slice initial) override;

 private:
  core::Worker& worker_;
};

class TcpFrontFactory final : public core::FrontFactory {
 public:
  std::unique_ptr<core::Front> create(core::Worker& worker) override { return std::make_unique<TcpFront>(worker); }
};

}  // namespace sy::tcp
