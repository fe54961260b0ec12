// The majority rule over one round of Sentinel answers.
#include <doctest/doctest.h>

#include "sentinel/master_vote.hpp"

using namespace sy::sentinel;

namespace {

const Endpoint a{"127.0.0.1", 6379};
const Endpoint b{"127.0.0.1", 6380};
const Endpoint c{"127.0.0.1", 6381};

SentinelAnswer naming(const Endpoint& master, std::vector<Endpoint> replicas = {}) {
  return {true, master, std::move(replicas)};
}
const SentinelAnswer unreachable{};

}  // namespace

TEST_CASE("vote: all three Sentinels agree") {
  std::vector<SentinelAnswer> answers = {naming(a, {b, c}), naming(a, {b, c}), naming(a, {c, b})};
  Vote vote = count_votes(answers);
  REQUIRE(vote.master.has_value());
  CHECK(*vote.master == a);
  CHECK(vote.votes == 3);
  CHECK(vote.reachable == 3);
  CHECK(vote.replicas == std::vector<Endpoint>{b, c});
  CHECK(vote.summary == "3/3 Sentinels name 127.0.0.1:6379");
}

TEST_CASE("vote: two of three after a switch, the third still names the old master") {
  std::vector<SentinelAnswer> answers = {naming(b, {a}), naming(a, {b}), naming(b)};
  Vote vote = count_votes(answers);
  REQUIRE(vote.master.has_value());
  CHECK(*vote.master == b);
  CHECK(vote.votes == 2);
  // Replicas from the Sentinels that named the winner only.
  CHECK(vote.replicas == std::vector<Endpoint>{a});
}

TEST_CASE("vote: the majority is of the Sentinels that answered") {
  std::vector<SentinelAnswer> answers = {naming(b), unreachable, unreachable};
  Vote vote = count_votes(answers);
  REQUIRE(vote.master.has_value());
  CHECK(vote.summary == "1/1 Sentinels name 127.0.0.1:6380");
}

TEST_CASE("vote: half is not a majority") {
  std::vector<SentinelAnswer> answers = {naming(a), naming(b), unreachable};
  Vote vote = count_votes(answers);
  CHECK_FALSE(vote.master.has_value());
  CHECK(vote.votes == 1);
  CHECK(vote.reachable == 2);
  CHECK(vote.summary == "no majority: at most 1/2 Sentinels name the same master (2 named)");

  std::vector<SentinelAnswer> four = {naming(a), naming(a), naming(b), naming(b)};
  CHECK_FALSE(count_votes(four).master.has_value());
}

TEST_CASE("vote: a Sentinel that does not know the name answers without a vote") {
  SentinelAnswer unaware{true, std::nullopt, {}};
  std::vector<SentinelAnswer> answers = {naming(a), unaware, unaware};
  Vote vote = count_votes(answers);
  CHECK_FALSE(vote.master.has_value());
  CHECK(vote.reachable == 3);

  std::vector<SentinelAnswer> none_know = {unaware, unaware};
  CHECK(count_votes(none_know).summary == "no Sentinel that answered knows the master name");
}

TEST_CASE("vote: nobody answered") {
  std::vector<SentinelAnswer> answers = {unreachable, unreachable};
  Vote vote = count_votes(answers);
  CHECK_FALSE(vote.master.has_value());
  CHECK(vote.reachable == 0);
  CHECK(vote.summary == "no Sentinel answered");
  CHECK(count_votes({}).summary == "no Sentinel answered");
}

TEST_CASE("vote: a Sentinel listing the master among its replicas does not make it one") {
  std::vector<SentinelAnswer> answers = {naming(b, {a, b}), naming(b, {c})};
  Vote vote = count_votes(answers);
  CHECK(vote.replicas == std::vector<Endpoint>{a, c});
}

TEST_CASE("vote: a Sentinel failing the named master over is reported beside the name") {
  SentinelAnswer leader = naming(a, {b});
  leader.failing_over = a;
  std::vector<SentinelAnswer> answers = {naming(a, {b}), leader, naming(a, {b})};
  Vote vote = count_votes(answers);
  REQUIRE(vote.master.has_value());
  CHECK(*vote.master == a);
  CHECK(vote.failing_over);
  CHECK(vote.summary == "3/3 Sentinels name 127.0.0.1:6379; a Sentinel is failing it over");
  // The leader may already name the promoted replica; the failover is still of a.
  answers[1].master = b;
  Vote during = count_votes(answers);
  REQUIRE(during.master.has_value());
  CHECK(*during.master == a);
  CHECK(during.failing_over);
  // A failover of another address (an older one) says nothing about the named master.
  answers[1].failing_over = c;
  CHECK_FALSE(count_votes(answers).failing_over);
  // Nor does an unreachable Sentinel's.
  answers[1] = unreachable;
  answers[1].failing_over = a;
  CHECK_FALSE(count_votes(answers).failing_over);
}
