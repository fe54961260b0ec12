// Route matching (hosts exact and wildcard, path prefix, methods, headers,
// first match wins) and the target sent on after prefix strip/rewrite.
#include <doctest/doctest.h>

#include "proxy/http/routing.hpp"
#include "tests/unit/http/transcript.hpp"

using namespace sy::http;
using sy::conf::HttpRoute;

namespace {

// Parses a request head and matches it against `routes`: the chosen
// route's name, or "none".
struct Request {
  Parser parser{Parser::Kind::request, {}};
  explicit Request(const std::string& head) { REQUIRE(parser.parse(head).event == Parser::Event::head); }
  std::string route(const std::vector<HttpRoute>& routes) {
    const MessageHead& head = parser.head();
    RequestTarget target = split_target(head.target());
    std::string_view authority = !target.authority.empty() ? target.authority : head.find("host").value_or("");
    const HttpRoute* match = match_route(routes, {host_without_port(authority), target.path, &head});
    return match ? match->name : "none";
  }
};

std::string get(std::string_view path, std::string_view host, std::string_view more = "") {
  return "GET " + std::string(path) + " HTTP/1.1\r\nHost: " + std::string(host) + "\r\n" + std::string(more) + "\r\n";
}

HttpRoute route(std::string name, std::string backend = "b") {
  HttpRoute r;
  r.name = std::move(name);
  r.backend = std::move(backend);
  return r;
}

std::string forwarded(const HttpRoute* r, std::string_view target_text) {
  std::string out;
  append_forwarded_target(r, split_target(target_text), out);
  return out;
}

}  // namespace

TEST_CASE("routing: hosts match exactly, without the port, in any case") {
  auto api = route("api");
  api.hosts = {"api.example.com"};
  std::vector<HttpRoute> routes = {api};
  CHECK(Request(get("/", "api.example.com")).route(routes) == "api");
  CHECK(Request(get("/", "API.Example.COM:8080")).route(routes) == "api");
  CHECK(Request(get("/", "www.example.com")).route(routes) == "none");
  CHECK(Request(get("/", "api.example.com.evil")).route(routes) == "none");
}

TEST_CASE("routing: *.suffix matches subdomains only") {
  auto wild = route("wild");
  wild.hosts = {"*.example.com"};
  std::vector<HttpRoute> routes = {wild};
  CHECK(Request(get("/", "a.example.com")).route(routes) == "wild");
  CHECK(Request(get("/", "a.b.example.com")).route(routes) == "wild");
  CHECK(Request(get("/", "example.com")).route(routes) == "none");
  CHECK(Request(get("/", "badexample.com")).route(routes) == "none");
  CHECK(host_matches("*.example.com", "X.EXAMPLE.com"));
}

TEST_CASE("routing: path prefix, methods and header conditions") {
  auto api = route("api");
  api.path_prefix = "/api/";
  auto writes = route("writes");
  writes.methods = {"POST", "PUT"};
  auto canary = route("canary");
  canary.headers = {{"X-Canary", "1"}};
  auto debug = route("debug");
  debug.headers = {{"X-Debug", std::nullopt}};
  std::vector<HttpRoute> routes = {api, writes, canary, debug};
  CHECK(Request(get("/api/users?x=1", "h")).route(routes) == "api");
  CHECK(Request(get("/apix", "h")).route(routes) == "none");
  CHECK(Request("POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n").route(routes) == "writes");
  CHECK(Request(get("/x", "h", "x-canary: 1\r\n")).route(routes) == "canary");
  CHECK(Request(get("/x", "h", "X-Canary: 2\r\n")).route(routes) == "none");
  CHECK(Request(get("/x", "h", "X-Canary: 2\r\nX-Canary: 1\r\n")).route(routes) == "canary");
  CHECK(Request(get("/x", "h", "X-Debug: \r\n")).route(routes) == "debug");
}

TEST_CASE("routing: every condition of a route must hold; the first matching route wins") {
  auto both = route("both");
  both.hosts = {"a.com"};
  both.path_prefix = "/static";
  auto host_only = route("host_only");
  host_only.hosts = {"a.com"};
  auto catch_all = route("catch_all");
  std::vector<HttpRoute> routes = {both, host_only, catch_all};
  CHECK(Request(get("/static/x.css", "a.com")).route(routes) == "both");
  CHECK(Request(get("/index", "a.com")).route(routes) == "host_only");
  CHECK(Request(get("/static/x.css", "b.com")).route(routes) == "catch_all");
}

TEST_CASE("routing: absolute-form targets route by their authority") {
  auto api = route("api");
  api.hosts = {"api.example.com"};
  api.path_prefix = "/v1";
  std::vector<HttpRoute> routes = {api};
  CHECK(Request("GET http://api.example.com:80/v1/x?y HTTP/1.1\r\nHost: other\r\n\r\n").route(routes) == "api");
  RequestTarget target = split_target("http://api.example.com:80/v1/x?y");
  CHECK(target.authority == "api.example.com:80");
  CHECK(target.path == "/v1/x");
  CHECK(target.query == "y");
  CHECK(split_target("http://h").path == "/");
  CHECK_FALSE(split_target("ftp://h/x").valid);
  CHECK_FALSE(split_target("http://user@h/x").valid);
  CHECK(host_without_port("[::1]:8080") == "[::1]");
  CHECK(host_without_port("h") == "h");
}

TEST_CASE("routing: prefix strip and rewrite keep the query") {
  auto strip = route("strip");
  strip.path_prefix = "/api";
  strip.strip_prefix = true;
  CHECK(forwarded(&strip, "/api/users?id=7") == "/users?id=7");
  CHECK(forwarded(&strip, "/api") == "/");
  CHECK(forwarded(&strip, "/api?x") == "/?x");
  CHECK(forwarded(&strip, "/apiary") == "/ary");

  auto rewrite = route("rewrite");
  rewrite.path_prefix = "/old/";
  rewrite.rewrite_prefix = "/new/";
  CHECK(forwarded(&rewrite, "/old/page?q=1") == "/new/page?q=1");
  auto to_root = route("to_root");
  to_root.path_prefix = "/app";
  to_root.rewrite_prefix = "/";
  CHECK(forwarded(&to_root, "/app/x") == "/x");
  CHECK(forwarded(&to_root, "/app") == "/");

  CHECK(forwarded(nullptr, "/same?") == "/same?");
  CHECK(forwarded(nullptr, "http://h:1/p?q") == "/p?q");
}
