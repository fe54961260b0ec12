// One connection to a PostgreSQL server, owned by a worker's pool: it logs
// in (SCRAM, md5, password or trust), then serves whichever client the pool
// links it to. Client requests pass through it (with prepared statements
// renamed per server); server responses go back through the ResponseQueue,
// which also tells when the server is free again.
#pragma once

#include <uv.h>

#include <memory>
#include <optional>
#include <string>

#include "pgwire/scram.hpp"
#include "pgwire/sqlstate.hpp"
#include "proxy/core/socket.hpp"
#include "proxy/core/worker.hpp"
#include "proxy/core/write_batch.hpp"
#include "proxy/postgres/message_stream.hpp"
#include "proxy/postgres/parameters.hpp"
#include "proxy/postgres/prepared_statements.hpp"
#include "proxy/postgres/response_queue.hpp"

namespace sy::postgres {

class ClientConnection;
class WorkerPool;
struct ServerChannel;

// How a server connection logs in.
struct ServerLogin {
  std::string user;
  std::string database;
  std::string password;  // plain, or "md5<hex>" (enough for md5 servers); may be empty
  std::optional<pgwire::ScramKey> scram_client_key;  // pass-through keys from a client's SCRAM exchange
  std::optional<pgwire::ScramVerifier> scram_verifier;
};

// An idle server connection on its way to another worker, as an object:
// the connection (descriptor and transport, closed if never adopted) and
// everything known about its session. Snapshots are immutable and shared,
// so the pick stays valid on the other thread.
struct MovingServer {
  core::DetachedConnection connection;
  core::ServerPick pick;
  ServerLogin login;
  ParameterSet parameters;
  std::vector<std::pair<uint64_t, std::string>> statements;  // least recently used first
  int32_t backend_pid = 0;
  int32_t backend_key = 0;
  uint64_t created_at = 0;
};

class ServerConnection final : private core::SocketHandler, private MessageSink {
 public:
  enum class State {
    connecting,  // TCP connect in progress
    login,       // startup packet sent, authenticating
    idle,        // in the pool
    active,      // linked to a client
    closing,
  };

  ServerConnection(WorkerPool& pool, core::ServerPick pick, ServerLogin login);
  // A connection moved from another worker, already logged in and idle.
  ServerConnection(WorkerPool& pool, MovingServer moving);
  ServerConnection(const ServerConnection&) = delete;
  ServerConnection& operator=(const ServerConnection&) = delete;

  void connect();
  void close(std::string_view reason);
  // Closes it, telling the linked client `state` (not 08006) for the
  // request it loses.
  void abandon(pgwire::SqlState state, std::string_view reason);
  // Hands the (idle) connection over for another worker; this object goes.
  std::optional<MovingServer> detach();
  bool moved_away() const { return moved_away_; }

  // --- linking (the pool) ---
  void link(ClientConnection& client);
  void unlink();
  ClientConnection* client() const { return client_; }

  // --- from the linked client ---
  // Forwards one client message (renaming prepared statements as needed).
  // Returns false on a protocol violation (the message is not valid).
  bool forward_request(std::string_view message, const core::Slice* slice);
  void forward_piece(std::string_view piece, const core::Slice* slice);
  // Runs SQL before the client's requests, answered by nobody (SET, reset).
  void send_internal_query(std::string_view sql);
  void flush();
  void emit_due_answers();
  void pause_reading();
  void resume_reading();

  // Free for another client: nothing owed, not inside a transaction.
  bool reusable() const { return queue_.empty() && transaction_status_ == 'I'; }
  char transaction_status() const { return transaction_status_; }
  bool busy() const { return !queue_.empty(); }
  bool socket_above_high_water() const { return socket_->above_high_water(); }

