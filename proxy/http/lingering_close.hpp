// Closing a client connection without losing the last response. Closing a
// socket that still has unread input sends a reset, and a reset can destroy
// the response in flight before the client has read it (a 400 after a
// smuggling attempt, a 503 to a client over the limit). So the connection
// is handed over here: the queued bytes are flushed, our side is shut down,
// and what the client still sends is read and dropped until it closes too
// or the linger time ends.
#pragma once

#include <uv.h>

#include <string>

#include "proxy/core/session.hpp"
#include "proxy/core/socket.hpp"
#include "proxy/core/worker.hpp"

namespace sy::http {

class LingeringClose final : public core::Session, private core::SocketHandler {
 public:
  // Takes `client` (whose queued writes go on); `flush_ms` bounds the wait
  // for them before the linger starts.
  static void start(core::Worker& worker, core::Socket* client, uint64_t flush_ms);
  // A client over max_connections: a 503, then the lingering close.
  static void reject_overloaded(core::Worker& worker, core::Socket* client);

  void force_close() override { close(); }

 private:
  LingeringClose(core::Worker& worker, core::Socket* client, uint64_t flush_ms);
  ~LingeringClose() override = default;
  void close();

  void on_data(core::Socket&, core::Slice data) override;
  void on_eof(core::Socket&) override { close(); }
  void on_error(core::Socket&, int) override { close(); }
  void on_shutdown_done(core::Socket&) override;
  void on_closed(core::Socket&) override;

  core::Socket* client_;
  uv_timer_t timer_;
  uint64_t discarded_ = 0;
  unsigned open_handles_ = 2;  // socket + timer
  bool closing_ = false;
};

}  // namespace sy::http
