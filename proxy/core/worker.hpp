// One worker thread: its own uv loop, its own SO_REUSEPORT listening socket
// per listener, and every session accepted on it. It reads routing state
// only from the snapshot the control thread published to it last, and talks
// back through WorkerReports. Nothing here is locked on the data path.
#pragma once

#include <uv.h>

#include <array>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "balancer/selector.hpp"
#include "balancer/snapshot.hpp"
#include "proxy/core/buffer.hpp"
#include "proxy/core/client_addresses.hpp"
#include "proxy/core/front.hpp"
#include "proxy/core/listener_counters.hpp"
#include "proxy/core/mailbox.hpp"
#include "proxy/core/tls_contexts.hpp"

namespace sy::core {

class Session;
class Socket;

// What workers tell the control thread. Called on the worker's thread; the
// implementation must hand the news over (e.g. through a Mailbox).
class WorkerReports {
 public:
  virtual void server_failed_passively(const std::string& backend, const std::string& server,
                                       const std::string& reason) = 0;
  // Passive outlier ejection: the server failed consecutive requests (5xx
  // responses or broken exchanges); the control thread decides the ejection.
  virtual void server_outlier(const std::string& backend, const std::string& server, const std::string& reason) = 0;
  virtual void worker_stopped(unsigned worker_index) = 0;

 protected:
  ~WorkerReports() = default;
};

// A server chosen for one connection: the snapshot it came from stays alive
// as long as the pick does, so the view and its names stay valid.
struct ServerPick {
  std::shared_ptr<const balancer::Snapshot> snapshot;
  const balancer::BackendView* backend = nullptr;
  size_t index = 0;

  const balancer::ServerView& server() const { return backend->servers[index]; }
};

class Worker {
 public:
  // `fronts` outlives the worker.
  Worker(unsigned index, WorkerReports& reports, const FrontRegistry& fronts);
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;
  ~Worker();

  // `peers` is every worker (this one included), for work that must move
  // between workers; it outlives them all.
  void start(std::shared_ptr<const balancer::Snapshot> first_snapshot, const std::vector<Worker*>* peers);
  void join();
  unsigned index() const { return index_; }
  // Runs `work` on this worker's loop (any thread).
  void post(std::function<void()> work) { mailbox_->post(std::move(work)); }
  const std::vector<Worker*>& peers() const { return *peers_; }

  // --- called from the control thread; run on the worker's loop ---
  void publish(std::shared_ptr<const balancer::Snapshot> snapshot);
  // The TLS contexts of the configuration being adopted; posted before the
  // listeners open and before a reload's snapshot, so new handshakes use them.
  void adopt_tls(std::shared_ptr<const TlsContexts> contexts);
  void open_listener(std::string name, int fd, std::shared_ptr<ListenerCounters> counters);
  void close_listener(std::string name);
  void begin_shutdown();
  void force_close_sessions();

  // --- used by sessions, on the worker's thread ---
  uv_loop_t* loop() { return &loop_; }
  BufferPool& relay_buffers() { return relay_buffers_; }
  BufferPool& message_buffers() { return message_buffers_; }
  // The front of `protocol` on this worker, created on first use (nullptr
  // when no front serves that protocol).
  Front* front(conf::Protocol protocol);
  // The same, but only if some session has made it already.
  Front* front_if_started(conf::Protocol protocol) const { return fronts_[FrontRegistry::index(protocol)].get(); }
  bool shutting_down() const { return shutting_down_; }
  // The TLS context of a listener with [listener.tls], as last adopted.
  std::shared_ptr<const tls::ServerContext> tls_context(std::string_view listener) const {
    return tls_ ? tls_->listener(listener) : nullptr;
  }
  // The client TLS context of a backend with [backend.tls], as last adopted.
  std::shared_ptr<const tls::ClientContext> backend_tls(std::string_view backend) const {
    return tls_ ? tls_->backend(backend) : nullptr;
  }
  const std::shared_ptr<const balancer::Snapshot>& snapshot() const { return snapshot_; }
  std::optional<ServerPick> pick_server(std::string_view backend, uint64_t hash_key,
                                        std::span<const size_t> excluded, const balancer::RoleFilter& roles = {});
  void report_connect_result(const ServerPick& pick, int status);
  // An HTTP request on `pick` ended, `failed` (a 5xx or a broken exchange,
  // described by `what`) or not; enough failures in a row report the server
  // as an outlier.
  void report_request_result(const ServerPick& pick, bool failed, std::string_view what);
  // Starts the session of `listener`'s protocol for a client (after its
  // PROXY header, if the listener expects one; `initial` holds the client's
  // bytes that came with it). On a TLS listener whose front does not
  // negotiate TLS itself, the handshake comes first.
  void start_protocol_session(const conf::Listener& listener, Socket* client,
                              std::shared_ptr<ListenerCounters> counters, const ClientAddresses& addresses,
                              Slice initial);

 private:
  friend class Session;
  struct Listener;

  void run();
  void adopt(std::shared_ptr<const balancer::Snapshot> snapshot);
  void on_accept(Listener& listener);
  void listen_on(Listener& listener, int fd);
  void on_accept_failed(Listener& listener, int status);
  void resume_listener(Listener& listener);
  void remove_listener(Listener* listener);
  void start_session(Listener& listener, Socket* client);
  void add_session(Session* session);
  void remove_session(Session* session);
  void stop_if_finished();

  unsigned index_;
  WorkerReports& reports_;
  uv_loop_t loop_;
  std::unique_ptr<Mailbox> mailbox_;
  std::thread thread_;
  BufferPool relay_buffers_;
  BufferPool message_buffers_;
  const FrontRegistry& registry_;
  std::array<std::unique_ptr<Front>, FrontRegistry::kProtocols> fronts_;
  const std::vector<Worker*>* peers_ = nullptr;

  std::shared_ptr<const balancer::Snapshot> snapshot_;
  std::shared_ptr<const TlsContexts> tls_;
  std::vector<std::unique_ptr<balancer::Selector>> selectors_;  // one per snapshot backend
  std::vector<Listener*> listeners_;

  Session* sessions_ = nullptr;  // intrusive list head
  size_t session_count_ = 0;
  bool shutting_down_ = false;
  bool stopped_ = false;
};

}  // namespace sy::core
