// What core needs from a protocol. A listener's `protocol` names a Front;
// each worker creates the fronts it needs on first use (from the factories
// in the FrontRegistry) and hands them every client accepted on a listener
// of that protocol. A front owns its per-worker state (pools, timers,
// caches); the worker tells it about new snapshots and about its shutdown.
// Core knows no protocol: adding one is a new folder with a Front and one
// registration in proxy/fronts.cpp.
#pragma once

#include <array>
#include <functional>
#include <memory>

#include "conf/config.hpp"
#include "proxy/core/buffer.hpp"
#include "proxy/core/client_addresses.hpp"
#include "proxy/core/listener_counters.hpp"

namespace sy::core {

class Socket;
class Worker;

class Front {
 public:
  virtual ~Front() = default;

  // A client accepted on `listener` (after its PROXY header, if the listener
  // expects one): `addresses` may be known already, `initial` holds client
  // bytes that came before the session existed. The front takes the socket.
  virtual void start_session(const conf::Listener& listener, Socket* client,
                             std::shared_ptr<ListenerCounters> counters, const ClientAddresses& addresses,
                             Slice initial) = 0;
  // The listener is full or the worker stops: close the client, telling it
  // why when the protocol has a way to (default: just close).
  virtual void reject(Socket* client);
  // Whether the front itself decides when TLS starts on a listener with
  // [listener.tls] (PostgreSQL: after SSLRequest). Otherwise the worker runs
  // the handshake before start_session, and the front sees plaintext.
  virtual bool negotiates_tls() const { return false; }
  // The worker adopted a new snapshot: roles, drain or servers may have changed.
  virtual void on_snapshot() {}
  // The worker's last session is gone: close idle server connections and
  // timers so that the loop can end.
  virtual void shutdown() {}
};

// Makes one protocol's Front for a worker; lives as long as the process and
// holds what the front's instances share across workers (counters).
class FrontFactory {
 public:
  virtual ~FrontFactory() = default;
  virtual std::unique_ptr<Front> create(Worker& worker) = 0;
};

// The reader of PROXY protocol headers, run before the front on listeners
// with accept_proxy; it calls Worker::start_protocol_session when done.
using ProxyHeaderStage = std::function<void(Worker& worker, Socket* client, const conf::Listener& listener,
                                            std::shared_ptr<ListenerCounters> counters)>;

// Which factory serves which listener protocol. Filled once at startup, by
// the composition root, then only read (from every worker).
class FrontRegistry {
 public:
  static constexpr size_t kProtocols = static_cast<size_t>(conf::Protocol::redis) + 1;

  void add(conf::Protocol protocol, std::unique_ptr<FrontFactory> factory) {
    factories_[index(protocol)] = std::move(factory);
  }
  FrontFactory* factory(conf::Protocol protocol) const { return factories_[index(protocol)].get(); }
  // The factory of `protocol` as its own type (for what only that protocol's
  // admin commands and metrics know about); nullptr when none is registered.
  template <class T>
  T* factory_as(conf::Protocol protocol) const { return static_cast<T*>(factory(protocol)); }

  void set_proxy_header_stage(ProxyHeaderStage stage) { proxy_header_stage_ = std::move(stage); }
  const ProxyHeaderStage& proxy_header_stage() const { return proxy_header_stage_; }

  static size_t index(conf::Protocol protocol) { return static_cast<size_t>(protocol); }

 private:
  std::array<std::unique_ptr<FrontFactory>, kProtocols> factories_;
  ProxyHeaderStage proxy_header_stage_;
};

}  // namespace sy::core
