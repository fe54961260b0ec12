// Patroni's GET /patroni answers (as Patroni 3 writes them, and with the
// "primary" role name of later versions) mapped to RoleReports, and the
// answers that must not count as a usable server.
#include <doctest/doctest.h>

#include "healthcheck/patroni_status.hpp"

using namespace sy::health;

namespace {

// 2024-05-01 12:00:00 UTC
constexpr double noon = 1714564800.0;

constexpr std::string_view leader = R"({"state": "running", "postmaster_start_time": "2024-05-01 11:00:00.000000+00:00",
  "role": "master", "server_version": 150004, "xlog": {"location": 67108960}, "timeline": 3,
  "replication": [{"usename": "replicator", "application_name": "node2", "client_addr": "127.0.0.1",
                   "state": "streaming", "sync_state": "async", "sync_priority": 0}],
  "dcs_last_seen": 1714564799, "database_system_identifier": "7364250000000000000",
  "patroni": {"version": "3.0.2", "scope": "demo"}})";

constexpr std::string_view lagging_replica = R"({"state": "running", "role": "replica", "server_version": 150004,
  "xlog": {"received_location": 67108960, "replayed_location": 67100000,
           "replayed_timestamp": "2024-05-01 11:59:57.500000+00:00", "paused": true},
  "timeline": 3, "dcs_last_seen": 1714564799, "patroni": {"version": "3.0.2", "scope": "demo"}})";

}  // namespace

TEST_CASE("patroni: the leader is out of recovery at its WAL position") {
  PatroniStatus status = parse_patroni_status(leader, noon);
  REQUIRE(status.usable);
  REQUIRE(status.role.has_value());
  CHECK_FALSE(status.role->in_recovery);
  CHECK(status.role->timeline == 3);
  CHECK(status.role->wal_lsn == 67108960);
  CHECK(status.role->receive_lsn == 0);
  CHECK(status.summary == "primary (Patroni role master, timeline 3)");

  std::string renamed(leader);
  renamed.replace(renamed.find("\"master\""), 8, "\"primary\"");
  PatroniStatus newer = parse_patroni_status(renamed, noon);
  REQUIRE(newer.role.has_value());
  CHECK_FALSE(newer.role->in_recovery);
}

TEST_CASE("patroni: a replica behind its upstream reports positions and replay delay") {
  PatroniStatus status = parse_patroni_status(lagging_replica, noon);
  REQUIRE(status.usable);
  REQUIRE(status.role.has_value());
  CHECK(status.role->in_recovery);
  CHECK(status.role->timeline == 3);
  CHECK(status.role->wal_lsn == 67100000);
  CHECK(status.role->receive_lsn == 67108960);
  CHECK(status.role->replay_delay_seconds == doctest::Approx(2.5));
  CHECK(status.summary == "replica (Patroni role replica, timeline 3), replay paused");
}

TEST_CASE("patroni: a replica that replayed all it received is not behind, however old its last commit") {
  std::string caught_up(lagging_replica);
  caught_up.replace(caught_up.find("67100000"), 8, "67108960");
  PatroniStatus status = parse_patroni_status(caught_up, noon);
  REQUIRE(status.role.has_value());
  CHECK(status.role->replay_delay_seconds == 0);
}

TEST_CASE("patroni: a standby cluster's leader is in recovery") {
  PatroniStatus status = parse_patroni_status(
      R"({"state": "running", "role": "standby_leader", "timeline": 1, "xlog": {"received_location": 5,
          "replayed_location": 5, "replayed_timestamp": null, "paused": false}})",
      noon);
  REQUIRE(status.role.has_value());
  CHECK(status.role->in_recovery);
  CHECK(status.role->wal_lsn == 5);
}

TEST_CASE("patroni: PostgreSQL not running, or an answer that is not Patroni's, is not usable") {
  CHECK(parse_patroni_status(R"({"state": "stopped", "role": "replica", "dcs_last_seen": 1})", noon).summary ==
        "PostgreSQL is stopped (Patroni, role replica)");
  CHECK(parse_patroni_status(R"({"state": "starting", "role": "replica"})", noon).usable == false);
  CHECK(parse_patroni_status(R"({"state": "running"})", noon).summary == "Patroni's answer has no \"role\"");
  CHECK(parse_patroni_status(R"({"role": "master"})", noon).summary == "Patroni's answer has no \"state\"");
  CHECK(parse_patroni_status("<html>nginx</html>", noon).summary == "Patroni's answer is not a JSON object");
  CHECK(parse_patroni_status("[1, 2]", noon).summary == "Patroni's answer is not a JSON object");
  CHECK(parse_patroni_status(R"({"state": "running", "role": "master")", noon).usable == false);  // cut short
  for (std::string_view text : {R"({"state": "stopped", "role": "master"})", "{}", ""})
    CHECK_FALSE(parse_patroni_status(text, noon).role.has_value());
}

TEST_CASE("patroni: odd field values read as unknown, not as garbage") {
  PatroniStatus status = parse_patroni_status(
      R"({"state": "running", "role": "replica", "timeline": null, "xlog": {"replayed_location": -1,
          "received_location": "12", "replayed_timestamp": "yesterday"}})",
      noon);
  REQUIRE(status.role.has_value());
  CHECK(status.role->timeline == 0);
  CHECK(status.role->wal_lsn == 0);
  CHECK(status.role->receive_lsn == 0);
  CHECK(status.role->replay_delay_seconds == 0);
}

TEST_CASE("patroni: timestamps as Python writes them, with a zone offset, T or Z") {
  CHECK(parse_patroni_timestamp("2024-05-01 12:00:00+00:00") == doctest::Approx(noon));
  CHECK(parse_patroni_timestamp("2024-05-01 12:00:00.250000+00:00") == doctest::Approx(noon + 0.25));
  CHECK(parse_patroni_timestamp("2024-05-01T14:00:00+02:00") == doctest::Approx(noon));
  CHECK(parse_patroni_timestamp("2024-05-01T09:30:00-02:30") == doctest::Approx(noon));
  CHECK(parse_patroni_timestamp("2024-05-01T12:00:00Z") == doctest::Approx(noon));
  CHECK(parse_patroni_timestamp("2024-05-01 12:00:00") == doctest::Approx(noon));
  for (std::string_view bad : {"", "yesterday", "2024-13-01 12:00:00+00:00", "2024-02-30 12:00:00",
                               "2024-05-01 12:00:00+0000", "2024-05-01 12:00"})
    CHECK_MESSAGE(!parse_patroni_timestamp(bad).has_value(), bad);
}
