// One Redis client; see client_session.hpp.
#include "proxy/redis/client_session.hpp"

#include <charconv>

#include "proxy/core/log.hpp"
#include "proxy/core/log_guard.hpp"
#include "proxy/proxy_protocol/header.hpp"
#include "proxy/redis/local_commands.hpp"
#include "proxy/redis/local_replies.hpp"
#include "proxy/redis/redis_front.hpp"
#include "proxy/redis/server_connection.hpp"
#include "proxy/redis/server_pool.hpp"
#include "resp/writer.hpp"

namespace sy::redis {
namespace {

// Errors a client can cause are logged, but at most this often.
thread_local core::LogRateLimit client_log_limit(10);

void log_client_problem(uv_loop_t* loop, const std::string& listener, std::string_view what) {
  uint64_t suppressed = 0;
  if (!client_log_limit.allow(uv_now(loop), suppressed)) return;
  log::warn("listener ", listener, ": ", what,
            suppressed ? log::concat(" (", suppressed, " more not logged)") : std::string());
}

std::string error_reply(std::string_view message) {
  std::string out;
  resp::append_error(out, message);
  return out;
}

}  // namespace

void ClientSession::start(RedisFront& front, core::Socket* client, const conf::Listener& listener,
                          std::shared_ptr<core::ListenerCounters> counters, const core::ClientAddresses& addresses,
                          core::Slice initial) {
  auto* session = new ClientSession(front, client, listener, std::move(counters), addresses);
  if (initial.length > 0) session->on_data(*client, std::move(initial));
  if (!session->closing_ && session->hold_ == Hold::none) client->read_start();
}

ClientSession::ClientSession(RedisFront& front, core::Socket* client, const conf::Listener& listener,
                             std::shared_ptr<core::ListenerCounters> counters, const core::ClientAddresses& addresses)
    : Session(front.worker()),
      front_(front),
      client_(client),
      snapshot_(front.worker().snapshot()),
      listener_(listener),
      counters_(std::move(counters)) {
  who_.id = RedisFront::next_client_id();
  who_.authenticated = listener.redis.password.empty();
  counters_->active.fetch_add(1, std::memory_order_relaxed);
  client_->set_handler(this);
  core::ClientAddresses resolved = addresses;
  const auto& source = resolved.resolve(*client_).source;
  who_.address = proxy_protocol::address_text(source) + ":" + std::to_string(proxy_protocol::port_of(source));
  uv_timer_init(worker_.loop(), &timer_);
  timer_.data = this;
  last_activity_ = uv_now(worker_.loop());
  arm_timer();
}

ClientSession::~ClientSession() { counters_->active.fetch_sub(1, std::memory_order_relaxed); }

ServerPool& ClientSession::pool() {
  if (!pool_) pool_ = &front_.pool(listener_.backend);
  return *pool_;
}

// ---------------------------------------------------------------- input

void ClientSession::on_data(core::Socket&, core::Slice data) {
  last_activity_ = uv_now(worker_.loop());
  if (input_ended_ || closing_) return;
  StreamStatus status =
      input_.feed(data, [this](const resp::Frame& frame, const FrameBytes& bytes) { return on_command(frame, bytes); });
  after_input(status);
}

void ClientSession::after_input(StreamStatus status) {
  if (status == StreamStatus::error) {
    // Redis answers "-ERR Protocol error: ..." and closes; so do we, after
    // the replies to what came before.
    log_client_problem(worker_.loop(), listener_.name,
                       "redis client " + who_.address + ": " + std::string(input_.error_message()));
    reply_local(error_reply("ERR " + std::string(input_.error_message())));
    input_ended_ = true;
    hold_ = Hold::quitting;
  }
  if (hold_ != Hold::none) client_->read_stop();
  flush_server();
  flush_output();
  if (input_ended_ && slots_.empty()) close("quit");
}

void ClientSession::resume_input() {
  if (closing_ || hold_ == Hold::quitting) return;
  hold_ = Hold::none;
  if (!send_retries()) return after_input(StreamStatus::paused);
  if (!parked_.empty()) {
    // The command that had to wait: framed again from its own bytes.
    std::string bytes = std::move(parked_);
    parked_.clear();
    resp::RequestParser parser;
    resp::ParseResult result = parser.parse(bytes);
    bool go_on = result.status != resp::ParseStatus::frame ||
                 on_command(result.frame, FrameBytes{nullptr, 0, std::string_view(bytes)});
    if (!go_on) return after_input(StreamStatus::paused);
  }
  StreamStatus status =
      input_.resume([this](const resp::Frame& frame, const FrameBytes& bytes) { return on_command(frame, bytes); });
  after_input(status);
  if (status == StreamStatus::consumed && hold_ == Hold::none && !input_ended_ && !closing_ && !output_full_)
    client_->read_start();
}

void ClientSession::run_scheduled() {
  if (closing_) return maybe_free();
  if (hold_ != Hold::none && hold_ != Hold::quitting) resume_input();
}

bool ClientSession::hold(Hold why) {
  hold_ = why;
  return false;
}

bool ClientSession::park(const FrameBytes& bytes, Hold why) {
  parked_.assign(bytes.bytes);
  return hold(why);
}

bool ClientSession::on_command(const resp::Frame& frame, const FrameBytes& bytes) {
  if (closing_) return false;
  if (frame.arguments.empty()) return true;  // "*0" or an empty line: Redis ignores those too
  argv_.clear();
  for (size_t i = 0; i < frame.arguments.size(); ++i) argv_.push_back(frame.argument(i));
  if (!retries_.empty() && !send_retries()) return park(bytes, hold_);
  const resp::CommandInfo* info = resp::find_command(std::span<const std::string_view>(argv_));

  if (!who_.authenticated && !(info && info->has(resp::kNoAuth))) {
    reply_local(error_reply("NOAUTH Authentication required."));
  } else if (info && info->has(resp::kUnsupported)) {
    reply_local(error_reply(unknown_command_error(argv_)));
  } else if (info && !info->arity_ok(argv_.size())) {
    reply_local(error_reply(arity_error(argv_[0])));
  } else if (!handled_locally(info)) {
    if (!forward(info, frame, bytes)) return false;
  }
  if (input_ended_) return false;
  if (slots_.size() >= listener_.redis.max_pending) return hold(Hold::pending);
  return hold_ == Hold::none;
}

// ---------------------------------------------------------------- local commands

bool ClientSession::handled_locally(const resp::CommandInfo* info) {
  if (!info) return false;
  std::string_view name = info->name;
  if (dedicated_) {
    // The server connection is logged in as the proxy: the client's own
    // credentials or protocol cannot change it.
    if (name == "auth" || name == "hello")
      return reply_local(error_reply("ERR switchyard: " + std::string(argv_[0].substr(0, 16)) +
                                     " is refused while the connection holds MULTI, WATCH, a blocking command or "
                                     "subscriptions")),
             true;
    // In MULTI the server queues everything; SELECT changes the server
    // connection's database (checked here first); a subscriber's PING is
    // answered by the server in subscriber form.
    if (in_multi_ && name != "quit" && name != "reset") return false;
    if (name == "select") {
      unsigned db = 0;
      std::string problem;
      if (local_commands().parse_db(argv_[1], db, problem)) return false;
      reply_local(error_reply(problem));
      return true;
    }
    if (name == "ping" && dedication_ == Dedication::sticky) return false;
  }
  LocalReply local = local_commands().run(*info, std::span<const std::string_view>(argv_), who_);
  if (!local.handled) return false;
  if (!local.failed_user.empty())
    log_client_problem(worker_.loop(), listener_.name,
                       "redis client " + who_.address + ": failed AUTH as " + core::printable(local.failed_user));
  if (local.reset && dedicated_) {
    // Its state is thrown away with it: never handed on.
    ServerConnection* connection = dedicated_;
    dedicated_ = nullptr;
    connection->set_owner(nullptr);
    connection->close("the client sent RESET");
  }
  if (local.reset) {
    dedication_ = Dedication::none;
    in_multi_ = watching_ = false;
    select_in_multi_.reset();
  }
  reply_local(std::move(local.reply));
  if (local.quit) {
    input_ended_ = true;
    hold_ = Hold::quitting;
  }
  return true;
}

LocalCommands ClientSession::local_commands() { return LocalCommands(listener_.redis, pool().databases()); }

// ---------------------------------------------------------------- forwarding

ClientSession::Dedication ClientSession::dedication_for(const resp::CommandInfo* info) const {
  if (!info) return Dedication::none;
  if (info->has(resp::kPubSub)) return Dedication::sticky;
  if (info->name == "client|tracking") return Dedication::sticky;
  if (info->name == "multi" || info->name == "watch") return Dedication::transaction;
  // WAIT and WAITAOF wait for this client's writes, which went to its shared
  // connection: they go there too (see docs/redis.md).
  if (info->name == "wait" || info->name == "waitaof") return Dedication::none;
  if (resp::blocks(*info, std::span<const std::string_view>(argv_))) return Dedication::blocking;
  return Dedication::none;
}

void ClientSession::track_state(const resp::CommandInfo* info) {
  if (!info) return;
  std::string_view name = info->name;
  if (name == "multi") in_multi_ = true;
  else if (name == "exec" || name == "discard") in_multi_ = watching_ = false;
  else if (name == "watch" && !in_multi_) watching_ = true;
  else if (name == "unwatch" && !in_multi_) watching_ = false;
}

Command ClientSession::command_bytes(const resp::Frame& frame, const FrameBytes& bytes) {
  // Inline commands are re-encoded: servers get what a driver would send.
  if (frame.kind == resp::FrameKind::inline_command) {
    std::string out;
    resp::append_command(out, std::span<const std::string_view>(argv_));
    return Command::of(std::move(out));
  }
  return bytes.in_read() ? Command::of(bytes.sub_slice()) : Command::of(std::string(bytes.bytes));
}

namespace {

bool takes_commands(const ServerConnection* connection) {
  return connection && !connection->retired() && connection->state() != ServerConnection::State::closing;
}

}  // namespace

ServerConnection* ClientSession::shared_connection(Hold& wait) {
  wait = Hold::none;
  if (takes_commands(shared_) && !shared_->serves_reads()) return shared_;
  if (shared_ && shared_in_flight_ > 0) {
    wait = Hold::switching;  // replies due on the old connection come first
    return nullptr;
  }
  // The wait for a master ends with a reply (on_server_frame), not with a
  // connection: one to a dead server fails, and the command waits on.
  ServerConnection* connection = pool().shared(who_.protocol, who_.id);
  if (connection) return connection;
  if (wait_for_master()) wait = Hold::master;
  return nullptr;
}

bool ClientSession::goes_to_replica(const resp::CommandInfo* info) const {
  return info && listener_.redis.read_from != conf::RedisReadFrom::master && info->has(resp::kReadOnly) &&
         !info->has(resp::kWrite);
}

ServerConnection* ClientSession::read_connection(Hold& wait) {
  wait = Hold::none;
  const conf::RedisListener& settings = listener_.redis;
  // Behind the client's commands in flight, wherever they are, so replies
  // stay in order without waiting (with prefer_replica the master may answer).
  if (takes_commands(shared_) && (shared_->serves_reads() || settings.read_from == conf::RedisReadFrom::prefer_replica))
    return shared_;
  if (shared_ && shared_in_flight_ > 0) {
    wait = Hold::switching;
    return nullptr;
  }
  // Paused by the operator: reads wait like every other command.
  if (pool().paused()) return shared_connection(wait);
  balancer::RoleFilter roles{balancer::Role::replica, settings.max_replica_lag_bytes,
                             static_cast<uint32_t>(settings.max_replica_lag.count())};
  if (ServerConnection* replica = pool().replica(who_.protocol, who_.id, roles)) return replica;
  if (settings.read_from == conf::RedisReadFrom::replica) return nullptr;
  return shared_connection(wait);
}

bool ClientSession::wait_for_master() {
  uint64_t now = uv_now(worker_.loop());
  if (hold_deadline_ == 0) hold_deadline_ = now + pool().failover_timeout().count();
  if (now >= hold_deadline_ || !pool().master_expected()) return false;
  pool().wait_for_master(this);
  arm_timer();
  return true;
}

std::string ClientSession::backend_error(std::string_view message) {
  WorkerCounters::add(pool().counters().proxy_errors);
  return error_reply(message);
}

std::string ClientSession::no_master_error() {
  hold_deadline_ = 0;
  if (pool().paused()) return "ERR switchyard: backend " + listener_.backend + " is paused";
  return "ERR switchyard: no master available for backend " + listener_.backend;
}

bool ClientSession::send_retries() {
  while (!retries_.empty()) {
    Hold wait;
    ServerConnection* connection = shared_connection(wait);
    if (!connection && wait != Hold::none) return hold(wait);
    if (!connection) {
      // Never ran, and no master to run it on: each gets an error, in order.
      std::string error = error_reply(no_master_error());
      while (!retries_.empty()) {
        retries_.pop_front();
        WorkerCounters::add(pool().counters().proxy_errors);
        write_out(Command::of(error));
        server_reply_done();
      }
      return true;
    }
    auto& [command, db] = retries_.front();
    connection->use_db(db);
    connection->send(this, std::move(command));
    retries_.pop_front();
    note_shared_send(connection);
  }
  return true;
}

void ClientSession::note_shared_send(ServerConnection* connection) {
  shared_ = connection;
  ++shared_in_flight_;
  if (to_flush_ && to_flush_ != connection) to_flush_->flush();
  to_flush_ = connection;
}

bool ClientSession::forward(const resp::CommandInfo* info, const resp::Frame& frame, const FrameBytes& bytes) {
  Dedication wanted = dedication_for(info);
  if (dedicated_ || wanted != Dedication::none) return forward_dedicated(info, wanted, frame, bytes);
  Hold wait;
  bool read = goes_to_replica(info);
  ServerConnection* connection = read ? read_connection(wait) : shared_connection(wait);
  if (!connection) {
    if (wait != Hold::none) return park(bytes, wait);
    if (read && listener_.redis.read_from == conf::RedisReadFrom::replica)
      reply_local(backend_error("ERR switchyard: no replica within the lag limits for backend " + listener_.backend));
    else
      reply_local(backend_error(no_master_error()));
    return true;
  }
  connection->use_db(who_.db);
  connection->send(this, command_bytes(frame, bytes));
  slots_.push_back(Slot{true, {}});
  ++at_server_;
  note_shared_send(connection);
  if (connection->above_high_water()) {
    connection->wait_for_drain(this);
    drain_wait_ = connection;
    return hold(Hold::server_full);
  }
  return true;
}

bool ClientSession::forward_dedicated(const resp::CommandInfo* info, Dedication wanted, const resp::Frame& frame,
                                      const FrameBytes& bytes) {
  if (!dedicated_) {
    // Replies due on the shared connection must be in before another
    // connection answers anything.
    if (shared_in_flight_ > 0) return park(bytes, Hold::switching);
    std::string error;
    dedicated_ = pool().dedicated(this, who_.protocol, who_.db, error);
    if (!dedicated_) {
      if (pool().has_master() || !wait_for_master()) {
        hold_deadline_ = 0;
        reply_local(backend_error(error));
        return true;
      }
      return park(bytes, Hold::master);
    }
    hold_deadline_ = 0;
    dedication_ = wanted;
    dedicated_sent_ = dedicated_answered_ = 0;
    db_after_exec_.clear();
  } else if (wanted == Dedication::sticky && dedication_ != Dedication::sticky) {
    // Pushes and replies cannot be told apart in RESP2 subscriber mode: the
    // slots must be empty before it starts.
    if (at_server_ > 0) return park(bytes, Hold::switching);
    dedication_ = Dedication::sticky;
  } else if (wanted == Dedication::blocking && dedication_ == Dedication::transaction && !in_multi_) {
    dedication_ = Dedication::blocking;
  }
  if (info && info->name == "select") {
    unsigned db = 0;
    std::from_chars(argv_[1].data(), argv_[1].data() + argv_[1].size(), db);
    if (in_multi_) select_in_multi_ = db;
    else who_.db = db;
  }
  bool counted = dedication_ != Dedication::sticky;
  if (info && in_multi_ && (info->name == "exec" || info->name == "discard")) {
    if (info->name == "exec" && select_in_multi_ && counted)
      db_after_exec_.emplace_back(dedicated_sent_ + 1, *select_in_multi_);  // this EXEC's reply number
    select_in_multi_.reset();
  }
  track_state(info);
  dedicated_->send(this, command_bytes(frame, bytes));
  if (to_flush_ && to_flush_ != dedicated_) to_flush_->flush();
  to_flush_ = dedicated_;
  if (counted) {
    slots_.push_back(Slot{true, {}});
    ++at_server_;
    ++dedicated_sent_;
  }
  return true;
}

void ClientSession::flush_server() {
  if (to_flush_) to_flush_->flush();
  to_flush_ = nullptr;
}

void ClientSession::maybe_release_dedicated() {
  if (!dedicated_ || dedication_ == Dedication::sticky || at_server_ > 0 || in_multi_ || watching_) return;
  // The state ended: the pool renews the connection (RESET) before another
  // client gets it, so nothing left on it is handed on.
  ServerConnection* connection = dedicated_;
  dedicated_ = nullptr;
  dedication_ = Dedication::none;
  pool().release_dedicated(connection);
}

// ---------------------------------------------------------------- from the servers

void ClientSession::on_server_frame(ServerConnection& connection, const resp::Frame& frame, const FrameBytes& bytes) {
  hold_deadline_ = 0;
  if (&connection != dedicated_) {
    if (--shared_in_flight_ == 0) {
      shared_ = nullptr;
      if (hold_ == Hold::switching) front_.schedule(this);
    }
  } else if (dedication_ == Dedication::sticky) {
    if (!closing_) write_out(bytes.in_read() ? Command::of(bytes.sub_slice()) : Command::of(std::string(bytes.bytes)));
    return;
  } else {
    ++dedicated_answered_;
    if (!db_after_exec_.empty() && db_after_exec_.front().first == dedicated_answered_) {
      // EXEC ran the transaction: an array (a WATCH that aborted it gives
      // nil, "*-1" in RESP2; EXECABORT an error).
      if (frame.type == resp::ReplyType::array && !bytes.bytes.starts_with("*-1"))
        who_.db = db_after_exec_.front().second;
      db_after_exec_.pop_front();
    }
  }
  if (closing_) {
    if (shared_in_flight_ == 0) front_.schedule(this);
    return;
  }
  write_out(bytes.in_read() ? Command::of(bytes.sub_slice()) : Command::of(std::string(bytes.bytes)));
  server_reply_done();
}

void ClientSession::on_command_failed(ServerConnection& connection, std::string_view error) {
  if (&connection == dedicated_) return;  // on_dedicated_lost follows
  if (--shared_in_flight_ == 0) shared_ = nullptr;
  if (closing_) {
    if (shared_in_flight_ == 0) front_.schedule(this);
    return;
  }
  write_out(Command::of(backend_error(error)));
  server_reply_done();
  flush_output();
  if (hold_ == Hold::switching && shared_in_flight_ == 0) front_.schedule(this);
}

void ClientSession::on_command_retry(ServerConnection&, Command command, unsigned db) {
  if (--shared_in_flight_ == 0) shared_ = nullptr;
  if (closing_) {
    if (shared_in_flight_ == 0) front_.schedule(this);
    return;
  }
  retries_.emplace_back(std::move(command), db);
  if (hold_ == Hold::none) hold_ = Hold::switching;  // new input waits behind the retries
  client_->read_stop();
  front_.schedule(this);
}

void ClientSession::on_dedicated_lost(ServerConnection& connection, bool never_connected) {
  if (&connection != dedicated_) return;
  dedicated_ = nullptr;
  if (closing_) return;
  bool sticky = dedication_ == Dedication::sticky;
  dedication_ = Dedication::none;
  in_multi_ = watching_ = false;
  select_in_multi_.reset();
  if (never_connected && !sticky) {
    // Nothing was sent: the commands fail, the client goes on.
    std::string error = error_reply("ERR switchyard: cannot connect to the master of backend " + listener_.backend);
    while (at_server_ > 0) {
      WorkerCounters::add(pool().counters().proxy_errors);
      write_out(Command::of(error));
      server_reply_done();
    }
    flush_output();
    return;
  }
  // Its connection state is gone with the server connection: as with Redis
  // itself, the client sees its connection close.
  close("its server connection was lost");
}

void ClientSession::on_server_drained() {
  drain_wait_ = nullptr;
  if (hold_ == Hold::server_full) front_.schedule(this);
}

void ClientSession::on_master_available() {
  if (hold_ == Hold::master) front_.schedule(this);
}

// ---------------------------------------------------------------- output

void ClientSession::reply_local(std::string reply) {
  if (slots_.empty()) write_out(Command::of(std::move(reply)));
  else slots_.push_back(Slot{false, std::move(reply)});
}

void ClientSession::server_reply_done() {
  slots_.pop_front();
  --at_server_;
  while (!slots_.empty() && !slots_.front().at_server) {
    write_out(Command::of(std::move(slots_.front().local)));
    slots_.pop_front();
  }
  if (hold_ == Hold::pending && slots_.size() < listener_.redis.max_pending) front_.schedule(this);
  maybe_release_dedicated();
  if (input_ended_ && slots_.empty() && !closing_) {
    flush_output();
    close(graceful_ ? "shutdown" : "quit");
  }
}

void ClientSession::write_out(Command bytes) {
  if (closing_) return;
  output_.push_back(std::move(bytes));
}

void ClientSession::flush_output() {
  if (output_.empty() || closing_) return;
  size_t unread_before = client_->queued_bytes();
  write_commands(*client_, output_);
  check_output_limit(unread_before);
}

void ClientSession::check_output_limit(size_t unread_before) {
  if (closing_) return;
  // What was queued before these replies counts: one reply larger than the
  // limit (a 20 MB value) still goes out to a client that reads.
  if (unread_before > listener_.redis.max_output) {
    log_client_problem(worker_.loop(), listener_.name,
                       "redis client " + who_.address + ": disconnected: " + std::to_string(client_->queued_bytes()) +
                           " reply bytes unread, above max_output");
    close("output limit");
    return;
  }
  if (client_->above_high_water() && !output_full_) {
    output_full_ = true;
    client_->read_stop();
    if (dedicated_) dedicated_->pause_reading();
  }
}

void ClientSession::on_drained(core::Socket&) {
  if (!output_full_ || closing_) return;
  output_full_ = false;
  if (dedicated_) dedicated_->resume_reading();
  if (hold_ == Hold::none && !input_ended_) client_->read_start();
}

// ---------------------------------------------------------------- ending

void ClientSession::on_eof(core::Socket&) { close("client closed"); }

void ClientSession::on_error(core::Socket&, int status) { close(uv_strerror(status)); }

void ClientSession::finish_gracefully() {
  graceful_ = true;
  if (slots_.empty() || dedication_ == Dedication::sticky) return close("shutdown");
  input_ended_ = true;
  hold_ = Hold::quitting;
  client_->read_stop();
}

void ClientSession::force_close() { close("shutdown timeout"); }

void ClientSession::close(std::string_view why) {
  if (closing_) return;
  closing_ = true;
  log::debug("listener ", listener_.name, ": redis client ", who_.address, " closing: ", why);
  if (pool_) pool_->stop_waiting(this);
  if (drain_wait_) drain_wait_->stop_waiting(this);
  if (dedicated_) {
    // Whatever state it holds dies with it.
    ServerConnection* connection = dedicated_;
    dedicated_ = nullptr;
    connection->set_owner(nullptr);
    connection->close("its client is gone");
  }
  retries_.clear();
  output_.clear();
  client_->close();
  uv_timer_stop(&timer_);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), [](uv_handle_t* handle) {
    auto* self = static_cast<ClientSession*>(handle->data);
    self->timer_closed_ = true;
    self->maybe_free();
  });
}

