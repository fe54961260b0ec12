// The layer-4 front: every client accepted on a tcp listener becomes a
// TcpSession. Its only per-worker state is the sessions of listeners with a
// `target` role: a new snapshot in which their server lost that role (a
// failover) closes them, so that clients reconnect to the new primary.
#pragma once

#include <unordered_set>

#include "proxy/core/front.hpp"
#include "proxy/core/worker.hpp"

namespace sy::tcp {

class TcpSession;

class TcpFront final : public core::Front {
 public:
  explicit TcpFront(core::Worker& worker) : worker_(worker) {}

  void start_session(const conf::Listener& listener, core::Socket* client,
                     std::shared_ptr<core::ListenerCounters> counters, const core::ClientAddresses& addresses,
                     core::Slice initial) override;
  void on_snapshot() override;

  static TcpFront& of(core::Worker& worker) {
    return static_cast<TcpFront&>(*worker.front(conf::Protocol::tcp));
  }
  void track_role(TcpSession* session) { role_bound_.insert(session); }
  void untrack_role(TcpSession* session) { role_bound_.erase(session); }

 private:
  core::Worker& worker_;
  std::unordered_set<TcpSession*> role_bound_;  // relaying to a server chosen for its role
};

class TcpFrontFactory final : public core::FrontFactory {
 public:
  std::unique_ptr<core::Front> create(core::Worker& worker) override { return std::make_unique<TcpFront>(worker); }
};

}  // namespace sy::tcp
