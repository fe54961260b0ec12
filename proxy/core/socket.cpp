// libuv plumbing for Socket; see socket.hpp.
#include "proxy/core/socket.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <cstring>

namespace sy::core {

struct Socket::WriteRequest {
  uv_write_t req;
  Socket* socket;
  Slice slice;                // a slice of a read chunk,
  std::string owned;          // bytes the proxy made itself,
  std::vector<Slice> slices;  // or several slices written at once
  size_t length;
};

Socket::Socket(uv_loop_t* loop, BufferPool& pool, SocketHandler* handler, WriteLimits limits)
    : pool_(pool), handler_(handler), limits_(limits) {
  uv_tcp_init(loop, &tcp_);
  tcp_.data = this;
}

int Socket::accept(uv_stream_t* listener) {
  int rc = uv_accept(listener, reinterpret_cast<uv_stream_t*>(&tcp_));
  if (rc == 0) uv_tcp_nodelay(&tcp_, 1);
  return rc;
}

DetachedConnection& DetachedConnection::operator=(DetachedConnection&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    transport_ = std::move(other.transport_);
  }
  return *this;
}

DetachedConnection::~DetachedConnection() {
  if (fd_ >= 0) ::close(fd_);
}

DetachedConnection Socket::detach() {
  uv_os_fd_t fd;
  if (uv_fileno(reinterpret_cast<const uv_handle_t*>(&tcp_), &fd) != 0) return {};
  int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) return {};
  transport_ready_ = false;
  return DetachedConnection(copy, std::move(transport_));
}

int Socket::attach(DetachedConnection connection) {
  int rc = uv_tcp_open(&tcp_, connection.fd_);
  if (rc != 0) return rc;  // the descriptor is closed with `connection`
  connection.fd_ = -1;
  uv_tcp_nodelay(&tcp_, 1);
  transport_ = std::move(connection.transport_);
  transport_ready_ = transport_ && transport_->established();
  return 0;
}

void Socket::start_transport(std::unique_ptr<Transport> transport, Slice already_read) {
  transport_ = std::move(transport);
  transport_ready_ = false;
  std::string wire;
  int rc = transport_->start(wire);
  write_wire(std::move(wire));
  if (rc < 0) return handler_->on_error(*this, rc);
  if (transport_->established() && !closing_) {
    transport_ready_ = true;
    handler_->on_transport_ready(*this);
  }
  if (already_read.length > 0 && !closing_) through_transport(already_read.data(), already_read.length);
}

bool Socket::through_transport(const char* bytes, size_t length) {
  std::string plain, wire;
  int rc = transport_->on_wire_bytes({bytes, length}, plain, wire);
  write_wire(std::move(wire));
  if (rc < 0) {
    read_stop();
    handler_->on_error(*this, rc);
    return false;
  }
  if (!transport_ready_ && transport_->established() && !closing_) {
    transport_ready_ = true;
    handler_->on_transport_ready(*this);
  }
  deliver_plain(plain);
  return true;
}

void Socket::deliver_plain(std::string_view plain) {
  // Behind bytes already held, in order.
  if (!held_plain_.empty()) {
    held_plain_.append(plain);
    return;
  }
  // Decoded bytes go to the handler in pooled chunks like any read, so
  // protocols keep slicing them without copies. A handler that stops
  // reading (backpressure, a hand-over) gets the rest from read_start().
  delivering_ = true;
  size_t at = 0;
  while (at < plain.size() && !closing_ && reading_) {
    ChunkRef chunk = pool_.acquire();
    uint32_t length = static_cast<uint32_t>(std::min<size_t>(chunk.capacity(), plain.size() - at));
    std::memcpy(chunk.data(), plain.data() + at, length);
    at += length;
    handler_->on_data(*this, Slice{std::move(chunk), 0, length});
  }
  delivering_ = false;
  if (at < plain.size() && !closing_) held_plain_.assign(plain.substr(at));
}

void Socket::deliver_held_plain() {
  std::string held = std::move(held_plain_);
  held_plain_.clear();
  deliver_plain(held);
}

int Socket::connect(const sockaddr* address) {
  connect_req_.data = this;
  int rc = uv_tcp_connect(&connect_req_, &tcp_, address, &Socket::on_connect_done);
  if (rc == 0) uv_tcp_nodelay(&tcp_, 1);
  return rc;
}

void Socket::on_connect_done(uv_connect_t* req, int status) {
  auto* self = static_cast<Socket*>(req->data);
  if (self->closing_) return;
  self->handler_->on_connect(*self, status);
}

