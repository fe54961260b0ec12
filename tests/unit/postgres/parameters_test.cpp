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
