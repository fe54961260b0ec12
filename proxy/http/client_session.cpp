// The client side of an HTTP connection: reading and routing requests,
// streaming request bodies, local responses, timers and closing; see
// client_session.hpp. The server side is in client_exchange.cpp.
#include "proxy/http/client_session.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>

#include "proxy/core/log.hpp"
#include "proxy/core/tls_transport.hpp"
#include "proxy/http/balancing_keys.hpp"
#include "proxy/http/http_front.hpp"
#include "proxy/http/lingering_close.hpp"
#include "proxy/http/proxy_responses.hpp"
#include "proxy/http/routing.hpp"
#include "proxy/proxy_protocol/header.hpp"

namespace sy::http {
namespace {

// Requests safe to send twice (RFC 9110 9.2.2).
bool is_idempotent(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "TRACE" || method == "PUT" ||
         method == "DELETE";
}

ParserLimits request_limits(const conf::Listener& listener) {
  return {.max_head_bytes = listener.http.max_header_size,
          .max_headers = listener.http.max_headers,
          .max_body_bytes = listener.http.max_body_size};
}

std::string_view state_name(int state) {
  static constexpr std::string_view names[] = {"idle", "reading_head", "connecting", "exchanging", "tunnel", "closed"};
  return names[state];
}

}  // namespace

void ClientSession::start(core::Worker& worker, core::Socket* client, const conf::Listener& listener,
                          std::shared_ptr<core::ListenerCounters> counters, const core::ClientAddresses& addresses,
                          core::Slice initial) {
  auto* session = new ClientSession(worker, client, listener, std::move(counters), addresses);
  session->pending_ = std::move(initial);
  session->arm_timer();
  session->process_client_input();
}

ClientSession::ClientSession(core::Worker& worker, core::Socket* client, const conf::Listener& listener,
                             std::shared_ptr<core::ListenerCounters> counters, const core::ClientAddresses& addresses)
    : Session(worker),
      client_(client),
      snapshot_(worker.snapshot()),
      listener_(&listener),
      counters_(std::move(counters)),
      addresses_(addresses),
      request_parser_(Parser::Kind::request, request_limits(listener)),
      to_client_(worker.relay_buffers()),
      to_server_(worker.relay_buffers()) {
  counters_->active.fetch_add(1, std::memory_order_relaxed);
  client_->set_handler(this);
  uv_timer_init(worker.loop(), &timer_);
  timer_.data = this;
  client_ip_ = proxy_protocol::address_text(addresses_.resolve(*client_).source);
  if (auto* tls = dynamic_cast<core::TlsTransport*>(client_->transport())) {
    tls_ = true;
    if (!listener.tls.client_subject_header.empty())
      if (auto peer = tls->session().peer_certificate(); peer && peer->verified)
        if (std::none_of(peer->certificate.subject.begin(), peer->certificate.subject.end(),
                         [](unsigned char c) { return c < 0x20 || c == 0x7f; }))  // never a header break
          client_subject_ = peer->certificate.subject;
  }
  idle_since_ = client_activity_ = now();
}

ClientSession::~ClientSession() { counters_->active.fetch_sub(1, std::memory_order_relaxed); }

namespace {

// The transitions a connection may make; anything else is a bug.
[[maybe_unused]] bool allowed(int from, int to) {
  constexpr int idle = 0, reading_head = 1, connecting = 2, exchanging = 3, tunnel = 4, closed = 5;
  switch (from) {
    case idle: return to == reading_head || to == exchanging || to == closed;
    case reading_head: return to == exchanging || to == closed;
    case connecting: return to == exchanging || to == idle || to == closed;
    case exchanging: return to != reading_head;  // connecting, again exchanging (a retry), idle, tunnel, closed
    case tunnel: return to == closed;
    default: return false;
  }
}

}  // namespace

void ClientSession::set_state(State next) {
  assert(allowed(static_cast<int>(state_), static_cast<int>(next)));
  if (log::enabled(log::Level::debug))
    log::debug("http ", listener_->name, ": state ", state_name(static_cast<int>(state_)), " -> ",
               state_name(static_cast<int>(next)));
  state_ = next;
}

// Requests after a reload follow the new routes, if the listener is still
// there; its established connections otherwise go on as they were.
void ClientSession::refresh_snapshot() {
  const auto& current = worker_.snapshot();
  if (current == snapshot_) return;
  if (const conf::Listener* listener = current->config->find_listener(listener_->name);
      listener && listener->protocol == conf::Protocol::http) {
    snapshot_ = current;
    listener_ = listener;
    request_parser_.set_limits(request_limits(*listener));
  }
}

void ClientSession::reset_exchange() {
  Exchange& e = exchange_;
  // Field by field, so the vectors and the string keep their capacity.
  std::vector<size_t> tried = std::move(e.tried);
  std::vector<core::Slice> retained = std::move(e.retained);
  std::string request_id = std::move(e.request_id);
  tried.clear();
  retained.clear();
  request_id.clear();
  e = Exchange{};
  e.tried = std::move(tried);
  e.retained = std::move(retained);
  e.request_id = std::move(request_id);
}

// --- reading requests ---------------------------------------------------

void ClientSession::on_data(core::Socket&, core::Slice data) {
  client_activity_ = now();
  if (state_ == State::tunnel) {
    exchange_.bytes_in += data.length;
    exchange_.pick->server().counters->bytes_out.fetch_add(data.length, std::memory_order_relaxed);
    exchange_.server->socket().write(std::move(data));
    if (exchange_.server->socket().above_high_water()) client_->read_stop();
    return;
  }
  if (pending_.length > 0) {
    // Reading stops while input waits, so this is one read racing a
    // read_stop; join the two when they fit in one chunk.
    if (pending_.length + data.length > data.chunk.capacity()) return close_client(false, "input overflow");
    core::ChunkRef joined = worker_.relay_buffers().acquire();
    std::memcpy(joined.data(), pending_.data(), pending_.length);
    std::memcpy(joined.data() + pending_.length, data.data(), data.length);
    pending_ = core::Slice{std::move(joined), 0, pending_.length + data.length};
  } else {
    pending_ = std::move(data);
  }
  process_client_input();
}

void ClientSession::process_client_input() {
  while (state_ != State::closed) {
    if (state_ == State::tunnel) {
      if (pending_.length > 0) exchange_.server->socket().write(std::move(pending_));
      pending_ = {};
      break;
    }
    if (pending_.length == 0) break;
    // The body of a request waits for its server; a pipelined request
    // waits for the response before it.
    if (state_ == State::connecting) break;
    if (state_ == State::exchanging && exchange_.request_phase == RequestPhase::complete) break;
    if (state_ == State::exchanging && exchange_.server && exchange_.server->socket().above_high_water()) break;

    auto result = request_parser_.parse(pending_.view());
    pending_.offset += static_cast<uint32_t>(result.consumed);
    pending_.length -= static_cast<uint32_t>(result.consumed);
    switch (result.event) {
      case Parser::Event::need_more:
        if (state_ == State::idle) {
          exchange_.started_at = now();
          set_state(State::reading_head);
          arm_timer();
        }
        break;
      case Parser::Event::head:
        on_request_head();
        break;
      case Parser::Event::body:
        forward_request_body(result.body);
        break;
      case Parser::Event::message_end:
        forward_request_body(result.body);
        on_request_end();
        break;
      case Parser::Event::error:
        on_request_error();
        break;
    }
  }
  if (pending_.length == 0) pending_ = {};  // an idle connection holds no chunk
  flush_to_server();
  update_client_reading();
}

void ClientSession::on_request_head() {
  const uint64_t started = state_ == State::reading_head ? exchange_.started_at : now();
  refresh_snapshot();
  reset_exchange();
  Exchange& e = exchange_;
  const MessageHead& head = request_parser_.head();
  const conf::HttpListener& settings = listener_->http;
  ++requests_;
  e.started_at = started;
  e.head_done_at = now();
  e.has_body = head.chunked || (head.content_length && *head.content_length > 0);
  e.idempotent = is_idempotent(head.method);
  e.head_request = head.method == "HEAD";
  e.upgrade = head.upgrade && head.method != "CONNECT";
  e.keep_alive = head.keep_alive && !shutting_down_;
  e.http10 = head.is_http10();
  set_state(State::exchanging);

  if (!settings.request_id_header.empty()) {
    if (auto id = head.find(settings.request_id_header)) e.request_id.assign(*id);
    else HttpFront::of(worker_).new_request_id(e.request_id);
  }
  if (!e.has_body) {
    // No body: the end of the request is already here.
    auto end = request_parser_.parse({});
    if (end.event == Parser::Event::message_end) e.request_phase = RequestPhase::complete;
  }

  if (head.method == "CONNECT") return respond_locally(405, "CONNECT is not served");
  RequestTarget target = split_target(head.target());
  if (!target.valid) return respond_locally(400, "request target is not origin-form or http absolute-form");
  if (!settings.health_path.empty() && target.path == settings.health_path &&
      (head.method == "GET" || head.method == "HEAD")) {
    if (worker_.shutting_down()) return respond_locally(503, {}, "stopping\n");
    return respond_locally(200, {});
  }
  if (auto expect = head.find("expect"); expect && !equals_ignoring_case(*expect, "100-continue"))
    return respond_locally(417, "Expect other than 100-continue");

  std::string_view authority = !target.authority.empty() ? target.authority : head.find("host").value_or("");
  e.route = match_route(listener_->routes, {host_without_port(authority), target.path, &head});
  const std::string& backend_name = e.route ? e.route->backend : listener_->backend;
  if (backend_name.empty() || !(e.backend = snapshot_->config->find_backend(backend_name)))
    return respond_locally(404, "no route matches");

  scratch_.clear();
  append_forwarded_target(e.route, target, scratch_);
  head_buffer_.clear();
  RequestHeadPlan plan;
  plan.target = scratch_;
  plan.host = target.authority;
  plan.route = e.route;
  plan.add_forwarded = settings.forwarded_headers;
  plan.trust_forwarded = settings.trust_forwarded;
  plan.client_ip = client_ip_;
  plan.scheme = tls_ ? "https" : "http";
  plan.client_subject_header = listener_->tls.client_subject_header;
  plan.client_subject = client_subject_;
  plan.request_id_header = settings.request_id_header;
  plan.request_id = e.request_id;
  plan.upgrade = e.upgrade;
  write_request_head(head, plan, head_buffer_);
  e.replayable = e.idempotent;
  pick_and_connect();
}

void ClientSession::forward_request_body(std::string_view body) {
  if (body.empty()) return;
  Exchange& e = exchange_;
  core::Slice slice{pending_.chunk, static_cast<uint32_t>(body.data() - pending_.chunk.data()),
                    static_cast<uint32_t>(body.size())};
  e.bytes_in += body.size();
  e.pick->server().counters->bytes_out.fetch_add(body.size(), std::memory_order_relaxed);
  if (request_parser_.head().chunked) {
    scratch_.clear();
    append_chunk_size(scratch_, body.size());
    to_server_.add(scratch_);
    to_server_.add(slice);
    to_server_.add(std::string_view("\r\n"));
  } else {
    to_server_.add(slice);
  }
  if (e.replayable) {
    // Up to a bound the body stays at hand for a retry; past it, no retry.
    constexpr size_t kRetainLimit = 64 * 1024;
    if (e.retained_bytes + body.size() <= kRetainLimit) {
      e.retained.push_back(std::move(slice));
      e.retained_bytes += body.size();
    } else {
      e.replayable = false;
      e.retained.clear();
    }
  }
}

void ClientSession::on_request_end() {
  Exchange& e = exchange_;
  e.request_phase = RequestPhase::complete;
  const MessageHead& head = request_parser_.head();
  // A retry re-frames the body it kept; trailers it would have to keep
  // too, which is not worth it.
  if (head.trailer_count() > 0) e.replayable = false;
  if (head.chunked) {
    std::string& end = scratch_;
    end.assign("0\r\n");
    for (size_t i = 0; i < head.trailer_count(); ++i) {
      end += head.trailer(i).name;
      end += ": ";
      end += head.trailer(i).value;
      end += "\r\n";
    }
    end += "\r\n";
    to_server_.add(end);
  }
  e.request_sent_at = now();
  if (e.response_phase == ResponsePhase::complete) return finish_exchange();
  arm_timer();
}

void ClientSession::on_request_error() {
  Exchange& e = exchange_;
  int status = request_parser_.error_status();
  std::string_view reason = request_parser_.error_reason();
  if (state_ == State::idle || state_ == State::reading_head) {
    reset_exchange();
    exchange_.started_at = now();
    set_state(State::exchanging);
    e.keep_alive = false;
    return respond_locally(status, reason);
  }
  // A bad body: the server has part of it and must not get the rest.
  e.failure = reason;
  e.keep_alive = false;
  if (e.server) {
    e.server->close();
    e.server = nullptr;
  }
  unpick();
  if (!e.response_started) return respond_locally(status, reason);
  log_exchange();
  close_client(false, reason);
}

// --- local responses and closing -----------------------------------------

void ClientSession::respond_locally(int status, std::string_view reason, std::string_view body_override) {
  Exchange& e = exchange_;
  if (e.server) {
    e.server->close();
    e.server = nullptr;
  }
  unpick();
  e.status = status;
  if (!reason.empty()) e.failure = reason;
  // The connection can go on only when the whole request has been read.
  bool close = !e.keep_alive || e.request_phase != RequestPhase::complete || shutting_down_ || client_eof_;
  scratch_.clear();
  append_proxy_response(scratch_, {.status = status,
                                   .close = close,
                                   .head_request = e.head_request,
                                   .body_override = body_override,
                                   .request_id_header = listener_->http.request_id_header,
                                   .request_id = e.request_id});
  e.bytes_out += scratch_.size();
  e.response_started = true;
  to_client_.add(scratch_);
  log_exchange();
  if (close) return close_client(true, reason.empty() ? "request answered" : reason);
  flush_to_client();
  set_state(State::idle);
  idle_since_ = now();
  arm_timer();
}

void ClientSession::flush_to_client() {
  if (!to_client_.empty() && client_) client_->write(to_client_.take());
}

void ClientSession::flush_to_server() {
  if (!to_server_.empty() && exchange_.server) {
    exchange_.reached_server = true;
    exchange_.server->socket().write(to_server_.take());
  }
}

void ClientSession::close_client(bool graceful, std::string_view reason) {
  if (state_ == State::closed) return;
  log::debug("http ", listener_->name, ": closing client connection: ", reason);
  Exchange& e = exchange_;
  if (e.server) {
    e.server->close();
    e.server = nullptr;
  }
  unpick();
  if (private_server_) {
    private_server_->close();
    private_server_ = nullptr;
  }
  set_state(State::closed);
  pending_ = {};
  if (graceful && !client_->closing()) {
    flush_to_client();
    // The lingering close owns the socket from here on.
    LingeringClose::start(worker_, client_, listener_->idle_timeout.count());
    client_ = nullptr;
    --open_handles_;
  } else {
    to_client_.take();
    client_->close();
  }
  uv_timer_stop(&timer_);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), [](uv_handle_t* handle) {
    auto* self = static_cast<ClientSession*>(handle->data);
    if (--self->open_handles_ == 0) delete self;
  });
}

