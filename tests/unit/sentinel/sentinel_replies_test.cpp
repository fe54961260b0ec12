// Sentinel replies and messages as Redis 7's Sentinel writes them.
#include <doctest/doctest.h>

#include "reply_bytes.hpp"
#include "sentinel/sentinel_replies.hpp"

using namespace sy::sentinel;
using namespace sy::sentinel::testing;

TEST_CASE("sentinel replies: get-master-addr-by-name gives the address, nil for an unknown name") {
  std::string problem;
  auto master = parse_master_address(*parse("*2\r\n$9\r\n127.0.0.1\r\n$4\r\n6380\r\n"), problem);
  REQUIRE(master.has_value());
  CHECK(master->host == "127.0.0.1");
  CHECK(master->port == 6380);
  CHECK(master->to_string() == "127.0.0.1:6380");
  CHECK(problem.empty());

  CHECK_FALSE(parse_master_address(*parse("*-1\r\n"), problem).has_value());
  CHECK(problem.empty());
  CHECK_FALSE(parse_master_address(*parse("$-1\r\n"), problem).has_value());
  CHECK(problem.empty());
}

TEST_CASE("sentinel replies: errors and malformed addresses are problems") {
  std::string problem;
  CHECK_FALSE(parse_master_address(*parse("-NOAUTH Authentication required.\r\n"), problem).has_value());
  CHECK(problem == "NOAUTH Authentication required.");
  problem.clear();
  CHECK_FALSE(parse_master_address(*parse("*2\r\n$9\r\n127.0.0.1\r\n$5\r\n99999\r\n"), problem).has_value());
  CHECK(problem == "malformed get-master-addr-by-name reply");
  problem.clear();
  CHECK_FALSE(parse_master_address(*parse("*1\r\n$9\r\n127.0.0.1\r\n"), problem).has_value());
  CHECK(problem == "malformed get-master-addr-by-name reply");
}

TEST_CASE("sentinel replies: replicas with their flags; down and disconnected ones are not usable") {
  std::string problem;
  auto instances = parse_instances(*parse("*3\r\n" + instance("127.0.0.1", "6381", "slave") +
                                          instance("127.0.0.1", "6382", "s_down,slave,disconnected") +
                                          instance("10.0.0.3", "6383", "slave,o_down")),
                                   problem);
  CHECK(problem.empty());
  REQUIRE(instances.size() == 3);
  CHECK(instances[0].endpoint == Endpoint{"127.0.0.1", 6381});
  CHECK(instances[0].usable());
  CHECK(instances[1].flags == "s_down,slave,disconnected");
  CHECK_FALSE(instances[1].usable());
  CHECK(instances[2].endpoint == Endpoint{"10.0.0.3", 6383});
  CHECK_FALSE(instances[2].usable());
}

TEST_CASE("sentinel replies: instances without ip or a valid port are skipped; an error is a problem") {
  std::string problem;
  auto instances =
      parse_instances(*parse("*3\r\n*2\r\n" + bulk("ip") + bulk("127.0.0.1") + instance("127.0.0.1", "x", "slave") +
                             instance("127.0.0.1", "26380", "sentinel")),
                      problem);
  REQUIRE(instances.size() == 1);
  CHECK(instances[0].endpoint.port == 26380);
  CHECK(parse_instances(*parse("*0\r\n"), problem).empty());
  CHECK(problem.empty());
  CHECK(parse_instances(*parse("-ERR No such master with that name\r\n"), problem).empty());
  CHECK(problem == "ERR No such master with that name");
}

TEST_CASE("sentinel messages: +switch-master names the group, the old and the new master") {
  auto change = parse_switch_master("mymaster 127.0.0.1 6379 127.0.0.1 6380");
  REQUIRE(change.has_value());
  CHECK(change->master_name == "mymaster");
  CHECK(change->from == Endpoint{"127.0.0.1", 6379});
  CHECK(change->to == Endpoint{"127.0.0.1", 6380});
  CHECK_FALSE(parse_switch_master("mymaster 127.0.0.1 6379 127.0.0.1").has_value());
  CHECK_FALSE(parse_switch_master("mymaster 127.0.0.1 6379 127.0.0.1 x").has_value());
  CHECK_FALSE(parse_switch_master("").has_value());
}

TEST_CASE("sentinel messages: instance events about the master or one of its replicas") {
  CHECK(event_concerns("master mymaster 127.0.0.1 6379", "mymaster"));
  CHECK(event_concerns("master mymaster 127.0.0.1 6379 #quorum 2/2", "mymaster"));
  CHECK_FALSE(event_concerns("master other 127.0.0.1 6379", "mymaster"));
  CHECK(event_concerns("slave 127.0.0.1:6380 127.0.0.1 6380 @ mymaster 127.0.0.1 6379", "mymaster"));
  CHECK_FALSE(event_concerns("slave 127.0.0.1:6380 127.0.0.1 6380 @ other 127.0.0.1 6379", "mymaster"));
  CHECK(event_concerns("sentinel 3f1c 127.0.0.1 26380 @ mymaster 127.0.0.1 6379", "mymaster"));
  CHECK_FALSE(event_concerns("mymaster", "mymaster"));
}

TEST_CASE("sentinel replies: IPv6 endpoints print with brackets") {
  CHECK((Endpoint{"::1", 6379}.to_string()) == "[::1]:6379");
}

TEST_CASE("sentinel replies: SENTINEL master says whether this Sentinel is failing the master over") {
  auto leading = parse_instance(*parse(instance("127.0.0.1", "6379", "master,o_down,failover_in_progress")));
  REQUIRE(leading.has_value());
  CHECK(leading->endpoint == Endpoint{"127.0.0.1", 6379});
  CHECK(leading->failing_over());
  auto watching = parse_instance(*parse(instance("127.0.0.1", "6379", "master,s_down,o_down")));
  REQUIRE(watching.has_value());
  CHECK_FALSE(watching->failing_over());
  // The answer for a name it does not monitor is an error: no instance.
  CHECK_FALSE(parse_instance(*parse("-ERR No such master with that name\r\n")).has_value());
}
