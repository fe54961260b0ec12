// One connection from a worker to a Redis server. Shared connections carry
// many clients' commands, pipelined: each command sent is remembered in
// order with the client it came from, and each reply goes back to the
// oldest one. A dedicated connection belongs to one client for as long as
// that client's connection state lasts (MULTI, WATCH, a blocking command,
// subscriptions, tracking); everything it receives is that client's.
//
// The connection logs in by pipelining AUTH, HELLO 3 (for RESP3 clients),
// SELECT and CONFIG GET databases before any client command; their replies
// are the proxy's own and never reach a client.
#pragma once

#include <uv.h>

#include <deque>
#include <string>
#include <vector>

#include "conf/config.hpp"
#include "proxy/core/socket.hpp"
#include "proxy/core/worker.hpp"
#include "proxy/redis/command.hpp"
#include "proxy/redis/frame_stream.hpp"

namespace sy::redis {

class ClientSession;
class ServerPool;

class ServerConnection final : private core::SocketHandler {
 public:
  enum class Mode { shared, dedicated };
  enum class State { connecting, ready, closing };

  // `protocol`: the RESP version its clients speak (2 or 3); `db` the
  // database it starts in.
  ServerConnection(ServerPool& pool, core::ServerPick pick, Mode mode, int protocol, unsigned db);
  ServerConnection(const ServerConnection&) = delete;
  ServerConnection& operator=(const ServerConnection&) = delete;

  void start();

  // A client command; on a shared connection its reply goes to `client`.
  void send(ClientSession* client, Command command);
  // Sends what send() queued, at the end of the loop turn (RedisFront::
  // write_soon): one write for every command queued in the turn.
  void flush();
  // Writes what send() queued, now.
  void write_queued();
  // Dedicated, its client's state ended: RESET (which ends MULTI, WATCH,
  // tracking and subscriptions, and goes back to db 0 and RESP2 even inside
  // MULTI), then the login again, pipelined: the next client gets it clean
  // without a new connect. A server that refuses RESET has it closed.
  void renew();
  // SELECT when `db` is not the connection's database: the command sent
  // next runs in it. Its reply is the proxy's.
  void use_db(unsigned db);

  // Shared: no new commands; closes once the commands in flight are answered.
  void retire(std::string_view why);
  // Closes now: commands in flight get `error` (they may have run).
  void close(std::string_view why, std::string_view error = "ERR switchyard: connection to the server was lost");
  // The server went away (EOF, an error, taken down by the health checks):
  // close, and a read connection's commands go to the master.
  void lose(std::string_view why);

  // A shared connection to a replica, for read-only commands: what it loses
  // (the connection, or a replica that cannot serve: -LOADING, -MASTERDOWN)
  // is sent again to the master, as reads may safely run twice.
  void serve_reads() { serves_reads_ = true; }
  bool serves_reads() const { return serves_reads_; }
  Mode mode() const { return mode_; }
  State state() const { return state_; }
  int protocol() const { return protocol_; }
  bool retired() const { return retired_; }
  bool above_high_water() const { return socket_->above_high_water(); }
  size_t in_flight() const { return in_flight_.size(); }
  size_t client_commands_in_flight() const;
  const core::ServerPick& pick() const { return pick_; }
  const std::string& server_name() const { return pick_.server().name(); }
  // Dedicated: the client it belongs to (nullptr once that client is gone).
  void set_owner(ClientSession* owner) { owner_ = owner; }
  // Clients that stopped reading because this connection's writes backed up.
  void wait_for_drain(ClientSession* client);
  void stop_waiting(ClientSession* client);
  // Dedicated: stop reading the server while the client's output is full.
  void pause_reading() { socket_->read_stop(); }
  void resume_reading() {
    if (state_ == State::ready) socket_->read_start();
  }

 private:
  friend class ServerPool;  // deletes it once its handles are closed
  // What each reply in order answers: a client's command, or the proxy's own.
  enum class Purpose : uint8_t { client, auth, hello, select, databases, reset };
  struct InFlight {
    Purpose purpose;
    ClientSession* client = nullptr;
    Command command;  // kept for a retry after -READONLY
    unsigned db = 0;  // the database it ran in
    uint64_t sent_at = 0;  // uv_hrtime() of the write that carried it (0: not written yet)
  };

  ~ServerConnection();
  void login();
  void write_own(Purpose purpose, std::initializer_list<std::string_view> argv);
  void on_frame(const resp::Frame& frame, const FrameBytes& bytes);
  void own_reply(const InFlight& entry, const resp::Frame& frame, std::string_view bytes);
  void deliver(ClientSession* client, const resp::Frame& frame, const FrameBytes& bytes);
  void fail_in_flight(std::string_view error, bool retry_all);
  void wake_drain_waiters();
  static void on_timer(uv_timer_t* timer);

  void on_connect(core::Socket& socket, int status) override;
  void on_data(core::Socket& socket, core::Slice data) override;
  void on_eof(core::Socket& socket) override;
  void on_error(core::Socket& socket, int status) override;
  void on_drained(core::Socket& socket) override;
  void on_closed(core::Socket& socket) override;

  ServerPool& pool_;
  core::ServerPick pick_;
  Mode mode_;
  int protocol_;
  unsigned initial_db_;  // selected by the login
  unsigned db_;          // the database the next command sent runs in
  State state_ = State::connecting;
  bool retired_ = false;
  bool serves_reads_ = false;
  bool retry_on_close_ = false;  // the commands in flight go elsewhere (reads lost with their replica)
  bool counted_active_ = false;
  core::Socket* socket_;
  uv_timer_t timer_;  // connect (and TLS handshake) timeout
  unsigned open_handles_ = 2;
  unsigned login_commands_ = 0;
  FrameStream<resp::ReplyParser> replies_;
  std::deque<InFlight> in_flight_;
  uint64_t read_at_ = 0;  // uv_hrtime() of the read being handled, once needed
  std::vector<Command> unsent_;  // queued by send() until flush()
  bool write_due_ = false;       // flush() asked the front for a write at the end of the turn
  ClientSession* owner_ = nullptr;
  std::vector<ClientSession*> drain_waiters_;
  std::vector<ClientSession*> touched_;  // got replies during this read
};

}  // namespace sy::redis
