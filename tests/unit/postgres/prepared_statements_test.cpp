// Statement definitions shared per worker, per-client names, per-server LRU.
#include "proxy/postgres/prepared_statements.hpp"

#include <doctest/doctest.h>

#include "pgwire/message.hpp"

using namespace sy::postgres;

TEST_CASE("prepared statements: the same body interns to one definition and one server name") {
  StatementRegistry registry;
  auto a = registry.intern(std::string("SELECT 1\0\0\0", 11));
  auto b = registry.intern(std::string("SELECT 1\0\0\0", 11));
  auto c = registry.intern(std::string("SELECT 2\0\0\0", 11));
  CHECK(a.get() == b.get());
  CHECK(a->server_name != c->server_name);
  CHECK(a->server_name.starts_with("sy_"));
  CHECK(a->server_name.size() == 19);
}

TEST_CASE("prepared statements: client names bind, rebind and close") {
  StatementRegistry registry;
  ClientStatements client;
  auto one = registry.intern("SELECT 1");
  auto two = registry.intern("SELECT 2");
  client.bind_name("s1", one);
  CHECK(client.find("s1") == one.get());
  client.bind_name("s1", two);
  CHECK(client.find("s1") == two.get());
  CHECK(client.erase("s1"));
  CHECK_FALSE(client.erase("s1"));
  CHECK(client.find("s1") == nullptr);
}

TEST_CASE("prepared statements: a server keeps at most capacity, evicting the least recently used") {
  StatementRegistry registry;
  ServerStatements server;
  auto a = registry.intern("A"), b = registry.intern("B"), c = registry.intern("C");
  CHECK_FALSE(server.add(*a, 2).has_value());
  CHECK_FALSE(server.add(*b, 2).has_value());
  CHECK(server.contains(a->key));  // a is now the most recent
  auto evicted = server.add(*c, 2);
  REQUIRE(evicted.has_value());
  CHECK(*evicted == b->server_name);
  CHECK(server.size() == 2);
  CHECK_FALSE(server.contains(b->key));
  server.forget(a->key);
  CHECK(server.size() == 1);
}

TEST_CASE("prepared statements: rewritten messages are well formed") {
  std::string parse = build_parse("sy_1", std::string("SELECT $1\0\0\1\0\0\0\x17", 16));
  auto scan = sy::pgwire::scan_message(parse);
  CHECK(scan.status == sy::pgwire::ScanStatus::complete);
  CHECK(scan.type == 'P');
  CHECK(scan.total_size() == parse.size());
  std::string bind = rename_bind("", std::string("\0\0\0\0\0\0", 6), "sy_1");
  sy::pgwire::PayloadReader reader(std::string_view(bind).substr(5));
  CHECK(reader.cstring() == "");
  CHECK(reader.cstring() == "sy_1");
  std::string describe = build_describe_statement("sy_1");
  CHECK(describe == std::string("D\0\0\0\x0aSsy_1\0", 11));
}
