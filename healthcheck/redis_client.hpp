// The control plane's own small Redis client: one TCP connection on a libuv
// loop for health checks, Sentinel queries and Sentinel subscriptions (never
// the data path). Commands are pipelined as they come, written with resp/'s
// encoder; replies are parsed by hiredis' reader and handed back in order.
//
// Why not hiredis' async context with hiredis/adapters/libuv.h (0.14): that
// adapter drops libuv's poll errors, so a refused connect is only noticed at
// the deadline; the async context runs callbacks with NULL replies from inside
// redisAsyncFree and keeps subscription callbacks per channel, which makes
// ownership hard to follow; and it has no timeouts. libuv's own TCP handle
// gives the real reasons ("connection refused") and one clear lifetime.
#pragma once

#include <uv.h>

#include <deque>
#include <functional>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

#include "conf/config.hpp"

struct redisReply;
struct redisReader;

namespace sy::health {

class RedisClient {
 public:
  using OnReply = std::function<void(const redisReply& reply)>;
  // Every failure ends the client: connect refused, reset, EOF, bad RESP,
  // the deadline. Commands still waiting get no reply callback.
  using OnClosed = std::function<void(const std::string& reason)>;
  // A pub/sub message after subscribe(): ["message", channel, payload].
  using OnMessage = std::function<void(std::string_view channel, std::string_view payload)>;

  // Starts connecting to `address`. `timeout` bounds every wait: the connect,
  // and each batch of replies from the moment the client starts waiting for
  // it (a command sent while nothing was outstanding) until nothing is
  // outstanding again; commands queued before the connect completes share
  // the connect's deadline (a health check: connect + answers within it).
  // 0: no deadline. A subscription's messages are never waited for.
  // The client is valid until on_closed has run or close() was called.
  static RedisClient* connect(uv_loop_t* loop, const conf::Address& address, conf::Duration timeout,
                              OnClosed on_closed);

  // Queues a command (sent once connected); `on_reply` gets its reply,
  // an error reply included.
  void command(std::span<const std::string_view> argv, OnReply on_reply);
  void command(std::initializer_list<std::string_view> argv, OnReply on_reply);
  // SUBSCRIBE to `channels`; from then on messages go to `on_message` and
  // the connection takes no other commands. `on_subscribed` runs once every
  // channel is confirmed. Subscribed connections have no deadline.
  void subscribe(std::span<const std::string> channels, OnMessage on_message, std::function<void()> on_subscribed);
  // Ends the connection at once; no callback runs after this. The client
  // frees itself once its libuv handles are closed. Safe inside callbacks.
  void close();

  bool connected() const { return connected_; }

 private:
  RedisClient(uv_loop_t* loop, conf::Duration timeout, OnClosed on_closed);
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  void start(const conf::Address& address);
  void send_queued();
  void on_bytes(const char* data, size_t length);
  void dispatch(const redisReply& reply);
  void fail(const std::string& reason);
  void arm_deadline();
  static void on_connect(uv_connect_t* request, int status);
  static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buffer);
  static void on_write(uv_write_t* request, int status);
  static void on_deadline(uv_timer_t* timer);
  static void on_handle_closed(uv_handle_t* handle);

  struct Write;

  uv_tcp_t tcp_;
  uv_timer_t timer_;
  uv_connect_t connect_request_;
  conf::Duration timeout_;
  OnClosed on_closed_;
  OnMessage on_message_;
  redisReader* reader_;
  std::string unsent_;             // commands queued before the connect completed
  std::deque<OnReply> waiting_;    // one per reply expected, in order
  std::string immediate_failure_;  // a connect that failed at once, reported from the loop
  char read_buffer_[16 * 1024];
  int open_handles_ = 2;
  bool connected_ = false;
  bool subscribed_ = false;
  bool closing_ = false;
};

// The text of a string, status or error reply ("" for other types).
std::string_view reply_text(const redisReply& reply);
bool is_error(const redisReply& reply);

}  // namespace sy::health
