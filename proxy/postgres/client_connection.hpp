// One PostgreSQL client: the startup packet, authentication, the login
// answer, then its messages, which go to the server connection its pool
// links it to (for the session, a transaction or a statement). Errors the
// proxy raises reach the client as ErrorResponses with a real SQLSTATE.
#pragma once

#include <uv.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "pgwire/scram.hpp"
#include "pgwire/sql_classify.hpp"
#include "pgwire/sqlstate.hpp"
#include "proxy/core/listener_counters.hpp"
#include "proxy/core/session.hpp"
#include "proxy/core/socket.hpp"
#include "proxy/core/write_batch.hpp"
#include "tls/session.hpp"
#include "proxy/postgres/credentials.hpp"
#include "proxy/postgres/message_stream.hpp"
#include "proxy/postgres/parameters.hpp"
#include "proxy/postgres/prepared_statements.hpp"
#include "proxy/postgres/shared_counters.hpp"

namespace sy::postgres {

class PostgresFront;
class ServerConnection;
class WorkerPool;

class ClientConnection final : public core::Session, private core::SocketHandler, private MessageSink {
 public:
  enum class State {
    startup,         // reading the startup packet (after SSLRequest: again)
    authenticating,  // password / SASL exchange
    logging_in,      // authenticated; waiting for the pool's server parameters
    idle,            // logged in, between requests (no server in transaction mode)
    waiting,         // has a request, waiting for a server connection
    active,          // linked to a server connection
    closing,
  };

  // `tls`: the listener's TLS, when it has [listener.tls] (SSLRequest is then answered 'S').
  struct TlsOffer {
    std::shared_ptr<const tls::ServerContext> context;
    bool required = false;  // a client that does not ask for TLS is refused
    uint64_t handshake_timeout_ms = 10000;
  };
  static void start(core::Worker& worker, core::Socket* socket, std::shared_ptr<core::ListenerCounters> counters,
                    TlsOffer tls);

  // --- from the pool / the linked server connection ---
  void on_server_linked(ServerConnection& server);  // the pool hands over a server
  void on_server_unlinked();                        // the pool took it back
  void on_login_ready();                            // the pool knows the server parameters now
  // The linked server connection died: `busy` with requests of ours in
  // flight, `in_transaction` inside a transaction block, `cut_mid_message`
  // when part of a message was already passed on to the client.
  void on_server_lost(bool busy, bool in_transaction, const std::string& reason,
                      pgwire::SqlState state = pgwire::sqlstate::connection_failure, bool cut_mid_message = false);
  void fail(pgwire::SqlState state, std::string_view message);  // FATAL to the client, then close
  // The wait for a server ended without one: the request fails with an
  // ErrorResponse and the session goes on (the pool already let it go).
  void on_wait_failed(pgwire::SqlState state, std::string_view message);
  // An error for the request in flight; the client stays connected.
  void send_error(pgwire::SqlState state, std::string_view message);
  core::WriteBatch& output() { return output_; }
  void flush();
  void pause_reading();   // the server side is backed up
  void resume_reading();
  core::Socket& socket() { return *socket_; }
  bool has_pending_input() const { return !stream_.idle(); }

  State state() const { return state_; }
  std::string_view state_name() const;
  const std::string& user() const { return user_; }
  const std::string& database() const { return database_; }
  // The pool of its current transaction (or its database's own).
  PoolKey pool_key() const;
  ParameterSet& parameters() { return parameters_; }
  ClientStatements& statements() { return statements_; }
  ServerConnection* server() const { return server_; }
  int32_t process_id() const { return process_id_; }
  int32_t secret_key() const { return secret_key_; }
  uint64_t waiting_since() const { return waiting_since_; }
  const std::string& peer() const { return peer_; }
  uint64_t connected_at() const { return connected_at_; }
  // When the TLS handshake must be done by (loop time); 0 = none under way.
  uint64_t tls_deadline() const { return tls_deadline_; }
  // The TLS session, once the client's handshake is done; nullptr in plaintext.
  const tls::TlsSession* tls_session() const;
  void on_tls_timeout();  // the handshake was not done by tls_deadline(): counted and closed

  void force_close() override;
  void finish_gracefully() override;

 private:
  ClientConnection(core::Worker& worker, core::Socket* socket, std::shared_ptr<core::ListenerCounters> counters,
                   TlsOffer tls);
  ~ClientConnection() override;

  void set_state(State next);
  void close(std::string_view reason);

