// The server side of an HTTP exchange: picking a server (sticky cookie,
// hash, balancing), a kept-alive or new connection, sending the request,
// streaming the response back in the framing the client needs, retries,
// and the end of the exchange; see client_session.hpp.
#include <cstring>
#include <utility>

#include "proxy/core/log.hpp"
#include "proxy/core/log_guard.hpp"
#include "proxy/http/access_log.hpp"
#include "proxy/http/balancing_keys.hpp"
#include "proxy/http/client_session.hpp"
#include "proxy/http/http_front.hpp"
#include "proxy/http/proxy_responses.hpp"
#include "proxy/http/routing.hpp"
#include "proxy/proxy_protocol/header.hpp"

namespace sy::http {

// --- choosing a server and a connection ------------------------------------

void ClientSession::pick_and_connect() {
  Exchange& e = exchange_;
  const conf::Backend& backend = *e.backend;
  const MessageHead& head = request_parser_.head();
  e.pick.reset();
  // A sticky cookie naming a usable server of this backend decides.
  if (!backend.http.sticky_cookie.empty() && e.tried.empty()) {
    if (auto token = find_cookie(head, backend.http.sticky_cookie)) {
      if (const auto* view = snapshot_->find_backend(backend.name)) {
        for (size_t i = 0; i < view->servers.size(); ++i) {
          if (!view->servers[i].usable() || sticky_token(backend.name, view->servers[i].name()) != *token) continue;
          e.pick = core::ServerPick{snapshot_, view, i};
          e.sticky_hit = true;
          break;
        }
      }
    }
  }
  if (!e.pick) {
    uint64_t key = 0;
    if (backend.balance == conf::BalanceAlgorithm::hash)
      key = request_hash_key(backend, head, split_target(head.target()).path, addresses_.source);
    e.pick = worker_.pick_server(backend.name, key, e.tried);
    // A retry after a failure past the connect may go back to the same
    // server (on a new connection) when it is the only one left.
    if (!e.pick && e.retried_after_send) e.pick = worker_.pick_server(backend.name, key, {});
  }
  if (!e.pick) {
    log::debug("http ", listener_->name, ": no server available in backend ", backend.name);
    return respond_locally(e.tried.empty() ? 503 : 502, e.tried.empty() ? "no server available" : "every server tried failed");
  }
  if (!e.picked_at) e.picked_at = now();  // queue time: until the first server was chosen
  auto& counters = *e.pick->server().counters;
  counters.active.fetch_add(1, std::memory_order_relaxed);
  counters.total.fetch_add(1, std::memory_order_relaxed);
  e.counted_active = true;

  const auto& server = e.pick->server();
  // Connections carrying a PROXY header belong to one client: never pooled,
  // but kept for that client's next request to the same server.
  if (ServerConnection* kept = std::exchange(private_server_, nullptr)) {
    if (!e.fresh_connection && kept->server() == server.counters &&
        std::memcmp(&kept->address(), &server.config->address.storage, sizeof(sockaddr_storage)) == 0) {
      kept->set_state(ServerConnection::State::busy);
      e.server = kept;
      e.connect_ms = 0;
      return start_sending_request();
    }
    kept->close();
  }
  if (!e.fresh_connection && backend.send_proxy == conf::ProxyProtocol::none) {
    if (ServerConnection* kept = HttpFront::of(worker_).pool().acquire(server.counters, server.config->address.storage)) {
      kept->set_owner(this);
      e.server = kept;
      e.connect_ms = 0;
      return start_sending_request();
    }
  }
  connect_to_pick();
}

void ClientSession::connect_to_pick() {
  Exchange& e = exchange_;
  const auto& server = e.pick->server();
  int status = 0;
  e.connect_started_at = now();
  e.server = ServerConnection::connect(worker_.loop(), worker_.relay_buffers(), server.counters,
                                       server.config->address.storage, this, status,
                                       worker_.backend_tls(e.pick->backend->name()), server.config->address.host,
                                       server.config->address.port);
  if (!e.server) return connect_failed(status);
  set_state(State::connecting);
  arm_timer();
}

void ClientSession::on_server_connected(ServerConnection& connection, int status) {
  if (&connection != exchange_.server || state_ != State::connecting) return;
  if (status != 0) return connect_failed(status);
  worker_.report_connect_result(*exchange_.pick, 0);
  exchange_.connected_at = now();
  exchange_.connect_ms = static_cast<int64_t>(exchange_.connected_at - exchange_.connect_started_at);
  start_sending_request();
}

void ClientSession::connect_failed(int status) {
  Exchange& e = exchange_;
  worker_.report_connect_result(*e.pick, status);
  log::debug("http ", listener_->name, ": connect to ", e.backend->name, "/", e.pick->server().name(),
             " failed: ", uv_strerror(status));
  if (e.server) {
    e.server->close();
    e.server = nullptr;
  }
  e.tried.push_back(e.pick->index);
  unpick();
  if (e.tried.size() > e.backend->retries) {
    e.failure = status == UV_ETIMEDOUT ? "connect timeout" : "connect failed";
    return respond_locally(status == UV_ETIMEDOUT ? 504 : 502, e.failure);
  }
  ++e.retries;
  set_state(State::exchanging);
  pick_and_connect();
}

void ClientSession::start_sending_request() {
  Exchange& e = exchange_;
  set_state(State::exchanging);
  ServerConnection& server = *e.server;
  server.count_request();
  server.parser().reset();
  server.parser().set_head_request(e.head_request);
  if (e.backend->send_proxy != conf::ProxyProtocol::none && server.requests_served() == 1) {
    const auto& a = addresses_;
    to_server_.add(e.backend->send_proxy == conf::ProxyProtocol::v1 ? proxy_protocol::build_v1(a.source, a.destination)
                                                                    : proxy_protocol::build_v2(a.source, a.destination));
  }
  to_server_.add(head_buffer_);
  // A retry sends what the failed server got (the head, the body so far).
  const bool chunked = request_parser_.head().chunked;
  for (const core::Slice& piece : e.retained) {
    if (chunked) {
      scratch_.clear();
      append_chunk_size(scratch_, piece.length);
      to_server_.add(scratch_);
    }
    to_server_.add(piece);
    if (chunked) to_server_.add(std::string_view("\r\n"));
  }
  if (e.request_phase == RequestPhase::complete) {
    if (chunked) to_server_.add(std::string_view("0\r\n\r\n"));
    e.request_sent_at = now();
  }
  server_activity_ = now();
  flush_to_server();
  server.socket().read_start();
  arm_timer();
  process_client_input();  // the body that waited for its server, or nothing
}

// --- the response ----------------------------------------------------------

bool ClientSession::drop_private_server(ServerConnection& connection) {
  if (&connection != private_server_) return false;
  // A kept connection that speaks (or closes) between requests is done.
  private_server_ = nullptr;
  connection.close();
  return true;
}

void ClientSession::on_server_data(ServerConnection& connection, core::Slice data) {
  Exchange& e = exchange_;
  if (drop_private_server(connection) || &connection != e.server) return;
  server_activity_ = now();
  e.pick->server().counters->bytes_in.fetch_add(data.length, std::memory_order_relaxed);
  if (state_ == State::tunnel) {
    e.bytes_out += data.length;
    client_->write(std::move(data));
    if (client_->above_high_water()) connection.socket().read_stop();
    return;
  }
  std::string_view input = data.view();
  bool again = true;
  while (again) {
    auto result = connection.parser().parse(input);
    input.remove_prefix(result.consumed);
    switch (result.event) {
      case Parser::Event::need_more:
        again = false;
        break;
      case Parser::Event::head:
        on_response_head();
        break;
      case Parser::Event::body:
        write_response_body(result.body, data);
        again = !input.empty();
        break;
      case Parser::Event::message_end:
        // The end of an interim (1xx) response: the final one follows.
        if (e.response_phase == ResponsePhase::awaiting_head) break;
        write_response_body(result.body, data);
        e.server_sent_extra = !input.empty();
        // Ends the exchange; a pipelined request may already be on its way
        // (even on this very connection, kept alive): nothing more here.
        return on_response_end();
      case Parser::Event::error:
        return server_failed(connection.parser().error_reason(), false);
    }
    if (e.server != &connection) return;  // the exchange ended (or failed) meanwhile
    if (state_ == State::tunnel) {
      // What follows the 101 is already the other protocol.
      if (!input.empty()) {
        core::Slice rest{data.chunk, static_cast<uint32_t>(input.data() - data.chunk.data()),
                         static_cast<uint32_t>(input.size())};
        e.bytes_out += rest.length;
        to_client_.add(rest);
      }
      break;
    }
  }
  flush_to_client();
  if (state_ != State::closed && client_->above_high_water()) connection.socket().read_stop();
}

void ClientSession::on_response_head() {
  Exchange& e = exchange_;
  const MessageHead& head = e.server->parser().head();
  if (head.status == 101) {
    if (e.upgrade) return start_tunnel();
    return server_failed("101 Switching Protocols to a request that asked for no upgrade", false);
  }
  if (head.status / 100 == 1) {
    e.interim_head_at = now();
    return write_interim_response();
  }
  e.response_phase = ResponsePhase::body;
  e.response_head_at = now();
  e.status = head.status;
  e.server_failed = head.status >= 500;
  e.framing = choose_framing(head, e.head_request, e.http10);
  // The client connection goes on after this response only if everything
  // allows it: both sides keep-alive, the whole request read, a framing
  // that ends without closing.
  e.close_after = !e.keep_alive || shutting_down_ || client_eof_ || e.framing == BodyFraming::close ||
                  e.request_phase != RequestPhase::complete || e.upgrade;
  std::string cookie;
  const std::string& sticky = e.backend->http.sticky_cookie;
  if (!sticky.empty() && !e.sticky_hit)
    cookie = sticky_set_cookie(sticky, sticky_token(e.backend->name, e.pick->server().name()));
  ResponseHeadPlan plan;
  plan.route = e.route;
  plan.framing = e.framing;
  plan.close_connection = e.close_after;
  plan.keep_alive_http10 = e.http10 && !e.close_after;
  plan.set_cookie = cookie;
  scratch_.clear();
  write_response_head(head, plan, scratch_);
  e.bytes_out += scratch_.size();
  e.response_started = true;
  to_client_.add(scratch_);
  arm_timer();
}

void ClientSession::write_interim_response() {
  Exchange& e = exchange_;
  // HTTP/1.0 clients do not understand interim responses (RFC 9110 15.2).
  if (e.http10) return;
  ResponseHeadPlan plan;
  plan.framing = BodyFraming::none;
  scratch_.clear();
  write_response_head(e.server->parser().head(), plan, scratch_);
  e.bytes_out += scratch_.size();
  e.response_started = true;
  to_client_.add(scratch_);
}

void ClientSession::write_response_body(std::string_view body, const core::Slice& source) {
  if (body.empty()) return;
  Exchange& e = exchange_;
  core::Slice slice{source.chunk, static_cast<uint32_t>(body.data() - source.chunk.data()),
                    static_cast<uint32_t>(body.size())};
  if (e.framing == BodyFraming::chunked) {
    scratch_.clear();
    append_chunk_size(scratch_, body.size());
    e.bytes_out += scratch_.size() + 2;
    to_client_.add(scratch_);
    to_client_.add(slice);
    to_client_.add(std::string_view("\r\n"));
  } else {
    to_client_.add(slice);
  }
  e.bytes_out += body.size();
}

void ClientSession::on_response_end() {
  Exchange& e = exchange_;
  if (e.framing == BodyFraming::chunked) {
    const MessageHead& head = e.server->parser().head();
    scratch_.assign("0\r\n");
    for (size_t i = 0; i < head.trailer_count(); ++i) {
      scratch_ += head.trailer(i).name;
      scratch_ += ": ";
      scratch_ += head.trailer(i).value;
      scratch_ += "\r\n";
    }
    scratch_ += "\r\n";
    e.bytes_out += scratch_.size();
    to_client_.add(scratch_);
  }
  e.response_phase = ResponsePhase::complete;
  finish_exchange();
}

void ClientSession::start_tunnel() {
  Exchange& e = exchange_;
  e.status = 101;
  e.response_head_at = now();
  e.response_phase = ResponsePhase::complete;
  ResponseHeadPlan plan;
  plan.framing = BodyFraming::none;
  plan.upgrade = true;
  scratch_.clear();
  write_response_head(e.server->parser().head(), plan, scratch_);
  e.bytes_out += scratch_.size();
  e.response_started = true;
  to_client_.add(scratch_);
  set_state(State::tunnel);
  flush_to_client();
  process_client_input();  // bytes the client sent after its request are the other protocol's
  arm_timer();
}

// --- failures and retries --------------------------------------------------

bool ClientSession::may_retry_after_send() const {
  const Exchange& e = exchange_;
  return e.backend->http.retry_idempotent && e.idempotent && e.replayable && !e.retried_after_send &&
         !e.response_started && !e.upgrade;
}

void ClientSession::server_failed(std::string_view reason, bool timed_out) {
  Exchange& e = exchange_;
  e.failure = reason;
  e.server_failed = true;
  if (e.server) {
    e.server->close();
    e.server = nullptr;
  }
  if (state_ == State::tunnel) {
    log_exchange();
    return close_client(false, reason);
  }
  worker_.report_request_result(*e.pick, true, reason);
  log::debug("http ", listener_->name, ": server ", e.backend->name, "/", e.pick->server().name(), " failed: ", reason);
  if (may_retry_after_send()) {
    e.retried_after_send = true;
    e.fresh_connection = true;
    ++e.retries;
    e.tried.push_back(e.pick->index);
    unpick();
    e.response_phase = ResponsePhase::awaiting_head;
    return pick_and_connect();
  }
  if (!e.response_started) return respond_locally(timed_out ? 504 : 502, reason);
  // Part of the response is out: all that is left is to cut the connection.
  unpick();
  log_exchange();
  close_client(false, reason);
}

void ClientSession::on_server_eof(ServerConnection& connection) {
  Exchange& e = exchange_;
  if (drop_private_server(connection) || &connection != e.server) return;
  if (state_ == State::tunnel) {
    e.server_eof = true;
    client_->shutdown();
    if (client_eof_) {
      log_exchange();
      close_client(false, "both sides closed");
    }
    return;
  }
  if (e.response_phase == ResponsePhase::body) {
    // A body delimited by the close ends here; any other is cut short.
    if (connection.parser().finish().event == Parser::Event::message_end) {
      on_response_end();
      flush_to_client();
      return;
    }
    return server_failed("server closed in the middle of the response", false);
  }
  server_failed(e.reached_server && connection.requests_served() > 1
                    ? "kept-alive server connection closed before a response"
                    : "server closed the connection before responding",
                false);
}

void ClientSession::on_server_error(ServerConnection& connection, int status) {
  if (drop_private_server(connection) || &connection != exchange_.server) return;
  if (state_ == State::connecting) return connect_failed(status);
  server_failed(uv_strerror(status), false);
}

void ClientSession::on_server_drained(ServerConnection& connection) {
  if (&connection != exchange_.server) return;
  // The server has room again: the client may send more.
  update_client_reading();
  if (pending_.length > 0) process_client_input();
}

// --- the end of an exchange ------------------------------------------------

void ClientSession::unpick() {
  Exchange& e = exchange_;
  if (e.counted_active) e.pick->server().counters->active.fetch_sub(1, std::memory_order_relaxed);
  e.counted_active = false;
}

void ClientSession::release_server(bool reusable) {
  Exchange& e = exchange_;
  ServerConnection* server = e.server;
  e.server = nullptr;
  if (!server) return;
  const auto& http = e.backend->http;
  if (reusable && e.backend->send_proxy != conf::ProxyProtocol::none) {
    server->set_state(ServerConnection::State::idle);
    private_server_ = server;  // stays ours: its owner is this session
    return;
  }
  if (reusable && http.max_idle_per_server > 0)
    HttpFront::of(worker_).pool().release(server, now(), http.keepalive_timeout.count(), http.max_idle_per_server);
  else
    server->close();
}

void ClientSession::finish_exchange() {
  Exchange& e = exchange_;
  const bool request_done = e.request_phase == RequestPhase::complete;
  const bool reusable = request_done && !e.server_sent_extra && e.server->parser().head().keep_alive;
  worker_.report_request_result(*e.pick, e.server_failed, e.server_failed ? "a 5xx response" : "");
  release_server(reusable);
  unpick();
  log_exchange();
  if (e.close_after || !request_done) return close_client(true, "response complete; connection not kept");
  flush_to_client();
  if (e.upgrade) request_parser_.reset();  // the upgrade was refused: back to plain HTTP
  set_state(State::idle);
  idle_since_ = now();
  arm_timer();
  process_client_input();  // a pipelined request, if one is waiting
}

void ClientSession::log_exchange() {
  const Exchange& e = exchange_;
  // Counted for metrics whether or not the access log is on.
  size_t status_class = e.status >= 100 && e.status < 600 ? static_cast<size_t>(e.status / 100) : 0;
  counters_->http_responses[status_class].fetch_add(1, std::memory_order_relaxed);
  if (e.retries) counters_->http_retries.fetch_add(e.retries, std::memory_order_relaxed);
  if (e.pick && e.response_head_at)  // the status came from the server, not from the proxy
    e.pick->server().counters->http_responses[status_class].fetch_add(1, std::memory_order_relaxed);
  const MessageHead& head = request_parser_.head();
  std::string_view server = e.pick ? std::string_view(e.pick->server().name()) : std::string_view();
  uint64_t end = now();
  if (!listener_->http.access_log) {
    // Without an access log the failures still get a line, rate-limited:
    // clients can cause them by the thousand (a backend down, a flood).
    if (e.failure.empty()) return;
    static thread_local core::LogRateLimit failure_log_limit(10);
    uint64_t suppressed = 0;
    if (!failure_log_limit.allow(end, suppressed)) return;
    log::warn("http ", listener_->name, ": ", core::printable(head.method), " ", core::printable(head.target(), 512),
              " -> ", e.status, " (",
              e.backend ? e.backend->name : std::string("no backend"), server.empty() ? "" : "/", server, "): ",
              e.failure, suppressed ? log::concat(" (", suppressed, " more not logged)") : std::string());
    return;
  }
  auto since = [&](uint64_t from, uint64_t to) -> int64_t {
    return from && to >= from ? static_cast<int64_t>(to - from) : -1;
  };
  AccessRecord record;
  record.listener = listener_->name;
  record.route = e.route ? std::string_view(e.route->name) : std::string_view();
  record.backend = e.backend ? std::string_view(e.backend->name) : std::string_view();
  record.server = server;
  record.client = client_ip_;
  record.method = head.method;
  record.target = head.target();
  record.status = e.status;
  record.bytes_in = e.bytes_in;
  record.bytes_out = e.bytes_out;
  record.queue_ms = since(e.head_done_at, e.picked_at);
  record.connect_ms = e.connect_ms;
  record.response_ms = since(e.request_sent_at, e.response_head_at);
  record.total_ms = since(e.started_at, end);
  record.request_id = e.request_id;
  record.retries = e.retries;
  record.reason = e.failure;
  write_access_log(record);
}

}  // namespace sy::http
