// Replica lag in time, from the primary's WAL positions over time.
#include "balancer/wal_history.hpp"

#include <doctest/doctest.h>

using sy::balancer::WalHistory;

TEST_CASE("wal history: a replica that has everything seen so far has no lag") {
  WalHistory history;
  CHECK(history.lag_ms(1000, 0) == 0);  // nothing recorded yet
  history.record(1000, 100);
  history.record(1500, 200);
  CHECK(history.lag_ms(9000, 200) == 0);
  CHECK(history.lag_ms(9000, 250) == 0);  // ahead of the last check of the primary
}

TEST_CASE("wal history: lag is the time since the primary first went past the replayed position") {
  WalHistory history;
  history.record(1000, 100);
  history.record(1500, 200);
  history.record(2000, 300);
  CHECK(history.lag_ms(2600, 100) == 1100);  // first past 100 at 1500
  CHECK(history.lag_ms(2600, 150) == 1100);
  CHECK(history.lag_ms(2600, 200) == 600);   // first past 200 at 2000
  CHECK(history.lag_ms(2600, 50) == 1600);   // behind every sample: since the oldest
}

TEST_CASE("wal history: an idle primary does not make an up-to-date replica look old") {
  WalHistory history;
  history.record(1000, 500);
  for (uint64_t t = 1500; t < 600000; t += 500) history.record(t, 500);  // no writes for ten minutes
  CHECK(history.size() == 1);
  CHECK(history.lag_ms(600000, 500) == 0);
  // then a write the paused replica does not replay: its lag starts then
  history.record(600000, 600);
  CHECK(history.lag_ms(600000, 500) == 0);
  CHECK(history.lag_ms(603000, 500) == 3000);
}

TEST_CASE("wal history: a position going back starts afresh, and the history is bounded") {
  WalHistory history;
  history.record(1000, 1000);
  history.record(2000, 10);  // a different server's WAL
  CHECK(history.size() == 1);
  CHECK(history.lag_ms(2500, 5) == 500);
  for (uint64_t i = 0; i < WalHistory::kMaxSamples + 10; ++i) history.record(3000 + i, 100 + i);
  CHECK(history.size() == WalHistory::kMaxSamples);
}
