// The control plane's Redis client; see redis_client.hpp.
#include "healthcheck/redis_client.hpp"

#include <hiredis/hiredis.h>

#include <vector>

#include "conf/durations.hpp"
#include "resp/writer.hpp"

namespace sy::health {

namespace {
// Nothing the control plane asks for (ROLE, SENTINEL ...) comes near this;
// a server sending more is not believed, and memory stays bounded.
constexpr size_t kMaxPendingReplyBytes = 4 * 1024 * 1024;
}  // namespace

struct RedisClient::Write {
  uv_write_t request;
  std::string bytes;  // must outlive the write
};

RedisClient* RedisClient::connect(uv_loop_t* loop, const conf::Address& address, conf::Duration timeout,
                                  OnClosed on_closed) {
  auto* client = new RedisClient(loop, timeout, std::move(on_closed));
  client->start(address);
  return client;
}

RedisClient::RedisClient(uv_loop_t* loop, conf::Duration timeout, OnClosed on_closed)
    : timeout_(timeout), on_closed_(std::move(on_closed)), reader_(redisReaderCreate()) {
  uv_tcp_init(loop, &tcp_);
  uv_timer_init(loop, &timer_);
  tcp_.data = this;
  timer_.data = this;
  connect_request_.data = this;
}

RedisClient::~RedisClient() { redisReaderFree(reader_); }

void RedisClient::start(const conf::Address& address) {
  int rc = uv_tcp_connect(&connect_request_, &tcp_, address.sockaddr_ptr(), &RedisClient::on_connect);
  if (rc != 0) {
    // Reported from the loop, never from inside connect() that made us.
    immediate_failure_ = uv_strerror(rc);
    uv_timer_start(&timer_, &RedisClient::on_deadline, 0, 0);
    return;
  }
  arm_deadline();
}

void RedisClient::arm_deadline() {
  if (timeout_.count() > 0 && !uv_is_active(reinterpret_cast<uv_handle_t*>(&timer_)))
    uv_timer_start(&timer_, &RedisClient::on_deadline, static_cast<uint64_t>(timeout_.count()), 0);
}

void RedisClient::command(std::span<const std::string_view> argv, OnReply on_reply) {
  if (closing_) return;
  resp::append_command(unsent_, argv);
  waiting_.push_back(std::move(on_reply));
  if (connected_) send_queued();
}

void RedisClient::command(std::initializer_list<std::string_view> argv, OnReply on_reply) {
  command(std::span<const std::string_view>(argv.begin(), argv.size()), std::move(on_reply));
}

void RedisClient::subscribe(std::span<const std::string> channels, OnMessage on_message,
                            std::function<void()> on_subscribed) {
  if (closing_ || channels.empty()) return;
  std::vector<std::string_view> argv{"SUBSCRIBE"};
  for (const auto& channel : channels) argv.push_back(channel);
  resp::append_command(unsent_, argv);
  on_message_ = std::move(on_message);
  // One confirmation per channel; the last one completes the subscription.
  for (size_t i = 0; i + 1 < channels.size(); ++i) waiting_.push_back([](const redisReply&) {});
  waiting_.push_back([this, done = std::move(on_subscribed)](const redisReply& reply) {
    if (is_error(reply)) return fail("SUBSCRIBE: " + std::string(reply_text(reply)));
    subscribed_ = true;
    if (done) done();
  });
  if (connected_) send_queued();
}

void RedisClient::send_queued() {
  if (unsent_.empty() || closing_) return;
  auto* write = new Write;
  write->request.data = this;
  write->bytes = std::move(unsent_);
  unsent_.clear();
  uv_buf_t buffer = uv_buf_init(write->bytes.data(), static_cast<unsigned>(write->bytes.size()));
  int rc = uv_write(&write->request, reinterpret_cast<uv_stream_t*>(&tcp_), &buffer, 1, &RedisClient::on_write);
  if (rc != 0) {
    delete write;
    return fail(std::string("sending: ") + uv_strerror(rc));
  }
  arm_deadline();
}

void RedisClient::on_write(uv_write_t* request, int status) {
  auto* write = reinterpret_cast<Write*>(request);
  auto* self = static_cast<RedisClient*>(request->data);
  delete write;
  if (status != 0 && status != UV_ECANCELED && !self->closing_)
    self->fail(std::string("sending: ") + uv_strerror(status));
}

void RedisClient::on_connect(uv_connect_t* request, int status) {
  auto* self = static_cast<RedisClient*>(request->data);
  if (status == UV_ECANCELED || self->closing_) return;
  if (status != 0) return self->fail(uv_strerror(status));
  self->connected_ = true;
  int rc = uv_read_start(
      reinterpret_cast<uv_stream_t*>(&self->tcp_),
      [](uv_handle_t* handle, size_t, uv_buf_t* buffer) {
        auto* client = static_cast<RedisClient*>(handle->data);
        *buffer = uv_buf_init(client->read_buffer_, sizeof client->read_buffer_);
      },
      &RedisClient::on_read);
  if (rc != 0) return self->fail(std::string("reading: ") + uv_strerror(rc));
  // Connected with nothing to say: the connect's deadline is over.
  if (self->waiting_.empty()) uv_timer_stop(&self->timer_);
  self->send_queued();
}

void RedisClient::on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buffer) {
  auto* self = static_cast<RedisClient*>(stream->data);
  if (self->closing_) return;
  if (nread == UV_EOF) return self->fail("the server closed the connection");
  if (nread < 0) return self->fail(std::string("reading: ") + uv_strerror(static_cast<int>(nread)));
  if (nread > 0) self->on_bytes(buffer->base, static_cast<size_t>(nread));
}

