// One HTTP/1.1 client connection. Requests are read one at a time (a
// pipelined request waits, unparsed, until the response before it is done,
// so responses go out in order); each is routed, given a server connection
// from the worker's keep-alive pool or a new one, and streamed to it while
// the response streams back, with backpressure both ways. After a 101 the
// connection becomes a byte relay.
//
// client_session.cpp: the connection, the client side, the request;
// client_exchange.cpp: the server side, the response, retries, the end of
// an exchange.
#pragma once

#include <uv.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "conf/config.hpp"
#include "proxy/core/client_addresses.hpp"
#include "proxy/core/listener_counters.hpp"
#include "proxy/core/session.hpp"
#include "proxy/core/socket.hpp"
#include "proxy/core/worker.hpp"
#include "proxy/core/write_batch.hpp"
#include "proxy/http/head_writer.hpp"
#include "proxy/http/parser.hpp"
#include "proxy/http/server_connection.hpp"

namespace sy::http {

class ClientSession final : public core::Session, private core::SocketHandler, private ServerOwner {
 public:
  // `initial`: client bytes that arrived with its PROXY header, if any.
  static void start(core::Worker& worker, core::Socket* client, const conf::Listener& listener,
                    std::shared_ptr<core::ListenerCounters> counters, const core::ClientAddresses& addresses,
                    core::Slice initial);

  void finish_gracefully() override;
  void force_close() override;

 private:
  enum class State {
    idle,          // keep-alive: waiting for the next request
    reading_head,  // part of a request head has arrived
    connecting,    // the head is complete; a server connection is being opened
    exchanging,    // the request goes to the server and/or its response to the client
    tunnel,        // after 101 Switching Protocols: bytes both ways
    closed,        // the client connection is gone or handed to a lingering close
  };
  enum class RequestPhase { body, complete };
  enum class ResponsePhase { awaiting_head, body, complete };

  // Everything about the request in flight; reset for each one.
  struct Exchange {
    const conf::HttpRoute* route = nullptr;
    const conf::Backend* backend = nullptr;
    std::optional<core::ServerPick> pick;
    ServerConnection* server = nullptr;
    std::vector<size_t> tried;  // server indexes that failed this request
    RequestPhase request_phase = RequestPhase::body;
    ResponsePhase response_phase = ResponsePhase::awaiting_head;
    BodyFraming framing = BodyFraming::none;
    bool has_body = false;          // the request has a body to forward
    bool idempotent = false;
    bool head_request = false;
    bool upgrade = false;           // the client asked to switch protocols
    bool keep_alive = true;         // the client allows another request after this one
    bool http10 = false;            // the client speaks HTTP/1.0
    bool sticky_hit = false;        // the request's sticky cookie named the chosen server
    bool reached_server = false;    // some of the request was written to a server
    bool response_started = false;  // some of a response was written to the client
    bool retried_after_send = false;
    bool replayable = true;         // the whole request is still at hand for a retry
    bool close_after = false;       // the client connection ends after this response
    bool server_failed = false;     // counts against the server (outlier ejection)
    bool counted_active = false;    // the pick's server counts this request as in flight
    bool fresh_connection = false;  // a retry: no kept-alive connection this time
    bool server_sent_extra = false; // bytes after the response: the connection is not reusable
    bool server_eof = false;        // tunnel: the server ended its side
    int status = 0;
    unsigned retries = 0;
    uint64_t started_at = 0, head_done_at = 0, picked_at = 0, connect_started_at = 0, connected_at = 0,
             request_sent_at = 0, response_head_at = 0,
             interim_head_at = 0;  // the last 1xx head: response_timeout runs again from there
    int64_t connect_ms = -1;
    uint64_t bytes_in = 0, bytes_out = 0;
    std::string request_id;
    std::string_view failure;  // why it ended abnormally, for the log
    std::vector<core::Slice> retained;  // the body so far, while small enough to send again
    size_t retained_bytes = 0;
  };

  ClientSession(core::Worker& worker, core::Socket* client, const conf::Listener& listener,
                std::shared_ptr<core::ListenerCounters> counters, const core::ClientAddresses& addresses);
  ~ClientSession() override;

  void set_state(State next);
  uint64_t now() const { return uv_now(worker_.loop()); }

  // --- client side (client_session.cpp) ---
  void process_client_input();
  void on_request_head();
  void forward_request_body(std::string_view body);
  void on_request_end();
  void update_client_reading();
  void refresh_snapshot();
  // A response switchyard writes itself; the request ends with it.
  void respond_locally(int status, std::string_view reason, std::string_view body_override = {});
  // Ends the connection: `graceful` flushes what is queued and lingers.
  void close_client(bool graceful, std::string_view reason);
  void flush_to_client();
  void flush_to_server();

  // --- server side (client_exchange.cpp) ---
  void pick_and_connect();
  void connect_to_pick();
  void start_sending_request();
  void on_response_head();
  void write_interim_response();
  void start_tunnel();
  void on_response_end();
  // The server failed this request before it could be answered in full:
  // retried elsewhere when allowed, else a 502/504 or a cut connection.
  void server_failed(std::string_view reason, bool timed_out);
  void connect_failed(int status);
  void finish_exchange();
  void release_server(bool reusable);
  void unpick();  // the request no longer counts as in flight on its server
  bool drop_private_server(ServerConnection& connection);
  void reset_exchange();
  void write_response_body(std::string_view body, const core::Slice& source);
  void on_request_error();
  uint64_t deadline() const;
  void log_exchange();
  bool may_retry_after_send() const;

  // --- timers ---
  void arm_timer();
  void on_timer();

  // SocketHandler (client socket)
  void on_data(core::Socket&, core::Slice data) override;
  void on_eof(core::Socket&) override;
  void on_error(core::Socket&, int status) override;
  void on_drained(core::Socket&) override;
  void on_closed(core::Socket&) override;
  // ServerOwner
  void on_server_connected(ServerConnection&, int status) override;
  void on_server_data(ServerConnection&, core::Slice data) override;
  void on_server_eof(ServerConnection&) override;
  void on_server_error(ServerConnection&, int status) override;
  void on_server_drained(ServerConnection&) override;

  core::Socket* client_;
  std::shared_ptr<const balancer::Snapshot> snapshot_;  // keeps listener_ and the routes alive
  const conf::Listener* listener_;
  std::shared_ptr<core::ListenerCounters> counters_;
  core::ClientAddresses addresses_;
  std::string client_ip_;
  bool tls_ = false;            // the client came over TLS (X-Forwarded-Proto: https)
  std::string client_subject_;  // its verified certificate's subject, when the listener forwards it

  State state_ = State::idle;
  Parser request_parser_;
  core::Slice pending_;  // client bytes not parsed yet (a pipelined request, a body waiting for its server)
  Exchange exchange_;
  // A server connection that carried a PROXY header naming this client
  // (send_proxy): kept for this client's next request, never pooled.
  ServerConnection* private_server_ = nullptr;
  std::string head_buffer_;  // the request head sent to the server; kept for a retry
  std::string scratch_;      // response heads and chunk framing on their way to the client
  core::WriteBatch to_client_;
  core::WriteBatch to_server_;
  uv_timer_t timer_;
  uint64_t timer_due_ = 0;  // when the timer fires; 0 when it is not running
  uint64_t idle_since_ = 0;
  uint64_t client_activity_ = 0;
  uint64_t server_activity_ = 0;
  unsigned requests_ = 0;
  unsigned open_handles_ = 2;  // the client socket and the timer
  bool client_eof_ = false;
  bool shutting_down_ = false;
};

}  // namespace sy::http
