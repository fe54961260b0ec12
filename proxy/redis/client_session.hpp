// One Redis client of a redis listener. Its commands are framed as they
// come, answered here when the proxy can (AUTH, HELLO, SELECT, PING, CLIENT
// SETNAME...) and otherwise sent to the master: on a shared connection,
// pipelined with other clients' commands, or on a dedicated connection of
// its own while it holds connection state (MULTI, WATCH, a blocking
// command, subscriptions, tracking).
//
// Replies go back in the order of the commands: every command takes a slot
// in `slots_`, local replies wait in theirs behind commands still at the
// server. A client uses one server connection at a time; moving to another
// (a failover, a MULTI) waits until the replies due on the first are in,
// so replies from two connections never race.
#pragma once

#include <uv.h>

#include <deque>
#include <memory>
#include <utility>
#include <string>
#include <vector>

#include "conf/config.hpp"
#include "balancer/snapshot.hpp"
#include "proxy/core/client_addresses.hpp"
#include "proxy/core/listener_counters.hpp"
#include "proxy/core/session.hpp"
#include "proxy/core/socket.hpp"
#include "proxy/redis/command.hpp"
#include "proxy/redis/frame_stream.hpp"
#include "proxy/redis/local_commands.hpp"
#include "resp/command_table.hpp"

namespace sy::redis {

class RedisFront;
class ServerConnection;
class ServerPool;

class ClientSession final : public core::Session, private core::SocketHandler {
 public:
  static void start(RedisFront& front, core::Socket* client, const conf::Listener& listener,
                    std::shared_ptr<core::ListenerCounters> counters, const core::ClientAddresses& addresses,
                    core::Slice initial);

  void finish_gracefully() override;
  void force_close() override;

  // --- from ServerConnection ---
  // A reply (shared: to this client's oldest command there) or, on a
  // dedicated connection, anything the server sent.
  void on_server_frame(ServerConnection& connection, const resp::Frame& frame, const FrameBytes& bytes);
  // A command in flight on a lost connection: it gets `error`.
  void on_command_failed(ServerConnection& connection, std::string_view error);
  // A command that did not run (-READONLY, or never sent): sent again.
  void on_command_retry(ServerConnection& connection, Command command, unsigned db);
  void on_dedicated_lost(ServerConnection& connection, bool never_connected);
  void on_server_drained();
  void on_master_available();
  // Writes the replies gathered during one server read.
  void flush_output();

  // From RedisFront::schedule().
  void run_scheduled();

 private:
  // Why the client's input is not being read.
  enum class Hold : uint8_t {
    none,
    pending,       // max_pending commands wait for replies
    server_full,   // the server connection's writes backed up
    client_full,   // our writes to the client backed up (dedicated: the server is paused too)
    switching,     // replies due on the previous server connection are not all in
    master,        // no master known: waiting for one (failover_timeout)
    quitting,      // QUIT, RESET or a protocol error: nothing more is read
  };
  // Connection state held on a dedicated connection.
  enum class Dedication : uint8_t { none, transaction, blocking, sticky };
  struct Slot {
    bool at_server;       // its reply comes from a server connection
    std::string local;    // else: the reply, written once every slot before it is
  };

  ClientSession(RedisFront& front, core::Socket* client, const conf::Listener& listener,
                std::shared_ptr<core::ListenerCounters> counters, const core::ClientAddresses& addresses);
  ~ClientSession() override;

  // Input.
  void on_data(core::Socket& socket, core::Slice data) override;
  void on_eof(core::Socket& socket) override;
  void on_error(core::Socket& socket, int status) override;
  void on_drained(core::Socket& socket) override;
  void on_closed(core::Socket& socket) override;
  void after_input(StreamStatus status);
  void resume_input();
  // Handles one command; false pauses the input after it.
  bool on_command(const resp::Frame& frame, const FrameBytes& bytes);
  bool handled_locally(const resp::CommandInfo* info);
  bool hold(Hold why);
  // The command cannot go anywhere yet: it is kept (copied) and handled
  // again when the input resumes.
  bool park(const FrameBytes& bytes, Hold why);

  // Local commands: what the session decides itself (the server state a
  // client holds), then LocalCommands.
  LocalCommands local_commands();

  // Forwarding.
  bool forward(const resp::CommandInfo* info, const resp::Frame& frame, const FrameBytes& bytes);
  bool forward_dedicated(const resp::CommandInfo* info, Dedication wanted, const resp::Frame& frame,
                         const FrameBytes& bytes);
  Command command_bytes(const resp::Frame& frame, const FrameBytes& bytes);
  bool send_retries();
  // The client's shared connection; nullptr with `wait` set when it should
  // wait (and is registered for the wake-up), else with wait = none.
  ServerConnection* shared_connection(Hold& wait);
  // The same for a read-only command under read_from: a replica's shared
  // connection (or, with prefer_replica, the master's); nullptr with
  // wait = none when none may take it.
  ServerConnection* read_connection(Hold& wait);
  bool goes_to_replica(const resp::CommandInfo* info) const;
  // No master now: whether to wait for one (registers the wait).
  bool wait_for_master();
  std::string no_master_error();
  // An error reply the proxy gives instead of the server's (counted).
  std::string backend_error(std::string_view message);
  void note_shared_send(ServerConnection* connection);
  Dedication dedication_for(const resp::CommandInfo* info) const;
  void track_state(const resp::CommandInfo* info);
  void maybe_release_dedicated();
  void flush_server();

  // Output.
  void reply_local(std::string reply);
  void reply_error(std::string_view message);
  void server_reply_done();
  void write_out(Command bytes);
  void check_output_limit(size_t unread_before);

  void close(std::string_view why);
  void maybe_free();
  static void on_timer(uv_timer_t* timer);
  void arm_timer();
  ServerPool& pool();

  RedisFront& front_;
  core::Socket* client_;
  std::shared_ptr<const balancer::Snapshot> snapshot_;  // keeps listener_ alive
  const conf::Listener& listener_;
  std::shared_ptr<core::ListenerCounters> counters_;
  ServerPool* pool_ = nullptr;

  FrameStream<resp::RequestParser> input_;
  std::vector<std::string_view> argv_;  // of the command being handled
  Hold hold_ = Hold::none;
  bool input_ended_ = false;  // EOF, QUIT or a protocol error
  bool closing_ = false;
  bool socket_closed_ = false;
  bool timer_closed_ = false;
  bool graceful_ = false;
  bool output_full_ = false;  // the client's socket is above its high-water mark
  std::string parked_;        // a command that waits (see park())
  uint64_t hold_deadline_ = 0;  // Hold::master: loop time it gives up at
  uint64_t last_activity_ = 0;
  uv_timer_t timer_;

  ClientIdentity who_;

  // Where its commands go.
  std::deque<Slot> slots_;
  size_t at_server_ = 0;                   // slots waiting for a server
  ServerConnection* shared_ = nullptr;     // set while commands are in flight on it
  size_t shared_in_flight_ = 0;
  std::deque<std::pair<Command, unsigned>> retries_;  // with the database each ran in
  ServerConnection* dedicated_ = nullptr;
  Dedication dedication_ = Dedication::none;
  bool in_multi_ = false, watching_ = false;
  ServerConnection* to_flush_ = nullptr;   // got commands during this read
  ServerConnection* drain_wait_ = nullptr;  // registered for its on_drained

  std::vector<Command> output_;  // replies gathered, written by flush_output()
};

}  // namespace sy::redis
