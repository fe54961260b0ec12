// Worker thread: loop, listeners, session list, snapshot adoption; see
// worker.hpp.
#include "proxy/core/worker.hpp"

#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <cstring>
#include <mutex>

#include "proxy/core/log.hpp"
#include "proxy/core/log_guard.hpp"
#include "proxy/core/tls_handshake.hpp"
#include "proxy/core/session.hpp"
#include "proxy/core/socket.hpp"

namespace sy::core {
namespace {

// Relay chunks are large: fewer reads and writes per gigabyte. Protocol
// messages are small; smaller chunks keep many idle-ish clients cheap.
constexpr uint32_t kRelayChunkSize = 64 * 1024;
constexpr uint32_t kMessageChunkSize = 16 * 1024;

// Owns sockets that are only being closed (rejected at accept).
class DiscardHandler final : public SocketHandler {
 public:
  void on_data(Socket&, Slice) override {}
  void on_eof(Socket&) override {}
  void on_error(Socket&, int) override {}
  void on_closed(Socket&) override {}
};
DiscardHandler g_discard;

// Out of descriptors, a listener stops accepting for a while instead of
// spinning on accept (libuv retries EMFILE in a loop inside one callback).
// The pause doubles while accepts keep failing and starts over after one works.
constexpr uint64_t kAcceptPauseFirstMs = 100;
constexpr uint64_t kAcceptPauseMaxMs = 1000;

bool out_of_descriptors(int status) { return status == UV_EMFILE || status == UV_ENFILE; }

}  // namespace

// A listening socket that can be paused: the uv handle is closed (libuv has
// no "stop listening"), while `spare_fd`, a dup of the socket, keeps it
// bound and queuing connections; resuming opens a new handle on a new dup.
struct Worker::Listener {
  Worker* worker;
  std::string name;
  std::shared_ptr<ListenerCounters> counters;
  const conf::Listener* config = nullptr;  // from the worker's current snapshot
  uv_tcp_t handle{};
  uv_timer_t pause_timer{};
  int spare_fd = -1;
  bool handle_open = false;
  bool removed = false;  // closed for good; deleted once both handles are closed
  int open_handles = 0;
  uint64_t pause_ms = 0;