void ClientSession::on_closed(core::Socket&) {
  if (--open_handles_ == 0) delete this;
}

void ClientSession::update_client_reading() {
  if (state_ == State::closed) return;
  bool want = pending_.length == 0 && !client_eof_;
  if ((state_ == State::exchanging || state_ == State::tunnel) && exchange_.server &&
      exchange_.server->socket().above_high_water())
    want = false;
  if (want) client_->read_start();
  else client_->read_stop();
}

// --- client socket events -------------------------------------------------

void ClientSession::on_eof(core::Socket&) {
  client_eof_ = true;
  switch (state_) {
    case State::idle:
    case State::reading_head:
      return close_client(false, "client closed");
    case State::tunnel:
      exchange_.server->socket().shutdown();
      if (exchange_.server_eof) {
        log_exchange();
        close_client(false, "both sides closed");
      }
      return;
    case State::connecting:
    case State::exchanging:
      if (exchange_.request_phase == RequestPhase::complete) return;  // a half-close: the response still goes out
      exchange_.failure = "client closed in the middle of the request";
      log_exchange();
      return close_client(false, exchange_.failure);
    case State::closed:
      return;
  }
}

void ClientSession::on_error(core::Socket&, int status) {
  if (state_ == State::closed) return;
  if (state_ != State::idle && state_ != State::reading_head) {
    exchange_.failure = "client connection failed";
    log_exchange();
  }
  close_client(false, uv_strerror(status));
}

