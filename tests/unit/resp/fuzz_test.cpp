// Fixed-seed fuzzing of both framers: random bytes and random edits of valid
// requests and replies must keep the invariants of framing_invariants.hpp
// (the same checks the libFuzzer target runs), under ASan/UBSan too.
#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include "tests/unit/resp/framing_invariants.hpp"

namespace {

constexpr int kRounds = 3000;

class Fuzzer {
 public:
  explicit Fuzzer(uint32_t seed) : rng_(seed) {}

  size_t below(size_t n) { return n == 0 ? 0 : std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
  // Bytes that steer the framers turn up more often than at random.
  char interesting_byte() {
    static constexpr std::string_view kInteresting = std::string_view("\r\n*$+-:_,#!=(%~>|?0123456789 \"'\\x\0", 35);
    return below(3) == 0 ? char(below(256)) : kInteresting[below(kInteresting.size())];
  }
  std::string random_bytes(size_t max_length) {
    std::string out(below(max_length + 1), '\0');
    for (char& c : out) c = interesting_byte();
    return out;
  }
  std::string mutate(std::string text) {
    for (size_t edits = 1 + below(3); edits > 0; --edits) {
      size_t at = below(text.size() + 1);
      switch (below(4)) {
        case 0: if (at < text.size()) text[at] = interesting_byte(); break;
        case 1: text.insert(at, 1, interesting_byte()); break;
        case 2: if (at < text.size()) text.erase(at, 1 + below(4)); break;
        default: text.insert(at, text.substr(below(text.size() + 1), below(8))); break;  // repeat a piece
      }
    }
    return text;
  }

 private:
  std::mt19937 rng_;
};

const std::vector<std::string> kValid = {
    "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n",
    "*5\r\n$4\r\nEVAL\r\n$8\r\nreturn 1\r\n$1\r\n1\r\n$1\r\nk\r\n$1\r\nv\r\n",
    "*6\r\n$5\r\nXREAD\r\n$5\r\nBLOCK\r\n$1\r\n0\r\n$7\r\nSTREAMS\r\n$1\r\ns\r\n$1\r\n$\r\n",
    "SET k \"a\\x41\\n b\" 'it\\'s'\r\nPING\n",
    "+OK\r\n-ERR no\r\n:42\r\n$5\r\nhello\r\n$-1\r\n*-1\r\n",
    "*2\r\n*1\r\n:1\r\n%1\r\n+k\r\n~1\r\n_\r\n",
    "|1\r\n+ttl\r\n:3600\r\n>3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n",
    "!10\r\nERR failed\r\n=15\r\ntxt:Some string\r\n,1.5\r\n#t\r\n(123\r\n",
};

}  // namespace

TEST_CASE("fuzz: random bytes keep the framing invariants") {
  Fuzzer fuzzer(20240611);
  for (int round = 0; round < kRounds; ++round) {
    std::string input = fuzzer.random_bytes(96);
    CAPTURE(input);
    const char* problem = sy::resp::test::check_framing_invariants(input, fuzzer.below(input.size() + 1));
    REQUIRE_MESSAGE(problem == nullptr, (problem ? problem : ""));
  }
}

TEST_CASE("fuzz: edited valid requests and replies keep the framing invariants") {
  Fuzzer fuzzer(7);
  for (int round = 0; round < kRounds; ++round) {
    std::string input = fuzzer.mutate(kValid[fuzzer.below(kValid.size())]);
    CAPTURE(input);
    const char* problem = sy::resp::test::check_framing_invariants(input, fuzzer.below(input.size() + 1));
    REQUIRE_MESSAGE(problem == nullptr, (problem ? problem : ""));
  }
}

TEST_CASE("fuzz: the valid samples themselves frame whole, without error") {
  // The first four are requests, the rest replies.
  for (size_t i = 0; i < kValid.size(); ++i) {
    CAPTURE(kValid[i]);
    sy::resp::test::Fed fed;
    if (i < 4) {
      sy::resp::RequestParser parser;
      fed = sy::resp::test::feed_whole(parser, kValid[i]);
    } else {
      sy::resp::ReplyParser parser;
      fed = sy::resp::test::feed_whole(parser, kValid[i]);
    }
    CHECK(fed.error == sy::resp::ParseError::none);
    CHECK_FALSE(fed.frames.empty());
    CHECK(fed.left.empty());
  }
}
