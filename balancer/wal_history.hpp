// How far behind in time a replica is, measured against the primary's own
// WAL positions as the role checks saw them advance: a replica that has
// replayed up to position P is as old as the moment the primary first went
// past P. Unlike pg_last_xact_replay_timestamp() this needs no commit to
// have been replayed and is not fooled by an idle primary. Pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>

namespace sy::balancer {

class WalHistory {
 public:
  // The primary was at `position` at `now_ms`. Only advances are kept; a
  // position behind the last one (another server, a restore) starts afresh.
  void record(uint64_t now_ms, uint64_t position);
  // Milliseconds since the primary first went past `replayed`; 0 when it
  // never has (the replica has everything seen so far). Accurate to one
  // check interval; for a replica behind every kept sample, a lower bound.
  uint64_t lag_ms(uint64_t now_ms, uint64_t replayed) const;
  size_t size() const { return samples_.size(); }

  static constexpr size_t kMaxSamples = 4096;  // two per second: over half an hour

 private:
  struct Sample {
    uint64_t at_ms;
    uint64_t position;
  };
  std::deque<Sample> samples_;  // positions strictly increasing
};

}  // namespace sy::balancer
