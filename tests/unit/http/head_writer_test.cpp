// Rewriting heads: hop-by-hop headers dropped, forwarding headers added or
// extended, request ids kept or added, route header rules, and the framing
// of the response toward the client.
#include <doctest/doctest.h>

#include "proxy/http/head_writer.hpp"
#include "proxy/http/parser.hpp"

using namespace sy::http;

namespace {

struct Parsed {
  Parser parser;
  Parsed(Parser::Kind kind, const std::string& head, bool head_request = false) : parser(kind, {}) {
    parser.set_head_request(head_request);
    REQUIRE(parser.parse(head).event == Parser::Event::head);
  }
  const MessageHead& head() const { return parser.head(); }
};

std::string request(const std::string& head_text, RequestHeadPlan plan) {
  Parsed parsed(Parser::Kind::request, head_text);
  std::string out;
  if (plan.target.empty()) plan.target = parsed.head().target();
  write_request_head(parsed.head(), plan, out);
  return out;
}

std::string response(const std::string& head_text, ResponseHeadPlan plan) {
  Parsed parsed(Parser::Kind::response, head_text);
  std::string out;
  write_response_head(parsed.head(), plan, out);
  return out;
}

RequestHeadPlan plain() {
  RequestHeadPlan plan;
  plan.add_forwarded = false;
  return plan;
}

}  // namespace

TEST_CASE("request head: hop-by-hop headers and those named in Connection are dropped") {
  auto out = request(
      "GET /x HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, X-Secret\r\nKeep-Alive: 300\r\nX-Secret: s\r\n"
      "TE: trailers\r\nProxy-Connection: keep-alive\r\nUpgrade: h2c\r\nAccept: */*\r\n\r\n",
      plain());
  CHECK(out == "GET /x HTTP/1.1\r\nHost: h\r\nAccept: */*\r\n\r\n");
}

TEST_CASE("request head: HTTP/1.0 requests go on as HTTP/1.1; the target is the rewritten one") {
  RequestHeadPlan plan = plain();
  plan.target = "/rewritten?q";
  CHECK(request("GET /orig HTTP/1.0\r\nHost: h\r\n\r\n", plan) == "GET /rewritten?q HTTP/1.1\r\nHost: h\r\n\r\n");
}