void Socket::read_start() {
  if (reading_ || closing_) return;
  if (uv_read_start(reinterpret_cast<uv_stream_t*>(&tcp_), &Socket::on_alloc, &Socket::on_read) == 0) reading_ = true;
  if (reading_ && !held_plain_.empty() && !delivering_) deliver_held_plain();
}

void Socket::read_stop() {
  if (!reading_) return;
  uv_read_stop(reinterpret_cast<uv_stream_t*>(&tcp_));
  reading_ = false;
}

void Socket::on_alloc(uv_handle_t* handle, size_t, uv_buf_t* buf) {
  auto* self = static_cast<Socket*>(handle->data);
  // A fresh chunk per read: an idle connection then holds no buffer at all.
  self->reading_chunk_ = self->pool_.acquire();
  *buf = uv_buf_init(self->reading_chunk_.data(), self->reading_chunk_.capacity());
}

void Socket::on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t*) {
  auto* self = static_cast<Socket*>(stream->data);
  ChunkRef chunk = std::move(self->reading_chunk_);
  if (nread == 0 || self->closing_) return;  // EAGAIN, or data after we decided to close
  if (nread > 0) {
    if (self->transport_) self->through_transport(chunk.data(), static_cast<size_t>(nread));
    else self->handler_->on_data(*self, Slice{std::move(chunk), 0, static_cast<uint32_t>(nread)});
  } else if (nread == UV_EOF) {
    self->read_stop();
    self->handler_->on_eof(*self);
  } else {
    self->read_stop();
    self->handler_->on_error(*self, static_cast<int>(nread));
  }
}

// Drops the first `written` bytes from `bufs`; returns the new start.
static uv_buf_t* skip_written(uv_buf_t* bufs, unsigned& count, size_t written) {
  while (count > 0 && written >= bufs->len) {
    written -= bufs->len;
    ++bufs;
    --count;
  }
  if (count > 0) {
    bufs->base += written;
    bufs->len -= written;
  }
  return bufs;
}

size_t Socket::write_now(uv_buf_t* bufs, unsigned count) {
  // Only when nothing is queued, or bytes would overtake queued ones. Most
  // writes complete here: no request, no callback, no poll change.
  if (queued_ != 0) return 0;
  int written = uv_try_write(reinterpret_cast<uv_stream_t*>(&tcp_), bufs, count);
  return written > 0 ? static_cast<size_t>(written) : 0;  // errors surface through uv_write
}

void Socket::write(Slice slice) {
  if (closing_ || slice.length == 0) return;
  if (transport_) {
    std::string wire;
    if (int rc = transport_->encode({slice.data(), slice.length}, wire); rc < 0) return handler_->on_error(*this, rc);
    return write_wire(std::move(wire));
  }
  uv_buf_t buf = uv_buf_init(const_cast<char*>(slice.data()), slice.length);
  size_t written = write_now(&buf, 1);
  if (written == slice.length) return;
  if ((slice.length - written) * 8 < slice.chunk.capacity()) {
    // A small remainder would pin a whole chunk while it waits: copy it out,
    // so queued bytes and held memory stay about the same.
    write(std::string(slice.data() + written, slice.length - written));
    return;
  }
  auto* request = new WriteRequest{{}, this, std::move(slice), {}, {}, 0};
  unsigned count = 1;
  submit(request, skip_written(&buf, count, written), count);
}

void Socket::write(std::string bytes) {
  if (closing_ || bytes.empty()) return;
  if (transport_) {
    std::string wire;
    if (int rc = transport_->encode(bytes, wire); rc < 0) return handler_->on_error(*this, rc);
    return write_wire(std::move(wire));
  }
  write_wire(std::move(bytes));
}

void Socket::write_wire(std::string bytes) {
  if (closing_ || bytes.empty()) return;
  uv_buf_t buf = uv_buf_init(bytes.data(), static_cast<unsigned>(bytes.size()));
  size_t written = write_now(&buf, 1);
  if (written == bytes.size()) return;
  auto* request = new WriteRequest{{}, this, {}, std::move(bytes), {}, 0};
  buf = uv_buf_init(request->owned.data() + written, static_cast<unsigned>(request->owned.size() - written));
  submit(request, &buf, 1);
}

