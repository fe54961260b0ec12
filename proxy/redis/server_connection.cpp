// A connection to a Redis server; see server_connection.hpp.
#include "proxy/redis/server_connection.hpp"

#include <charconv>

#include "proxy/core/log.hpp"
#include "proxy/core/log_guard.hpp"
#include "proxy/core/tls_transport.hpp"
#include "proxy/redis/client_session.hpp"
#include "proxy/redis/redis_front.hpp"
#include "proxy/redis/server_pool.hpp"
#include "resp/writer.hpp"

namespace sy::redis {
namespace {

// Replies from a server are trusted more than client commands, but still
// bounded: nesting and lengths as Redis itself could send them.
resp::Limits reply_limits() { return resp::Limits{}; }

bool starts_with_word(std::string_view bytes, std::string_view word) {
  // "-READONLY You can't write against a read only replica."
  return bytes.size() > word.size() && bytes.substr(1, word.size()) == word;
}

}  // namespace

ServerConnection::ServerConnection(ServerPool& pool, core::ServerPick pick, Mode mode, int protocol, unsigned db)
    : pool_(pool),
      pick_(std::move(pick)),
      mode_(mode),
      protocol_(protocol),
      initial_db_(db),
      db_(db),
      socket_(new core::Socket(pool.worker().loop(), pool.worker().relay_buffers(), this)),
      replies_(reply_limits()) {
  uv_timer_init(pool.worker().loop(), &timer_);
  timer_.data = this;
}

ServerConnection::~ServerConnection() = default;

void ServerConnection::start() {
  const auto& server = pick_.server();
  server.counters->total.fetch_add(1, std::memory_order_relaxed);
  server.counters->active.fetch_add(1, std::memory_order_relaxed);
  counted_active_ = true;
  int rc = socket_->connect(server.config->address.sockaddr_ptr());
  if (rc != 0) {
    pool_.worker().report_connect_result(pick_, rc);
    close("connect failed: " + std::string(uv_strerror(rc)));
    return;
  }
  uv_timer_start(&timer_, &ServerConnection::on_timer, pick_.backend->config->connect_timeout.count(), 0);
}

void ServerConnection::on_timer(uv_timer_t* timer) {
  auto* self = static_cast<ServerConnection*>(timer->data);
  if (self->state_ != State::connecting) return;
  self->pool_.worker().report_connect_result(self->pick_, UV_ETIMEDOUT);
  self->close("connect timeout");
}

void ServerConnection::on_connect(core::Socket&, int status) {
  if (state_ != State::connecting) return;
  if (status != 0) {
    pool_.worker().report_connect_result(pick_, status);
    close("connect failed: " + std::string(uv_strerror(status)));
    return;
  }
  pool_.worker().report_connect_result(pick_, 0);
  // With TLS, what is written now is held until the handshake is done; the
  // connect timer goes on bounding the handshake until the first reply.
  if (auto tls = pool_.worker().backend_tls(pick_.backend->name())) {
    const conf::Address& address = pick_.server().config->address;
    socket_->start_transport(core::connect_tls(std::move(tls), address.host, address.port));
  } else {
    uv_timer_stop(&timer_);
  }
  state_ = State::ready;
  login();
  write_queued();
  socket_->read_start();
  pool_.connection_ready(*this);
}

void ServerConnection::write_own(Purpose purpose, std::initializer_list<std::string_view> argv) {
  std::string bytes;
  resp::append_command(bytes, argv);
  socket_->write(std::move(bytes));
  // Client commands queued while connecting are written after the login.
  in_flight_.insert(in_flight_.begin() + login_commands_++, InFlight{purpose, nullptr, {}});
}

void ServerConnection::login() {
  const conf::RedisBackend& settings = pick_.backend->config->redis;
  if (!settings.password.empty()) {
    if (settings.user.empty()) write_own(Purpose::auth, {"AUTH", settings.password});
    else write_own(Purpose::auth, {"AUTH", settings.user, settings.password});
  }
  if (protocol_ == 3) write_own(Purpose::hello, {"HELLO", "3"});
  if (initial_db_ != 0) write_own(Purpose::select, {"SELECT", std::to_string(initial_db_)});
  if (!pool_.databases_known()) write_own(Purpose::databases, {"CONFIG", "GET", "databases"});
}

void ServerConnection::send(ClientSession* client, Command command) {
  pick_.server().counters->bytes_out.fetch_add(command.size(), std::memory_order_relaxed);
  WorkerCounters::add(pool_.counters().commands);
  if (serves_reads_) WorkerCounters::add(pool_.counters().replica_reads);
  if (mode_ == Mode::shared) {
    in_flight_.push_back(InFlight{Purpose::client, client, {}, db_});
    // Only a copy of the bytes is kept, for a retry; a slice is a reference.
    in_flight_.back().command = command.owned.empty() ? Command::of(command.slice) : Command::of(command.owned);
  }
  unsent_.push_back(std::move(command));
}

void ServerConnection::flush() {
  if (state_ != State::ready || unsent_.empty() || write_due_) return;
  write_due_ = true;
  RedisFront::of(pool_.worker()).write_soon(this);
}

void ServerConnection::write_queued() {
  write_due_ = false;
  if (state_ != State::ready || unsent_.empty()) return;
  // The latency of a command runs from this write (one clock read per
  // write, not per command); the entries not stamped yet are at the back.
  uint64_t now = uv_hrtime();
  for (auto entry = in_flight_.rbegin(); entry != in_flight_.rend() && entry->sent_at == 0; ++entry)
    entry->sent_at = now;
  write_commands(*socket_, unsent_);
}

size_t ServerConnection::client_commands_in_flight() const {
  size_t count = 0;
  for (const InFlight& entry : in_flight_) count += entry.purpose == Purpose::client;
  return count;
}

void ServerConnection::renew() {
  // Only the proxy's own commands can be in flight here: they go first.
  login_commands_ = in_flight_.size();
  write_own(Purpose::reset, {"RESET"});
  initial_db_ = db_ = 0;
  login();
}

void ServerConnection::use_db(unsigned db) {
  if (db == db_) return;
  db_ = db;
  std::string bytes;
  std::string number = std::to_string(db);
  resp::append_command(bytes, {"SELECT", number});
  in_flight_.push_back(InFlight{Purpose::select, nullptr, {}});
  unsent_.push_back(Command::of(std::move(bytes)));
}

void ServerConnection::on_data(core::Socket&, core::Slice data) {
  if (state_ == State::closing) return;
  uv_timer_stop(&timer_);  // a reply came: the handshake is done
  pick_.server().counters->bytes_in.fetch_add(data.length, std::memory_order_relaxed);
  read_at_ = 0;  // the clock is read once per read, at the first reply that needs it
  StreamStatus status = replies_.feed(data, [this](const resp::Frame& frame, const FrameBytes& bytes) {
    on_frame(frame, bytes);
    return state_ != State::closing;
  });
  std::vector<ClientSession*> touched;
  touched.swap(touched_);
  for (ClientSession* client : touched) client->flush_output();
  if (status == StreamStatus::error) {
    log::warn("redis server ", pick_.backend->name(), "/", server_name(), ": bad reply: ", replies_.error_message());
    close("protocol error from the server");
    return;
  }
  if (retired_ && in_flight_.empty() && state_ != State::closing) close("retired");
}

void ServerConnection::on_frame(const resp::Frame& frame, const FrameBytes& bytes) {
  if (!in_flight_.empty() && in_flight_.front().purpose != Purpose::client) {
    InFlight entry = std::move(in_flight_.front());
    in_flight_.pop_front();
    own_reply(entry, frame, bytes.bytes);
    return;
  }
  if (mode_ == Mode::dedicated) {
    if (owner_) deliver(owner_, frame, bytes);
    return;
  }
  if (frame.is_push()) return;  // shared connections subscribe to nothing; a stray push is nobody's
  if (in_flight_.empty()) {
    log::warn("redis server ", pick_.backend->name(), "/", server_name(), ": a reply to no command");
    close("unexpected reply");
    return;
  }
  // A replica still loading its data set, or cut off from its master with
  // replica-serve-stale-data off: the read goes to the master instead.
  if (serves_reads_ && frame.is_error() &&
      (starts_with_word(bytes.bytes, "LOADING") || starts_with_word(bytes.bytes, "MASTERDOWN"))) {
    log::info("redis server ", pick_.backend->name(), "/", server_name(),
              " cannot serve reads now; sending them to the master: ",
              core::printable(bytes.bytes.substr(1, bytes.bytes.size() > 3 ? bytes.bytes.size() - 3 : 0)));
    retry_on_close_ = true;
    close("the replica cannot serve reads");
    return;
  }
  // A demoted master: the command did not run. It and everything after it
  // on this connection go to the new master instead.
  if (!serves_reads_ && frame.is_error() && starts_with_word(bytes.bytes, "READONLY")) {
    log::info("redis server ", pick_.backend->name(), "/", server_name(),
              " answered READONLY: it is no longer the master; retrying its commands");
    pool_.master_demoted(*this);
    fail_in_flight({}, true);
    close("the server is a replica now");
    return;
  }
  InFlight entry = std::move(in_flight_.front());
  in_flight_.pop_front();
  if (entry.sent_at != 0) {
    if (read_at_ == 0) read_at_ = uv_hrtime();
    pool_.counters().record_latency(read_at_ > entry.sent_at ? (read_at_ - entry.sent_at) / 1000 : 0);
  }
  deliver(entry.client, frame, bytes);
}

void ServerConnection::deliver(ClientSession* client, const resp::Frame& frame, const FrameBytes& bytes) {
  if (frame.is_error()) WorkerCounters::add(pool_.counters().server_errors);
  // Replies for one client in one read go out in one write, after the read.
  if (touched_.empty() || touched_.back() != client) touched_.push_back(client);
  client->on_server_frame(*this, frame, bytes);
}

void ServerConnection::own_reply(const InFlight& entry, const resp::Frame& frame, std::string_view bytes) {
  if (entry.purpose == Purpose::databases) {
    // "*2\r\n$9\r\ndatabases\r\n$2\r\n16\r\n": the count is the last line.
    if (frame.is_error() || bytes.size() < 4) return;
    std::string_view body = bytes.substr(0, bytes.size() - 2);
    std::string_view last = body.substr(body.rfind('\n') + 1);
    unsigned count = 0;
    if (std::from_chars(last.data(), last.data() + last.size(), count).ec == std::errc() && count > 0)
      pool_.set_databases(count);
    return;
  }
  if (!frame.is_error()) return;
  std::string text(bytes.substr(1, bytes.size() > 3 ? bytes.size() - 3 : 0));
  log::warn("redis server ", pick_.backend->name(), "/", server_name(), ": ",
            entry.purpose == Purpose::auth    ? "AUTH"
            : entry.purpose == Purpose::hello ? "HELLO 3"
            : entry.purpose == Purpose::reset ? "RESET"
                                              : "SELECT",
            " failed: ", core::printable(text));
  close("login failed", "ERR switchyard: the proxy could not log in to the server: " + text);
}

void ServerConnection::fail_in_flight(std::string_view error, bool retry_all) {
  std::deque<InFlight> failed;
  failed.swap(in_flight_);
  for (InFlight& entry : failed) {
    if (entry.purpose != Purpose::client) continue;
    if (retry_all) {
      WorkerCounters::add(pool_.counters().retries);
      entry.client->on_command_retry(*this, std::move(entry.command), entry.db);
    }
    else entry.client->on_command_failed(*this, error);
  }
}

void ServerConnection::retire(std::string_view why) {
  if (retired_ || state_ == State::closing) return;
  retired_ = true;
  log::debug("redis server ", pick_.backend->name(), "/", server_name(), ": connection retired: ", why);
  pool_.forget_shared(*this);
  if (mode_ == Mode::shared && in_flight_.empty()) close(why);
}

void ServerConnection::close(std::string_view why, std::string_view error) {
  if (state_ == State::closing) return;
  bool never_connected = state_ == State::connecting;
  state_ = State::closing;
  if (write_due_) RedisFront::of(pool_.worker()).cancel_write(this);
  write_due_ = false;
  log::debug("redis server ", pick_.backend->name(), "/", server_name(), ": closing connection: ", why);
  pool_.forget_shared(*this);
  // A read connection that lost its replica counts as a failed connect: the
  // replica is skipped for a moment.
  pool_.connection_closed(*this, never_connected || retry_on_close_);
  // Before connecting, nothing was sent: every command can go elsewhere.
  fail_in_flight(error, never_connected || retry_on_close_);
  unsent_.clear();
  if (owner_) {
    ClientSession* owner = owner_;
    owner_ = nullptr;
    owner->on_dedicated_lost(*this, never_connected);
  }
  wake_drain_waiters();
  if (counted_active_) pick_.server().counters->active.fetch_sub(1, std::memory_order_relaxed);
  counted_active_ = false;
  socket_->close();
  uv_timer_stop(&timer_);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), [](uv_handle_t* handle) {
    auto* self = static_cast<ServerConnection*>(handle->data);
    if (--self->open_handles_ == 0) self->pool_.destroy(self);
  });
}