void ClientSession::on_drained(core::Socket&) {
  // The client has room again: the server may send more.
  if ((state_ == State::exchanging || state_ == State::tunnel) && exchange_.server && !exchange_.server_eof)
    exchange_.server->socket().read_start();
}

// --- shutdown -------------------------------------------------------------

void ClientSession::finish_gracefully() {
  shutting_down_ = true;
  exchange_.keep_alive = false;
  // Between requests there is nothing to finish.
  if (state_ == State::idle) close_client(true, "shutting down");
}

void ClientSession::force_close() {
  if (state_ != State::idle && state_ != State::reading_head && state_ != State::closed) {
    exchange_.failure = "closed by shutdown";
    log_exchange();
  }
  close_client(false, "shutdown timeout");
}

// --- timers -----------------------------------------------------------------

uint64_t ClientSession::deadline() const {
  const Exchange& e = exchange_;
  const conf::HttpListener& http = listener_->http;
  uint64_t activity = std::max(client_activity_, server_activity_);
  switch (state_) {
    case State::idle:
      return idle_since_ + http.keepalive_timeout.count();
    case State::reading_head:
      return e.started_at + http.request_timeout.count();
    case State::connecting:
      return e.connect_started_at + e.backend->connect_timeout.count();
    case State::exchanging:
      if (e.request_phase == RequestPhase::complete && e.response_phase == ResponsePhase::awaiting_head)
        // From the request sent (or the last interim 1xx head) to the whole
        // head: a server trickling its head byte by byte does not extend it.
        return std::max(e.request_sent_at, e.interim_head_at) + e.backend->http.response_timeout.count();
      if (e.request_phase == RequestPhase::body) return activity + listener_->idle_timeout.count();
      return server_activity_ + e.backend->http.idle_timeout.count();
    case State::tunnel:
      return activity + listener_->idle_timeout.count();
    case State::closed:
      break;
  }
  return UINT64_MAX;
}

