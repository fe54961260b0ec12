// What a Socket's bytes pass through between the wire and its handler. A
// plain TCP socket has none: bytes go straight through and the fast path
// pays no virtual call. TLS is a Transport (the TLS issue adds it), installed
// with Socket::start_transport — at accept, after connect, or in the middle
// of a stream once the protocol's plain prelude is over (PostgreSQL's
// SSLRequest answered 'S') — so a protocol never knows whether its bytes are
// encrypted. A Transport is sans-I/O: it turns bytes into bytes, the Socket
// does the reading and writing.
#pragma once

#include <span>
#include <string>

namespace sy::core {

class Transport {
 public:
  virtual ~Transport() = default;

  // Installed on a socket: appends what must go on the wire first (a
  // client's hello) to `wire`. 0, or a negative libuv error code.
  virtual int start(std::string& wire) = 0;
  // Bytes read from the wire: appends what the peer meant to `plain` and
  // what must go back (handshake, alerts) to `wire`. 0, or a negative libuv
  // error code (UV_EPROTO) when the stream is broken.
  virtual int on_wire_bytes(std::span<const char> bytes, std::string& plain, std::string& wire) = 0;
  // Bytes the handler writes: appends their wire form to `wire` (holding
  // them back until the handshake is done is the transport's job).
  virtual int encode(std::span<const char> bytes, std::string& wire) = 0;
  // The handshake is done: the handler is told once (on_transport_ready).
  virtual bool established() const = 0;
  // Before our half-close: the transport's own goodbye, if it has one.
  virtual void close_notify(std::string& /*wire*/) {}
};

}  // namespace sy::core