void ServerConnection::wait_for_drain(ClientSession* client) {
  for (ClientSession* waiting : drain_waiters_)
    if (waiting == client) return;
  drain_waiters_.push_back(client);
}

void ServerConnection::stop_waiting(ClientSession* client) {
  std::erase(drain_waiters_, client);
}

void ServerConnection::wake_drain_waiters() {
  std::vector<ClientSession*> waiters;
  waiters.swap(drain_waiters_);
  for (ClientSession* client : waiters) client->on_server_drained();
}

void ServerConnection::on_drained(core::Socket&) { wake_drain_waiters(); }

void ServerConnection::lose(std::string_view why) {
  retry_on_close_ = serves_reads_;
  close(why);
}

void ServerConnection::on_eof(core::Socket&) {
  if (state_ == State::connecting) pool_.worker().report_connect_result(pick_, UV_ECONNRESET);
  lose("the server closed the connection");
}

void ServerConnection::on_error(core::Socket&, int status) {
  std::string why = core::tls_failure(socket_->transport());
  if (why.empty()) why = uv_strerror(status);
  if (state_ != State::closing)
    log::info("redis server ", pick_.backend->name(), "/", server_name(), ": connection error: ", why);
  lose(why);
}

void ServerConnection::on_closed(core::Socket&) {
  if (--open_handles_ == 0) pool_.destroy(this);
}

}  // namespace sy::redis
