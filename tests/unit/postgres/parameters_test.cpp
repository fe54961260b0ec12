// Tracked session parameters and the SET statements that sync them.
#include "proxy/postgres/parameters.hpp"

#include <doctest/doctest.h>

using namespace sy::postgres;

TEST_CASE("parameters: names are case-insensitive and keep their first spelling") {
  ParameterSet set;
  set.set("DateStyle", "ISO, MDY");
  set.set("datestyle", "ISO, DMY");
  REQUIRE(set.items().size() == 1);
  CHECK(set.items()[0].first == "DateStyle");
  CHECK(*set.find("DATESTYLE") == "ISO, DMY");
  CHECK(set.find("TimeZone") == nullptr);
}

TEST_CASE("parameters: only tracked parameters that differ are SET, quoted") {
  ParameterSet wanted, current;
  wanted.set("TimeZone", "Europe/Paris");
  wanted.set("application_name", "it's mine");
  wanted.set("client_encoding", "UTF8");
  wanted.set("server_version", "15");  // reported, not tracked
  current.set("TimeZone", "UTC");
  current.set("client_encoding", "UTF8");
  std::string sql = parameter_sync_sql(wanted, current, {});
  CHECK(sql == "SET TimeZone TO 'Europe/Paris';SET application_name TO 'it''s mine';");
  CHECK(parameter_sync_sql(current, current, {}).empty());
}

TEST_CASE("parameters: extra tracked names come from the configuration") {
  ParameterSet wanted, current;
  wanted.set("search_path", "app, public");
  CHECK(parameter_sync_sql(wanted, current, {}).empty());
  CHECK(parameter_sync_sql(wanted, current, {"search_path"}) == "SET search_path TO 'app, public';");
}

TEST_CASE("parameters: sets that agree on every tracked value have the same signature") {
  ParameterSet client, server;
  client.set("TimeZone", "UTC");
  client.set("application_name", "app");
  server.set("server_version", "15");  // not tracked: no part of the signature
  server.set("application_name", "app");
  server.set("timezone", "UTC");  // another spelling, another order
  CHECK(client.tracked_signature({}) == server.tracked_signature({}));
  CHECK(parameter_sync_sql(client, server, {}).empty());
  server.set("TimeZone", "Europe/Paris");  // a change is seen
  CHECK(client.tracked_signature({}) != server.tracked_signature({}));
  // An extra tracked name counts once configured.
  client.set("TimeZone", "Europe/Paris");
  client.set("search_path", "a");
  CHECK(client.tracked_signature({}) == server.tracked_signature({}));
  CHECK(client.tracked_signature({"search_path"}) != server.tracked_signature({"search_path"}));
  server.set("search_path", "a");
  CHECK(client.tracked_signature({"search_path"}) == server.tracked_signature({"search_path"}));
}
