// Socket over loopback: plain bytes, a Transport installed mid-stream on one
// side and then the other (what the wire carries, what the handler sees,
// the readiness callback), a transport failure, half-close, and a
// connection detached from one loop and attached on another with its
// transport state.
#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "proxy/core/socket.hpp"
#include "tests/unit/core/loopback.hpp"

namespace sy::core {
namespace {

using test::Listener;
using test::Recorder;
using test::run_until;

// A stand-in for TLS: a one-byte "hello" each way before it is established,
// then every byte XORed with a key that advances with the stream (so a
// transport moved to another socket must carry its position). A byte 0xff
// after the hello breaks the stream.
class XorTransport final : public Transport {
 public:
  explicit XorTransport(bool sends_hello) : sends_hello_(sends_hello) {}

  int start(std::string& wire) override {
    if (sends_hello_) wire.push_back('H');
    return 0;
  }
  int on_wire_bytes(std::span<const char> bytes, std::string& plain, std::string& wire) override {
    for (char c : bytes) {
      if (!peer_hello_) {
        if (c != 'H') return UV_EPROTO;
        peer_hello_ = true;
        if (!sends_hello_) wire.push_back('H');  // the answer
        sends_hello_ = true;
        wire += held_back_;  // written before the handshake was done
        held_back_.clear();
        continue;
      }
      if (static_cast<unsigned char>(c) == 0xff) return UV_EPROTO;
      plain.push_back(static_cast<char>(c ^ in_key_++));
    }
    return 0;
  }
  int encode(std::span<const char> bytes, std::string& wire) override {
    std::string& out = established() ? wire : held_back_;
    for (char c : bytes) out.push_back(static_cast<char>(c ^ out_key_++));
    return 0;
  }
  bool established() const override { return peer_hello_ && sends_hello_; }
  void close_notify(std::string& wire) override { wire.push_back(static_cast<char>(0xfe ^ out_key_++)); }

 private:
  bool sends_hello_;
  bool peer_hello_ = false;
  unsigned char in_key_ = 1, out_key_ = 1;
  std::string held_back_;
};

std::string xored(std::string_view text, unsigned char key) {
  std::string out;
  for (char c : text) out.push_back(static_cast<char>(c ^ key++));
  return out;
}

struct Pair {
  uv_loop_t loop;
  BufferPool pool{16 * 1024};
  Recorder client_side, server_side;
  std::unique_ptr<Listener> listener;
  Socket* client = nullptr;
  Socket* server = nullptr;