  State state() const { return state_; }
  std::string_view state_name() const;
  const ParameterSet& parameters() const { return parameters_; }
  ParameterSet& parameters() { return parameters_; }
  ServerStatements& statements() { return statements_; }
  const core::ServerPick& pick() const { return pick_; }
  // The fingerprint of the [backend.tls] context this connection was made
  // with; "" in plaintext. A release compares it with the current one.
  const std::string& tls_fingerprint() const { return tls_fingerprint_; }
  int32_t backend_pid() const { return backend_pid_; }
  int32_t backend_key() const { return backend_key_; }
  uint64_t created_at() const { return created_at_; }
  uint64_t idle_since() const { return idle_since_; }
  // When the requests now in flight started (0: none in flight).
  uint64_t busy_since() const { return queue_.empty() ? 0 : busy_since_; }
  // Since when the linked client sits inside a transaction with nothing in flight.
  uint64_t idle_in_transaction_since() const { return idle_in_transaction_since_; }
  // Cancels the requests in flight (a CancelRequest on a connection of its
  // own). Until that connection is over the server is not given to another
  // client: a cancel that reached the server late would stop that client's
  // query instead.
  void send_cancel();
  bool cancel_in_flight() const { return cancels_in_flight_ > 0; }
  // Released while its cancel is in flight: the pool gets it back when done.
  void park_until_cancel_done() { parked_ = true; }
  // When the proxy sent a CancelRequest for the requests in flight (0: none).
  uint64_t cancel_sent_at() const { return cancel_sent_at_; }
  void mark_cancel_sent(uint64_t now) { cancel_sent_at_ = now; }
  void set_idle_since(uint64_t now) { idle_since_ = now; }
  const ServerLogin& login() const { return login_; }

 private:
  ~ServerConnection() = default;  // freed after its socket's close callback
  static std::string_view name_of(State state);
  void set_state(State next);

  // login (server_login.cpp)
  void send_startup();
  StreamVerdict on_login_message(std::string_view message);
  bool answer_authentication(std::string_view payload);
  ServerChannel channel() const;
  void login_failed(std::string_view reason);

  // serving a client (server_forwarding.cpp)
  StreamVerdict on_response(std::string_view message, const core::Slice* slice);
  bool ensure_statement(const StatementDefinition& definition);
  void ensure_unnamed_statement();
  void process_responses();
  void after_responses();

  static void on_connect_timeout(uv_timer_t* timer);

  // SocketHandler
  void on_connect(core::Socket&, int status) override;
  void on_transport_ready(core::Socket&) override;
  void on_data(core::Socket&, core::Slice data) override;
  // [backend.tls]: the answer to our SSLRequest ('S': the handshake starts).
  void on_ssl_answer(core::Slice data);
  // The login failed before its startup message: tell the waiting clients why.
  void setup_failed(std::string why);
  void on_eof(core::Socket&) override;
  // The server ended the connection (not us): closes it and has the idle
  // connections to the same server dropped.
  void lost(std::string_view reason);
  void on_error(core::Socket&, int status) override;
  void on_drained(core::Socket&) override;
  void on_closed(core::Socket&) override;

  // MessageSink
  bool streamable(char type) override;
  StreamVerdict on_message(std::string_view message, const core::Slice* slice) override;
  StreamVerdict on_message_piece(std::string_view piece, const core::Slice* slice, bool first, bool last) override;
  void on_malformed(std::string_view reason) override;

  WorkerPool& pool_;
  core::ServerPick pick_;
  ServerLogin login_;
  core::Socket* socket_;
  uv_timer_t* connect_timer_ = nullptr;
  State state_ = State::connecting;
  MessageStream stream_;
  core::WriteBatch output_;
  ResponseQueue queue_;
  ClientConnection* client_ = nullptr;
  ParameterSet parameters_;
  ServerStatements statements_;
  uint64_t unnamed_key_ = 0;  // definition the server's unnamed statement holds (0: none known)
  std::unique_ptr<class ServerAuthenticator> authenticator_;
  int32_t backend_pid_ = 0;
  int32_t backend_key_ = 0;
  char transaction_status_ = 'I';
  bool streaming_swallowed_ = false;  // the streamed message is not for the client
  bool reading_paused_ = false;       // by backpressure from the client side
  bool processing_ = false;           // inside process_responses()
  bool awaiting_ssl_answer_ = false;  // [backend.tls]: SSLRequest sent, 'S' or 'N' not read yet
  bool tls_handshaking_ = false;
  std::string tls_fingerprint_;
  uint64_t created_at_ = 0;
  uint64_t idle_since_ = 0;
  uint64_t busy_since_ = 0;
  uint64_t idle_in_transaction_since_ = 0;
  uint64_t cancel_sent_at_ = 0;
  unsigned cancels_in_flight_ = 0;
  bool parked_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // expires with us, for late callbacks
  // What the linked client is told if the connection closes under it.
  pgwire::SqlState loss_state_ = pgwire::sqlstate::connection_failure;
  std::string close_reason_;
  bool moved_away_ = false;
};

}  // namespace sy::postgres