void RedisClient::on_bytes(const char* data, size_t length) {
  if (redisReaderFeed(reader_, data, length) != REDIS_OK) return fail(std::string("bad reply: ") + reader_->errstr);
  while (!closing_) {
    void* parsed = nullptr;
    if (redisReaderGetReply(reader_, &parsed) != REDIS_OK) return fail(std::string("bad reply: ") + reader_->errstr);
    if (!parsed) {
      if (reader_->len - reader_->pos > kMaxPendingReplyBytes) fail("a reply larger than 4 MiB");
      return;
    }
    auto* reply = static_cast<redisReply*>(parsed);
    dispatch(*reply);
    freeReplyObject(reply);
  }
}

void RedisClient::dispatch(const redisReply& reply) {
  // Subscribed: messages come between (and after) the confirmations.
  if (on_message_ && reply.type == REDIS_REPLY_ARRAY && reply.elements == 3 &&
      reply_text(*reply.element[0]) == "message") {
    OnMessage on_message = on_message_;  // a copy: the handler may close the client
    on_message(reply_text(*reply.element[1]), reply_text(*reply.element[2]));
    return;
  }
  if (waiting_.empty()) return fail("a reply nobody asked for");
  // Taken off the queue before it runs: it may close the client.
  OnReply on_reply = std::move(waiting_.front());
  waiting_.pop_front();
  if (waiting_.empty()) uv_timer_stop(&timer_);
  if (on_reply) on_reply(reply);
}

void RedisClient::on_deadline(uv_timer_t* timer) {
  auto* self = static_cast<RedisClient*>(timer->data);
  if (!self->immediate_failure_.empty()) return self->fail(self->immediate_failure_);
  self->fail(std::string(self->connected_ ? "no reply" : "no connection") + " within " +
             conf::format_duration(self->timeout_));
}

void RedisClient::fail(const std::string& reason) {
  if (closing_) return;
  OnClosed on_closed = std::move(on_closed_);
  close();
  if (on_closed) on_closed(reason);
}

void RedisClient::close() {
  if (closing_) return;
  closing_ = true;
  on_closed_ = nullptr;
  on_message_ = nullptr;
  waiting_.clear();
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), &RedisClient::on_handle_closed);
  uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), &RedisClient::on_handle_closed);
}

void RedisClient::on_handle_closed(uv_handle_t* handle) {
  auto* self = static_cast<RedisClient*>(handle->data);
  if (--self->open_handles_ == 0) delete self;
}

std::string_view reply_text(const redisReply& reply) {
  if (reply.type == REDIS_REPLY_STRING || reply.type == REDIS_REPLY_STATUS || reply.type == REDIS_REPLY_ERROR)
    return {reply.str, reply.len};
  return {};
}

bool is_error(const redisReply& reply) { return reply.type == REDIS_REPLY_ERROR; }

}  // namespace sy::health
