// A TCP connection on a worker loop: reads into pooled chunks, queues writes
// of slices or owned bytes, and reports everything to one SocketHandler. Its
// write queue size is what backpressure decisions are made on. Bytes pass
// through its Transport, when it has one (TLS), on their way to and from the
// wire. Like every libuv handle owner it is not movable; it frees itself
// after its close callback, so a handler never deletes a socket inside a
// callback. To change loops, a connection is detached (its descriptor and
// transport) and attached to a new Socket on the other loop.
#pragma once

#include <uv.h>

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "proxy/core/buffer.hpp"
#include "proxy/core/transport.hpp"

namespace sy::core {

class Socket;

class SocketHandler {
 public:
  virtual void on_connect(Socket&, int /*status*/) {}
  virtual void on_data(Socket&, Slice data) = 0;
  virtual void on_eof(Socket&) = 0;
  virtual void on_error(Socket&, int status) = 0;   // libuv error code, read or write side
  virtual void on_drained(Socket&) {}                // write queue fell to the low-water mark
  virtual void on_shutdown_done(Socket&) {}          // our half-close reached the kernel
  virtual void on_transport_ready(Socket&) {}        // the transport's handshake is done
  virtual void on_closed(Socket&) = 0;               // last call; the socket is freed right after

 protected:
  ~SocketHandler() = default;
};

struct WriteLimits {
  size_t high_water = 256 * 1024;  // above it, stop reading the peer that feeds us
  size_t low_water = 64 * 1024;    // at or below it, on_drained() lets the peer resume
};

// A connection between two Sockets: its descriptor (closed here unless
// attached) and its transport with whatever session state that holds.
class DetachedConnection {
 public:
  DetachedConnection() = default;
  DetachedConnection(int fd, std::unique_ptr<Transport> transport) : fd_(fd), transport_(std::move(transport)) {}
  DetachedConnection(DetachedConnection&& other) noexcept
      : fd_(std::exchange(other.fd_, -1)), transport_(std::move(other.transport_)) {}
  DetachedConnection& operator=(DetachedConnection&& other) noexcept;
  ~DetachedConnection();

  bool valid() const { return fd_ >= 0; }

 private:
  friend class Socket;
  int fd_ = -1;
  std::unique_ptr<Transport> transport_;
};

class Socket {
 public:
  Socket(uv_loop_t* loop, BufferPool& pool, SocketHandler* handler, WriteLimits limits = {});
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  int accept(uv_stream_t* listener);
  // The connection, for another loop to attach: a duplicate of the
  // descriptor, and the transport (this socket goes on plain and should be
  // closed at once). Not valid() on failure.
  DetachedConnection detach();
  // Takes over a connection detached from another socket.
  int attach(DetachedConnection connection);
  int connect(const sockaddr* address);
  // From now on bytes pass through `transport` (see transport.hpp).
  // `already_read` holds wire bytes read before it was installed (what came
  // behind a PROXY header); they go through it first.
  void start_transport(std::unique_ptr<Transport> transport, Slice already_read = {});
  Transport* transport() const { return transport_.get(); }

  // With a transport, bytes it decoded while the handler was not reading
  // are held and handed over by read_start(), before it returns.
  void read_start();
  void read_stop();
  bool reading() const { return reading_; }

  void write(Slice slice);
  void write(std::string bytes);
  void write(std::vector<Slice> slices);  // one writev
  size_t queued_bytes() const { return queued_; }
  bool above_high_water() const { return queued_ > limits_.high_water; }

  void shutdown();  // half-close once queued writes are out
  void close();     // idempotent; on_closed() follows from the loop
  bool closing() const { return closing_; }

  void set_handler(SocketHandler* handler) { handler_ = handler; }
  SocketHandler* handler() const { return handler_; }
  uv_tcp_t* handle() { return &tcp_; }
  uv_loop_t* loop() const { return tcp_.loop; }
  bool peer_address(sockaddr_storage& out) const;
  bool local_address(sockaddr_storage& out) const;

 private:
  struct WriteRequest;
  ~Socket() = default;

  static void on_alloc(uv_handle_t*, size_t, uv_buf_t*);
  static void on_read(uv_stream_t*, ssize_t, const uv_buf_t*);
  static void on_write(uv_write_t*, int);
  static void on_connect_done(uv_connect_t*, int);
  static void on_shutdown(uv_shutdown_t*, int);
  static void on_close(uv_handle_t*);
  size_t write_now(uv_buf_t* bufs, unsigned count);
  void write_wire(std::string bytes);
  // Runs the transport over `bytes` from the wire; false when it failed.
  bool through_transport(const char* bytes, size_t length);
  void deliver_plain(std::string_view plain);
  void deliver_held_plain();
  void submit(WriteRequest* request, const uv_buf_t* bufs, unsigned count);

  uv_tcp_t tcp_;
  BufferPool& pool_;
  SocketHandler* handler_;
  WriteLimits limits_;
  ChunkRef reading_chunk_;
  std::unique_ptr<Transport> transport_;
  bool transport_ready_ = false;
  bool delivering_ = false;  // inside deliver_plain(): read_start() must not deliver again
  std::string held_plain_;   // decoded bytes that came while the handler did not read
  uv_connect_t connect_req_;
  uv_shutdown_t shutdown_req_;
  size_t queued_ = 0;
  bool reading_ = false;
  bool closing_ = false;
  bool shutdown_requested_ = false;
};

}  // namespace sy::core