void ClientSession::on_closed(core::Socket&) {
  socket_closed_ = true;
  maybe_free();
}

void ClientSession::maybe_free() {
  // Commands still at a shared connection will be answered to this session
  // (and dropped): it lives until they are.
  if (!closing_ || !socket_closed_ || !timer_closed_ || shared_in_flight_ > 0) return;
  front_.unschedule(this);
  delete this;
}

// ---------------------------------------------------------------- timer

void ClientSession::arm_timer() {
  uint64_t now = uv_now(worker_.loop());
  uint64_t idle_at = last_activity_ + listener_.idle_timeout.count();
  uint64_t at = idle_at;
  if (hold_deadline_ != 0 && hold_deadline_ < at) at = hold_deadline_;
  uv_timer_start(&timer_, &ClientSession::on_timer, at > now ? at - now : 1, 0);
}

void ClientSession::on_timer(uv_timer_t* timer) {
  auto* self = static_cast<ClientSession*>(timer->data);
  if (self->closing_) return;
  uint64_t now = uv_now(self->worker_.loop());
  if (self->hold_ == Hold::master && self->hold_deadline_ != 0 && now >= self->hold_deadline_) {
    // No master came in time: the waiting command gets its error.
    self->pool().stop_waiting(self);
    self->front_.schedule(self);
  }
  // A subscriber or a client with commands out is not idle.
  bool busy = !self->slots_.empty() || self->dedication_ == Dedication::sticky || self->hold_ == Hold::master;
  if (!busy && now - self->last_activity_ >= static_cast<uint64_t>(self->listener_.idle_timeout.count())) {
    self->close("idle timeout");
    return;
  }
  if (busy) self->last_activity_ = now;
  self->arm_timer();
}

}  // namespace sy::redis