void Socket::write(std::vector<Slice> slices) {
  if (closing_ || slices.empty()) return;
  if (slices.size() == 1) return write(std::move(slices.front()));
  if (transport_) {
    // Small slices (a response head and a short body) are joined first, so
    // they travel as one TLS record: the peer decrypts one record, not one
    // per slice. A slice of a record's size or more is encrypted where it
    // lies: joining it would only copy it.
    constexpr size_t kRecordPlaintext = 16 * 1024;
    std::string wire, plain;
    auto encode = [&](std::string_view bytes) { return transport_->encode(bytes, wire); };
    for (const Slice& slice : slices) {
      std::string_view bytes(slice.data(), slice.length);
      if (plain.size() + bytes.size() <= kRecordPlaintext) {
        plain.append(bytes);
        continue;
      }
      if (!plain.empty()) {
        if (int rc = encode(plain); rc < 0) return handler_->on_error(*this, rc);
        plain.clear();
      }
      if (bytes.size() < kRecordPlaintext) {
        plain.append(bytes);
      } else if (int rc = encode(bytes); rc < 0) {
        return handler_->on_error(*this, rc);
      }
    }
    if (!plain.empty())
      if (int rc = encode(plain); rc < 0) return handler_->on_error(*this, rc);
    return write_wire(std::move(wire));
  }
  constexpr size_t kInline = 16;
  uv_buf_t inline_bufs[kInline];
  std::vector<uv_buf_t> many;
  uv_buf_t* bufs = inline_bufs;
  if (slices.size() > kInline) {
    many.resize(slices.size());
    bufs = many.data();
  }
  size_t total = 0;
  for (size_t i = 0; i < slices.size(); ++i) {
    bufs[i] = uv_buf_init(const_cast<char*>(slices[i].data()), slices[i].length);
    total += slices[i].length;
  }
  unsigned count = static_cast<unsigned>(slices.size());
  size_t written = write_now(bufs, count);
  if (written == total) return;
  // The buf array points into the slices' chunks, which the request keeps.
  auto* request = new WriteRequest{{}, this, {}, {}, std::move(slices), 0};
  uv_buf_t* rest = skip_written(bufs, count, written);
  submit(request, rest, count);
}

void Socket::submit(WriteRequest* request, const uv_buf_t* bufs, unsigned count) {
  size_t length = 0;
  for (unsigned i = 0; i < count; ++i) length += bufs[i].len;
  request->length = length;
  request->req.data = request;
  queued_ += length;
  // libuv copies the buf array; the bytes stay alive in the request.
  int rc = uv_write(&request->req, reinterpret_cast<uv_stream_t*>(&tcp_), bufs, count, &Socket::on_write);
  if (rc != 0) {
    queued_ -= length;
    delete request;
    handler_->on_error(*this, rc);
  }
}

void Socket::on_write(uv_write_t* req, int status) {
  auto* request = static_cast<WriteRequest*>(req->data);
  Socket* self = request->socket;
  bool was_above = self->queued_ > self->limits_.low_water;
  self->queued_ -= request->length;
  delete request;
  if (self->closing_) return;
  if (status < 0) {
    self->handler_->on_error(*self, status);
    return;
  }
  if (was_above && self->queued_ <= self->limits_.low_water) self->handler_->on_drained(*self);
}

void Socket::shutdown() {
  if (closing_ || shutdown_requested_) return;
  if (transport_) {
    std::string wire;
    transport_->close_notify(wire);
    write_wire(std::move(wire));
  }
  shutdown_requested_ = true;
  shutdown_req_.data = this;
  if (uv_shutdown(&shutdown_req_, reinterpret_cast<uv_stream_t*>(&tcp_), &Socket::on_shutdown) != 0) {
    shutdown_requested_ = false;
    handler_->on_error(*this, UV_ENOTCONN);
  }
}

void Socket::on_shutdown(uv_shutdown_t* req, int status) {
  auto* self = static_cast<Socket*>(req->data);
  if (self->closing_) return;
  if (status < 0) self->handler_->on_error(*self, status);
  else self->handler_->on_shutdown_done(*self);
}

void Socket::close() {
  if (closing_) return;
  closing_ = true;
  reading_ = false;
  uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), &Socket::on_close);
}

void Socket::on_close(uv_handle_t* handle) {
  auto* self = static_cast<Socket*>(handle->data);
  assert(self->queued_ == 0);
  self->handler_->on_closed(*self);
  delete self;
}

bool Socket::peer_address(sockaddr_storage& out) const {
  int length = sizeof out;
  return uv_tcp_getpeername(&tcp_, reinterpret_cast<sockaddr*>(&out), &length) == 0;
}

bool Socket::local_address(sockaddr_storage& out) const {
  int length = sizeof out;
  return uv_tcp_getsockname(&tcp_, reinterpret_cast<sockaddr*>(&out), &length) == 0;
}

}  // namespace sy::core