  Pair() {
    uv_loop_init(&loop);
    listener = std::make_unique<Listener>(&loop, pool, &server_side);
    client = new Socket(&loop, pool, &client_side);
    REQUIRE(client->connect(listener->address()) == 0);
    REQUIRE(run_until(&loop, [&] { return client_side.connect_status == 0 && listener->accepted; }));
    server = listener->accepted;
    client->read_start();
  }
  ~Pair() {
    if (!client_side.closed) client->close();
    if (!server_side.closed) server->close();
    run_until(&loop, [&] { return client_side.closed && server_side.closed; });
    listener.reset();
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(uv_loop_close(&loop) == 0);
  }
};

TEST_CASE("plain bytes go through unchanged, both ways, in order") {
  Pair p;
  p.client->write(std::string("ping"));
  p.server->write(std::string("pong"));
  REQUIRE(run_until(&p.loop, [&] { return p.server_side.received == "ping" && p.client_side.received == "pong"; }));
  CHECK(p.client->transport() == nullptr);
  CHECK(p.client_side.ready == 0);
}

TEST_CASE("a transport started after a plain prelude: the peer sees its hello, written bytes wait for the handshake") {
  Pair p;
  // A plain prelude first, as PostgreSQL's SSLRequest and its 'S' answer.
  p.client->write(std::string("?"));
  REQUIRE(run_until(&p.loop, [&] { return p.server_side.received == "?"; }));
  p.client->start_transport(std::make_unique<XorTransport>(/*sends_hello=*/true));
  p.client->write(std::string("secret"));  // before the handshake: held back
  // The server is still plain: it sees the hello and nothing else yet.
  REQUIRE(run_until(&p.loop, [&] { return p.server_side.received == "?H"; }));
  CHECK(p.client_side.ready == 0);

  CHECK_FALSE(p.client->transport()->established());
}

TEST_CASE("both sides on the transport: handshake, readiness once, held-back bytes, data both ways") {
  Pair p;
  p.server->start_transport(std::make_unique<XorTransport>(/*sends_hello=*/false));
  p.client->start_transport(std::make_unique<XorTransport>(/*sends_hello=*/true));
  p.client->write(std::string("hello server"));  // held back until the answer
  REQUIRE(run_until(&p.loop, [&] { return p.server_side.received == "hello server"; }));
  REQUIRE(run_until(&p.loop, [&] { return p.client_side.ready == 1 && p.server_side.ready == 1; }));
  std::string big(100 * 1024, 'x');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
  p.server->write(std::string(big));
  REQUIRE(run_until(&p.loop, [&] { return p.client_side.received.size() == big.size(); }));
  CHECK(p.client_side.received == big);  // spread over several pooled chunks
  CHECK(p.client_side.ready == 1);
  CHECK(p.server_side.ready == 1);
}

TEST_CASE("the transport's bytes are what the peer reads when it is plain") {
  Pair p;
  p.client->start_transport(std::make_unique<XorTransport>(/*sends_hello=*/true));
  // A plain server answers the hello by hand: now the client is established.
  p.server->write(std::string("H"));
  REQUIRE(run_until(&p.loop, [&] { return p.client_side.ready == 1; }));
  p.client->write(std::string("abc"));
  REQUIRE(run_until(&p.loop, [&] { return p.server_side.received == "H" + xored("abc", 1); }));
  p.server->write(xored("xyz", 1));
  REQUIRE(run_until(&p.loop, [&] { return p.client_side.received == "xyz"; }));
}

TEST_CASE("a broken stream is an error to the handler, nothing is delivered after it") {
  Pair p;
  p.client->start_transport(std::make_unique<XorTransport>(/*sends_hello=*/true));
  p.server->write(std::string("Z"));  // not a hello
  REQUIRE(run_until(&p.loop, [&] { return p.client_side.error != 0; }));
  CHECK(p.client_side.error == UV_EPROTO);
  CHECK(p.client_side.received.empty());
  CHECK_FALSE(p.client->reading());
}

TEST_CASE("half-close sends the transport's goodbye first, then EOF") {
  Pair p;
  p.client->start_transport(std::make_unique<XorTransport>(/*sends_hello=*/true));
  p.server->write(std::string("H"));
  REQUIRE(run_until(&p.loop, [&] { return p.client_side.ready == 1; }));
  p.client->shutdown();
  REQUIRE(run_until(&p.loop, [&] { return p.server_side.eof; }));
  CHECK(p.server_side.received == "H" + xored("\xfe", 1));
}

TEST_CASE("a connection detached from one loop and attached on another keeps its transport's state") {
  Pair p;
  p.server->start_transport(std::make_unique<XorTransport>(/*sends_hello=*/false));
  p.client->start_transport(std::make_unique<XorTransport>(/*sends_hello=*/true));
  p.client->write(std::string("one"));
  REQUIRE(run_until(&p.loop, [&] { return p.server_side.received == "one" && p.client_side.ready == 1; }));

  DetachedConnection moving = p.client->detach();
  REQUIRE(moving.valid());
  CHECK(p.client->transport() == nullptr);
  p.client->close();  // the old socket goes; the connection lives on in `moving`

  uv_loop_t other;
  uv_loop_init(&other);
  BufferPool other_pool(4 * 1024);
  Recorder moved_side;
  auto* moved = new Socket(&other, other_pool, &moved_side);
  REQUIRE(moved->attach(std::move(moving)) == 0);
  REQUIRE(moved->transport() != nullptr);
  moved->read_start();
  moved->write(std::string("two"));  // the key stream goes on where it was
  p.server->write(std::string("back"));
  for (int i = 0; i < 200 && (p.server_side.received != "onetwo" || moved_side.received != "back"); ++i) {
    uv_run(&p.loop, UV_RUN_NOWAIT);
    uv_run(&other, UV_RUN_NOWAIT);
    uv_sleep(1);
  }
  CHECK(p.server_side.received == "onetwo");
  CHECK(moved_side.received == "back");
  CHECK(moved_side.ready == 0);  // it was ready before the move: not told again
  moved->close();
  uv_run(&other, UV_RUN_DEFAULT);
  CHECK(moved_side.closed);
  CHECK(uv_loop_close(&other) == 0);
}

TEST_CASE("a detached connection nobody attaches closes its descriptor") {
  Pair p;
  {
    DetachedConnection dropped = p.client->detach();
    REQUIRE(dropped.valid());
  }
  p.client->close();  // the last descriptor of the client end is gone now
  REQUIRE(run_until(&p.loop, [&] { return p.server_side.eof; }));
}

}  // namespace
}  // namespace sy::core