  // startup and authentication (client_auth.cpp)
  StreamVerdict on_startup_bytes();
  StreamVerdict handle_startup(std::string_view packet);
  void begin_authentication();
  // Takes the `options` startup parameter's settings; the word or setting
  // name that must be refused, if any.
  std::optional<std::string> take_startup_options(std::string_view options, const conf::PostgresGlobal& postgres);
  static bool is_ignored_parameter(std::string_view name, const conf::PostgresGlobal& postgres);
 public:
  // Whether a Parse of the named statement `name` would take this client
  // past max_client_prepared_statements (re-preparing a name it holds does not).
  bool statement_limit_reached(std::string_view name) const;
  void append_statement_limit_error(std::string& out) const;

 private:
  void request_password();
  StreamVerdict on_auth_message(std::string_view message);
  void authentication_succeeded();
  void send_login_answer();

  // logged in (client_forwarding.cpp)
  StreamVerdict on_request(std::string_view message, const core::Slice* slice);
  StreamVerdict on_request_piece(std::string_view piece, const core::Slice* slice, bool first);
  bool answer_locally(std::string_view message);
  WorkerPool* route(std::string_view message);
  bool starts_read_batch(std::string_view message) const;
  WorkerPool* collect_read_batch(std::string_view message);
  pgwire::StatementKind classify(std::string_view sql) const;
  WorkerPool* read_pool();

  // SocketHandler
  void on_data(core::Socket&, core::Slice data) override;
  void on_eof(core::Socket&) override;
  void on_error(core::Socket&, int status) override;
  void on_transport_ready(core::Socket&) override;
  // SSLRequest answered 'S', or a direct TLS ClientHello (`already_read`).
  void start_tls(core::Slice already_read);
  void on_drained(core::Socket&) override;
  void on_closed(core::Socket&) override;

  // MessageSink
  bool streamable(char type) override;
  StreamVerdict on_message(std::string_view message, const core::Slice* slice) override;
  StreamVerdict on_message_piece(std::string_view piece, const core::Slice* slice, bool first, bool last) override;
  void on_malformed(std::string_view reason) override;

  void process_input();

  PostgresFront& front_;
  core::Socket* socket_;
  std::shared_ptr<core::ListenerCounters> listener_counters_;
  State state_ = State::startup;
  MessageStream stream_;
  std::string startup_buffer_;  // the startup packet is not framed like the others
  core::WriteBatch output_;

  std::string user_;
  std::string database_;
  std::string application_name_;
  ParameterSet parameters_;  // what the client believes its session has
  ClientStatements statements_;
  Credential credential_;
  conf::AuthMethod auth_method_ = conf::AuthMethod::trust;
  uint8_t md5_salt_[4] = {};
  std::unique_ptr<pgwire::ScramServer> scram_;
  bool scram_started_ = false;
  std::optional<pgwire::ScramKey> scram_client_key_;

  WorkerPool* pool_ = nullptr;         // the database's own target (writes)
  WorkerPool* active_pool_ = nullptr;  // the pool of the current wait or link
  std::optional<std::string> deferred_begin_;  // split_reads: a BEGIN answered here, not yet sent
  std::vector<std::string> read_batch_;        // split_reads: extended messages held until routed
  std::optional<std::string> batch_unnamed_query_;
  uint64_t last_primary_transaction_at_ = 0;
  ServerConnection* server_ = nullptr;
  int32_t process_id_ = 0;
  int32_t secret_key_ = 0;
  uint64_t waiting_since_ = 0;
  uint64_t connected_at_ = 0;
  uint64_t tls_deadline_ = 0;
  TlsOffer tls_;
  bool direct_tls_ = false;  // TLS from the first byte (sslnegotiation=direct): ALPN must say postgresql
  std::string peer_;
  std::vector<std::pair<std::string, std::string>> startup_parameters_;
  bool counted_global_ = false;    // counted in the global client counter
  bool counted_database_ = false;  // counted in the database's client counter
  bool reading_paused_ = false;    // by backpressure from the server side
  bool processing_ = false;        // inside process_input()
  bool transaction_lost_ = false;  // the server died while we were in a transaction
  bool skipping_to_sync_ = false;  // a failed request's remaining messages are dropped up to its Sync
  bool looking_up_ = false;        // auth_query in flight
  // An SSLRequest / GSSENCRequest was answered: a second one is a protocol
  // violation (PostgreSQL takes it for an unsupported protocol version).
  bool ssl_requested_ = false;
  bool gssenc_requested_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // expires with us, for late callbacks
};

}  // namespace sy::postgres