void ClientSession::arm_timer() {
  if (state_ == State::closed) return;
  uint64_t at = deadline();
  // A timer already due earlier is left alone: when it fires, on_timer()
  // finds the deadline later and re-arms. Most state changes move the
  // deadline later, so most requests restart no timer at all.
  if (timer_due_ != 0 && timer_due_ <= at) return;
  uint64_t current = now();
  timer_due_ = std::max(at, current);
  uv_timer_start(&timer_, [](uv_timer_t* timer) { static_cast<ClientSession*>(timer->data)->on_timer(); },
                 timer_due_ - current, 0);
}

void ClientSession::on_timer() {
  timer_due_ = 0;
  // Activity moves deadlines without re-arming the timer on every read.
  if (now() < deadline()) return arm_timer();
  Exchange& e = exchange_;
  switch (state_) {
    case State::idle:
      return close_client(true, "keepalive_timeout");
    case State::reading_head:
      reset_exchange();
      exchange_.started_at = now() - listener_->http.request_timeout.count();
      set_state(State::exchanging);
      exchange_.keep_alive = false;
      return respond_locally(408, "request head not complete within request_timeout");
    case State::connecting:
      return connect_failed(UV_ETIMEDOUT);
    case State::exchanging:
      if (e.request_phase == RequestPhase::complete && e.response_phase == ResponsePhase::awaiting_head)
        return server_failed("no response head within response_timeout", true);
      if (e.request_phase == RequestPhase::body) {
        e.keep_alive = false;
        if (e.response_phase == ResponsePhase::awaiting_head) {
          return respond_locally(408, "request body stalled for idle_timeout");
        }
        e.failure = "request body stalled for idle_timeout";
        log_exchange();
        return close_client(false, e.failure);
      }
      return server_failed("server silent for idle_timeout in the middle of the response", true);
    case State::tunnel:
      e.failure = "tunnel idle for idle_timeout";
      log_exchange();
      return close_client(false, e.failure);
    case State::closed:
      return;
  }
}

}  // namespace sy::http