TEST_CASE("request head: chunked bodies keep their Transfer-Encoding, lengths stay") {
  CHECK(request("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", plain()) ==
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n");
  CHECK(request("POST / HTTP/1.1\r\nHost: h\r\nConnection: content-length\r\nContent-Length: 3\r\n\r\n", plain()) ==
        "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\n");
}

TEST_CASE("request head: X-Forwarded-* replace the client's unless trusted") {
  RequestHeadPlan plan;
  plan.client_ip = "10.0.0.9";
  const std::string spoofed =
      "GET / HTTP/1.1\r\nHost: shop.example\r\nX-Forwarded-For: 6.6.6.6\r\nX-Forwarded-Proto: https\r\n"
      "X-Forwarded-Host: evil\r\n\r\n";
  CHECK(request(spoofed, plan) ==
        "GET / HTTP/1.1\r\nHost: shop.example\r\nX-Forwarded-For: 10.0.0.9\r\nX-Forwarded-Proto: http\r\n"
        "X-Forwarded-Host: shop.example\r\n\r\n");
  plan.trust_forwarded = true;
  CHECK(request(spoofed, plan) ==
        "GET / HTTP/1.1\r\nHost: shop.example\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: evil\r\n"
        "X-Forwarded-For: 6.6.6.6, 10.0.0.9\r\n\r\n");
  CHECK(request("GET / HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 1.1.1.1\r\nx-forwarded-for: 2.2.2.2, 3.3.3.3\r\n\r\n",
                plan) ==
        "GET / HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 1.1.1.1, 2.2.2.2, 3.3.3.3, 10.0.0.9\r\n"
        "X-Forwarded-Proto: http\r\nX-Forwarded-Host: h\r\n\r\n");
}

TEST_CASE("request head: an absolute-form request gets its authority as Host") {
  RequestHeadPlan plan = plain();
  plan.target = "/p";
  plan.host = "api.example:8080";
  CHECK(request("GET http://api.example:8080/p HTTP/1.1\r\nHost: other\r\nA: 1\r\n\r\n", plan) ==
        "GET /p HTTP/1.1\r\nA: 1\r\nHost: api.example:8080\r\n\r\n");
}

TEST_CASE("request head: request ids are kept or added") {
  RequestHeadPlan plan = plain();
  plan.request_id_header = "X-Request-Id";
  plan.request_id = "generated";
  CHECK(request("GET / HTTP/1.1\r\nHost: h\r\n\r\n", plan) ==
        "GET / HTTP/1.1\r\nHost: h\r\nX-Request-Id: generated\r\n\r\n");
  CHECK(request("GET / HTTP/1.1\r\nHost: h\r\nx-request-id: from-client\r\n\r\n", plan) ==
        "GET / HTTP/1.1\r\nHost: h\r\nx-request-id: from-client\r\n\r\n");
}

TEST_CASE("request head: route header rules remove and set") {
  sy::conf::HttpRoute route;
  route.remove_request_headers = {"Cookie", "x-debug"};
  route.set_request_headers = {{"X-From", "switchyard"}, {"Accept", "text/plain"}};
  RequestHeadPlan plan = plain();
  plan.route = &route;
  CHECK(request("GET / HTTP/1.1\r\nHost: h\r\nCookie: a=b\r\nX-Debug: 1\r\nAccept: */*\r\nKeep: me\r\n\r\n", plan) ==
        "GET / HTTP/1.1\r\nHost: h\r\nKeep: me\r\nX-From: switchyard\r\nAccept: text/plain\r\n\r\n");
}

TEST_CASE("request head: an upgrade keeps Upgrade and says so in Connection") {
  RequestHeadPlan plan = plain();
  plan.upgrade = true;
  CHECK(request("GET /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                "Sec-WebSocket-Key: k\r\n\r\n",
                plan) ==
        "GET /ws HTTP/1.1\r\nHost: h\r\nSec-WebSocket-Key: k\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
}

TEST_CASE("response framing toward the client") {
  auto framing = [](const std::string& head, bool head_request, bool http10) {
    Parsed parsed(Parser::Kind::response, head, head_request);
    return choose_framing(parsed.head(), head_request, http10);
  };
  const std::string with_length = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n";
  const std::string chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  const std::string until_close = "HTTP/1.1 200 OK\r\n\r\n";
  CHECK(framing(with_length, false, false) == BodyFraming::length);
  CHECK(framing(with_length, true, false) == BodyFraming::none);
  CHECK(framing(chunked, false, false) == BodyFraming::chunked);
  CHECK(framing(chunked, false, true) == BodyFraming::close);
  CHECK(framing(until_close, false, false) == BodyFraming::chunked);
  CHECK(framing(until_close, false, true) == BodyFraming::close);
  CHECK(framing("HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n", false, false) == BodyFraming::none);
  CHECK(framing("HTTP/1.1 204 No Content\r\n\r\n", false, false) == BodyFraming::none);
}

TEST_CASE("response head: hop-by-hop dropped, framing and connection headers ours") {
  ResponseHeadPlan plan;
  plan.framing = BodyFraming::length;
  CHECK(response("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\nKeep-Alive: timeout=5\r\n\r\n", plan) ==
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n");
  plan.close_connection = true;
  CHECK(response("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", plan) ==
        "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  plan = {};
  plan.framing = BodyFraming::chunked;
  CHECK(response("HTTP/1.1 200 OK\r\nX: y\r\n\r\n", plan) == "HTTP/1.1 200 OK\r\nX: y\r\nTransfer-Encoding: chunked\r\n\r\n");
  CHECK(response("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\nTrailer: T\r\n\r\n", plan) ==
        "HTTP/1.1 200 OK\r\nTrailer: T\r\nTransfer-Encoding: gzip, chunked\r\n\r\n");
  plan.framing = BodyFraming::close;
  plan.close_connection = true;
  CHECK(response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: T\r\n\r\n", plan) ==
        "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
  plan = {};
  plan.keep_alive_http10 = true;
  CHECK(response("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", plan) ==
        "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n");
}

TEST_CASE("response head: route rules, sticky cookie, upgrade") {
  sy::conf::HttpRoute route;
  route.remove_response_headers = {"Server"};
  route.set_response_headers = {{"Cache-Control", "no-store"}};
  ResponseHeadPlan plan;
  plan.route = &route;
  plan.set_cookie = "SRV=abc; Path=/; HttpOnly";
  CHECK(response("HTTP/1.1 200 OK\r\nServer: nginx\r\nCache-Control: max-age=60\r\nContent-Length: 0\r\n\r\n", plan) ==
        "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nCache-Control: no-store\r\nSet-Cookie: SRV=abc; Path=/; HttpOnly\r\n\r\n");
  ResponseHeadPlan upgrade;
  upgrade.framing = BodyFraming::none;
  upgrade.upgrade = true;
  CHECK(response("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n"
                 "Sec-WebSocket-Accept: x\r\n\r\n",
                 upgrade) ==
        "HTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Accept: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
}

TEST_CASE("chunk size lines") {
  std::string out;
  append_chunk_size(out, 0);
  append_chunk_size(out, 10);
  append_chunk_size(out, 65536);
  CHECK(out == "0\r\na\r\n10000\r\n");
}