  static void on_handle_closed(uv_handle_t* handle) {
    auto* self = static_cast<Listener*>(handle->data);
    if (--self->open_handles == 0 && self->removed) delete self;
  }
  ~Listener() {
    if (spare_fd >= 0) ::close(spare_fd);
  }
};

namespace {

// One line per second at most for the whole process: at the fd limit every
// worker's every listener fails at once.
std::mutex g_accept_log_mutex;
sy::core::LogRateLimit g_accept_log_limit(1);

void log_accept_failure(uv_loop_t* loop, const std::string& listener, int status, uint64_t pause_ms) {
  uint64_t suppressed = 0;
  std::lock_guard lock(g_accept_log_mutex);
  if (!g_accept_log_limit.allow(uv_now(loop), suppressed)) return;
  if (suppressed > 0)
    log::warn("listener ", listener, ": accept failed: ", uv_strerror(status), "; not accepting for ", pause_ms,
              " ms (", suppressed, " similar lines suppressed)");
  else
    log::warn("listener ", listener, ": accept failed: ", uv_strerror(status), "; not accepting for ", pause_ms,
              " ms");
}

}  // namespace


Session::Session(Worker& worker) : worker_(worker) { worker_.add_session(this); }
Session::~Session() { worker_.remove_session(this); }

Worker::Worker(unsigned index, WorkerReports& reports, const FrontRegistry& fronts)
    : index_(index),
      reports_(reports),
      relay_buffers_(kRelayChunkSize),
      message_buffers_(kMessageChunkSize),
      registry_(fronts) {
  uv_loop_init(&loop_);
  mailbox_ = std::make_unique<Mailbox>(&loop_);
}

Worker::~Worker() {
  assert(!thread_.joinable());
  // A worker that never ran (or never finished) still has its mailbox's
  // handle, and perhaps its fronts' timers, open on the loop; uv_loop_close
  // refuses such a loop and its memory would leak. Close them the way a
  // finishing worker does and let the loop run their close callbacks.
  if (!stopped_) {
    stopped_ = true;
    for (auto& front : fronts_)
      if (front) front->shutdown();
    mailbox_->close();
    uv_run(&loop_, UV_RUN_DEFAULT);
  }
  for (auto& front : fronts_) front.reset();
  [[maybe_unused]] int closed = uv_loop_close(&loop_);
  assert(closed == 0 && "a handle on the worker's loop is still open");
}

Front* Worker::front(conf::Protocol protocol) {
  auto& slot = fronts_[FrontRegistry::index(protocol)];
  if (!slot)
    if (FrontFactory* factory = registry_.factory(protocol)) slot = factory->create(*this);
  return slot.get();
}

void Worker::start(std::shared_ptr<const balancer::Snapshot> first_snapshot, const std::vector<Worker*>* peers) {
  peers_ = peers;
  adopt(std::move(first_snapshot));
  thread_ = std::thread([this] { run(); });
}

void Worker::join() {
  if (thread_.joinable()) thread_.join();
}

void Worker::run() {
  uv_run(&loop_, UV_RUN_DEFAULT);
  // Every handle is closed by now; nothing can reach this worker any more.
}

void Worker::publish(std::shared_ptr<const balancer::Snapshot> snapshot) {
  mailbox_->post([this, snapshot = std::move(snapshot)]() mutable { adopt(std::move(snapshot)); });
}

void Worker::adopt_tls(std::shared_ptr<const TlsContexts> contexts) {
  mailbox_->post([this, contexts = std::move(contexts)]() mutable { tls_ = std::move(contexts); });
}

void Worker::adopt(std::shared_ptr<const balancer::Snapshot> snapshot) {
  std::vector<std::unique_ptr<balancer::Selector>> selectors;
  selectors.reserve(snapshot->backends.size());
  for (const auto& backend : snapshot->backends) selectors.push_back(balancer::make_selector(backend));
  for (Listener* listener : listeners_) listener->config = snapshot->config->find_listener(listener->name);
  selectors_ = std::move(selectors);
  snapshot_ = std::move(snapshot);
  for (auto& front : fronts_)
    if (front) front->on_snapshot();
}

void Worker::open_listener(std::string name, int fd, std::shared_ptr<ListenerCounters> counters) {
  mailbox_->post([this, name = std::move(name), fd, counters = std::move(counters)]() mutable {
    auto* listener = new Listener{this, std::move(name), std::move(counters)};
    listener->config = snapshot_->config->find_listener(listener->name);
    uv_timer_init(&loop_, &listener->pause_timer);
    listener->pause_timer.data = listener;
    ++listener->open_handles;
    listener->spare_fd = ::dup(fd);
    if (listener->spare_fd < 0)
      log::warn("listener ", listener->name, ": worker ", index_, " cannot keep a spare descriptor (",
                std::strerror(errno), "): it cannot pause at the fd limit");
    listeners_.push_back(listener);
    listen_on(*listener, fd);
  });
}

void Worker::listen_on(Listener& listener, int fd) {
  uv_tcp_init(&loop_, &listener.handle);
  listener.handle.data = &listener;
  listener.handle_open = true;
  ++listener.open_handles;
  int rc = uv_tcp_open(&listener.handle, fd);
  if (rc == 0)
    rc = uv_listen(reinterpret_cast<uv_stream_t*>(&listener.handle), 1024, [](uv_stream_t* server, int status) {
      auto* self = static_cast<Listener*>(server->data);
      if (status < 0) {
        self->worker->on_accept_failed(*self, status);
        return;
      }
      self->pause_ms = 0;
      self->worker->on_accept(*self);
    });
  if (rc != 0) log::error("listener ", listener.name, ": worker ", index_, " cannot listen: ", uv_strerror(rc));
}

void Worker::on_accept_failed(Listener& listener, int status) {
  if (!out_of_descriptors(status) || listener.spare_fd < 0 || !listener.handle_open) {
    log_accept_failure(&loop_, listener.name, status, 0);
    return;
  }
  listener.counters->accept_pauses.fetch_add(1, std::memory_order_relaxed);
  listener.pause_ms = listener.pause_ms == 0 ? kAcceptPauseFirstMs : std::min(listener.pause_ms * 2, kAcceptPauseMaxMs);
  log_accept_failure(&loop_, listener.name, status, listener.pause_ms);
  // Closing the handle is what ends libuv's accept loop; the spare keeps the socket.
  listener.handle_open = false;
  uv_close(reinterpret_cast<uv_handle_t*>(&listener.handle), Listener::on_handle_closed);
  uv_timer_start(&listener.pause_timer, [](uv_timer_t* timer) {
    auto* self = static_cast<Listener*>(timer->data);
    self->worker->resume_listener(*self);
  }, listener.pause_ms, 0);
}

void Worker::resume_listener(Listener& listener) {
  if (listener.removed || listener.handle_open) return;
  int fd = ::dup(listener.spare_fd);
  if (fd < 0) {
    // Still no descriptor to spare: wait longer.
    listener.pause_ms = std::min(listener.pause_ms * 2, kAcceptPauseMaxMs);
    uv_timer_start(&listener.pause_timer, [](uv_timer_t* timer) {
      auto* self = static_cast<Listener*>(timer->data);
      self->worker->resume_listener(*self);
    }, listener.pause_ms, 0);
    return;
  }
  listen_on(listener, fd);
}

void Worker::remove_listener(Listener* listener) {
  listener->removed = true;
  uv_timer_stop(&listener->pause_timer);
  uv_close(reinterpret_cast<uv_handle_t*>(&listener->pause_timer), Listener::on_handle_closed);
  if (listener->handle_open) {
    listener->handle_open = false;
    uv_close(reinterpret_cast<uv_handle_t*>(&listener->handle), Listener::on_handle_closed);
  }
}

void Worker::close_listener(std::string name) {
  mailbox_->post([this, name = std::move(name)] {
    for (auto it = listeners_.begin(); it != listeners_.end(); ++it) {
      if ((*it)->name != name) continue;
      remove_listener(*it);
      listeners_.erase(it);
      return;
    }
  });
}

void Worker::on_accept(Listener& listener) {
  auto* client = new Socket(&loop_, relay_buffers_, &g_discard);
  if (client->accept(reinterpret_cast<uv_stream_t*>(&listener.handle)) != 0) {
    client->close();
    return;
  }
  listener.counters->accepted.fetch_add(1, std::memory_order_relaxed);
  const conf::Listener* config = listener.config;
  if (config == nullptr || shutting_down_ ||
      listener.counters->active.load(std::memory_order_relaxed) >= static_cast<int64_t>(config->max_connections)) {
    listener.counters->rejected.fetch_add(1, std::memory_order_relaxed);
    // The front tells the client why if its protocol can (HTTP: a 503). A
    // stopping worker makes no new front: its timers would keep it running.
    Front* front = !config ? nullptr : shutting_down_ ? front_if_started(config->protocol) : this->front(config->protocol);
    if (front) front->reject(client);
    else client->close();
    return;
  }
  start_session(listener, client);
}

void Worker::start_session(Listener& listener, Socket* client) {
  if (listener.config->accept_proxy && registry_.proxy_header_stage()) {
    registry_.proxy_header_stage()(*this, client, *listener.config, listener.counters);
    return;
  }
  start_protocol_session(*listener.config, client, listener.counters, ClientAddresses{}, {});
}

void Worker::start_protocol_session(const conf::Listener& accepted_on, Socket* client,
                                    std::shared_ptr<ListenerCounters> counters, const ClientAddresses& addresses,
                                    Slice initial) {
  // Sessions keep the worker's current snapshot alive, so the listener they
  // get must come from it (a reload may have come while a PROXY header was read).
  const conf::Listener* current = snapshot_->config->find_listener(accepted_on.name);
  if (!current || current->protocol != accepted_on.protocol) {
    client->close();
    return;
  }
  Front* front = this->front(current->protocol);
  if (!front) {
    log::error("listener ", current->name, ": protocol ", conf::to_string(current->protocol), " has no front");
    client->close();
    return;
  }
  if (current->tls.enabled && !client->transport() && !front->negotiates_tls()) {
    auto context = tls_ ? tls_->listener(current->name) : nullptr;
    if (!context) {
      log::error("listener ", current->name, ": no TLS context loaded");
      client->close();
      return;
    }
    TlsHandshake::start(*this, client, std::move(context), *current, std::move(counters), addresses,
                        std::move(initial));
    return;
  }
  front->start_session(*current, client, std::move(counters), addresses, std::move(initial));
}

std::optional<ServerPick> Worker::pick_server(std::string_view backend, uint64_t hash_key,
                                              std::span<const size_t> excluded, const balancer::RoleFilter& roles) {
  for (size_t i = 0; i < snapshot_->backends.size(); ++i) {
    const auto& view = snapshot_->backends[i];
    if (view.name() != backend) continue;
    auto index = balancer::pick_server(view, *selectors_[i], hash_key, excluded, roles);
    if (!index) return std::nullopt;
    return ServerPick{snapshot_, &view, *index};
  }
  return std::nullopt;
}

void Worker::report_connect_result(const ServerPick& pick, int status) {
  auto& counters = *pick.server().counters;
  if (status == 0) {
    counters.consecutive_connect_failures.store(0, std::memory_order_relaxed);
    return;
  }
  // Out of descriptors is this process's shortage, not the server's failure:
  // counted against it, it would take a healthy server out of rotation
  // (for good, without active checks) while the process is at its limit.
  if (out_of_descriptors(status)) return;
  counters.connect_failures.fetch_add(1, std::memory_order_relaxed);
  unsigned failures = counters.consecutive_connect_failures.fetch_add(1, std::memory_order_relaxed) + 1;
  unsigned threshold = pick.backend->config->health_check.passive_fall;
  // Only the report that crosses the threshold goes out, once.
  if (threshold > 0 && failures == threshold)
    reports_.server_failed_passively(pick.backend->name(), pick.server().name(),
                                     log::concat(failures, " consecutive connection failures from traffic, last: ",
                                                 uv_strerror(status)));
}

void Worker::report_request_result(const ServerPick& pick, bool failed, std::string_view what) {
  auto& counters = *pick.server().counters;
  if (!failed) {
    // Most requests succeed: skip the store when there is nothing to reset.
    if (counters.consecutive_failures.load(std::memory_order_relaxed) != 0)
      counters.consecutive_failures.store(0, std::memory_order_relaxed);
    return;
  }
  unsigned threshold = pick.backend->config->outlier_ejection.consecutive_failures;
  unsigned failures = counters.consecutive_failures.fetch_add(1, std::memory_order_relaxed) + 1;
  // Only the report that crosses the threshold goes out; the count starts
  // over so that the server, once back, gets as many chances again.
  if (threshold > 0 && failures == threshold) {
    counters.consecutive_failures.store(0, std::memory_order_relaxed);
    reports_.server_outlier(pick.backend->name(), pick.server().name(),
                            log::concat(failures, " consecutive failed requests, last: ", what));
  }
}

void Worker::begin_shutdown() {
  mailbox_->post([this] {
    shutting_down_ = true;
    for (Listener* listener : listeners_) remove_listener(listener);
    listeners_.clear();
    for (Session* s = sessions_; s != nullptr;) {
      Session* next = s->next_;  // finishing may unlink s
      s->finish_gracefully();
      s = next;
    }
    stop_if_finished();
  });
}

void Worker::force_close_sessions() {
  mailbox_->post([this] {
    for (Session* s = sessions_; s != nullptr;) {
      Session* next = s->next_;
      s->force_close();
      s = next;
    }
  });
}

void Worker::add_session(Session* session) {
  session->next_ = sessions_;
  if (sessions_) sessions_->prev_ = session;
  sessions_ = session;
  ++session_count_;
}

void Worker::remove_session(Session* session) {
  if (session->prev_) session->prev_->next_ = session->next_;
  else sessions_ = session->next_;
  if (session->next_) session->next_->prev_ = session->prev_;
  --session_count_;
  stop_if_finished();
}

void Worker::stop_if_finished() {
  if (!shutting_down_ || session_count_ > 0 || stopped_) return;
  stopped_ = true;
  for (auto& front : fronts_)
    if (front) front->shutdown();
  mailbox_->close();
  reports_.worker_stopped(index_);
}

}  // namespace sy::core
