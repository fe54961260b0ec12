// Cookies and hash keys: finding a cookie among several Cookie headers,
// sticky tokens that are stable and name-independent of addresses, and hash
// keys that follow the backend's hash_on (falling back to the address).
#include <doctest/doctest.h>

#include <arpa/inet.h>

#include "proxy/http/balancing_keys.hpp"
#include "proxy/http/parser.hpp"

using namespace sy::http;

namespace {

struct Head {
  Parser parser{Parser::Kind::request, {}};
  explicit Head(const std::string& text) { REQUIRE(parser.parse(text).event == Parser::Event::head); }
  const MessageHead& operator*() const { return parser.head(); }
};

sockaddr_storage ipv4(const char* text) {
  sockaddr_storage out{};
  auto& a = reinterpret_cast<sockaddr_in&>(out);
  a.sin_family = AF_INET;
  inet_pton(AF_INET, text, &a.sin_addr);
  return out;
}

}  // namespace

TEST_CASE("cookies: found by exact name among several headers, quotes removed") {
  Head head("GET / HTTP/1.1\r\nHost: h\r\nCookie: a=1; SRV=abc; b=2\r\nCookie: other=\"q v\"\r\n\r\n");
  CHECK(find_cookie(*head, "SRV") == "abc");
  CHECK(find_cookie(*head, "a") == "1");
  CHECK(find_cookie(*head, "other") == "q v");
  CHECK_FALSE(find_cookie(*head, "srv"));  // cookie names are case-sensitive
  CHECK_FALSE(find_cookie(*head, "SR"));
  Head none("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
  CHECK_FALSE(find_cookie(*none, "SRV"));
}

TEST_CASE("sticky tokens: 16 hex digits, stable, different per server and per backend") {
  std::string token = sticky_token("app", "app1");
  CHECK(token.size() == 16);
  CHECK(token.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(sticky_token("app", "app1") == token);
  CHECK(sticky_token("app", "app2") != token);
  CHECK(sticky_token("other", "app1") != token);
  CHECK(sticky_set_cookie("SRV", token) == "SRV=" + token + "; Path=/; HttpOnly");
}

TEST_CASE("hash keys follow hash_on and fall back to the client address") {
  sy::conf::Backend backend;
  Head alice("GET /cart?x=1 HTTP/1.1\r\nHost: h\r\nX-User: alice\r\nCookie: sid=s1\r\n\r\n");
  Head bob("GET /cart?x=2 HTTP/1.1\r\nHost: h\r\nX-User: bob\r\nCookie: sid=s2\r\n\r\n");
  Head anonymous("GET /other HTTP/1.1\r\nHost: h\r\n\r\n");
  auto a = ipv4("10.0.0.1"), b = ipv4("10.0.0.2");

  backend.hash_on = sy::conf::HashOn::source;
  CHECK(request_hash_key(backend, *alice, "/cart", a) == request_hash_key(backend, *bob, "/x", a));
  CHECK(request_hash_key(backend, *alice, "/cart", a) != request_hash_key(backend, *alice, "/cart", b));

  backend.hash_on = sy::conf::HashOn::path;
  CHECK(request_hash_key(backend, *alice, "/cart", a) == request_hash_key(backend, *bob, "/cart", b));
  CHECK(request_hash_key(backend, *alice, "/cart", a) != request_hash_key(backend, *alice, "/other", a));

  backend.hash_on = sy::conf::HashOn::header;
  backend.hash_name = "x-user";
  CHECK(request_hash_key(backend, *alice, "/", a) == request_hash_key(backend, *alice, "/", b));
  CHECK(request_hash_key(backend, *alice, "/", a) != request_hash_key(backend, *bob, "/", a));
  CHECK(request_hash_key(backend, *anonymous, "/", a) == request_hash_key(backend, *anonymous, "/", a));
  CHECK(request_hash_key(backend, *anonymous, "/", a) != request_hash_key(backend, *anonymous, "/", b));

  backend.hash_on = sy::conf::HashOn::cookie;
  backend.hash_name = "sid";
  CHECK(request_hash_key(backend, *alice, "/", a) == request_hash_key(backend, *alice, "/", b));
  CHECK(request_hash_key(backend, *alice, "/", a) != request_hash_key(backend, *bob, "/", a));
}
