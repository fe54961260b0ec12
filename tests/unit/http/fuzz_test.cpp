// Fixed-seed fuzzing of the parser: valid messages mutated byte by byte and
// fed in random pieces. Nothing may crash or read out of bounds (the
// sanitizer build checks that), the transcript of a message must not depend
// on how it is cut, and what a parser accepts must be framed consistently.
#include <doctest/doctest.h>

#include <random>

#include "tests/unit/http/transcript.hpp"

using namespace sy::http;
using namespace sy::http::test;

namespace {

const std::vector<std::string> kSeeds = {
    "GET /a?b=c HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n",
    "POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello",
    "PUT /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nT: v\r\n\r\n",
    "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n",
    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
};

std::vector<std::string> random_pieces(const std::string& bytes, std::mt19937& random) {
  std::vector<std::string> pieces;
  size_t at = 0;
  while (at < bytes.size()) {
    size_t length = std::uniform_int_distribution<size_t>(1, 1 + bytes.size() / 3)(random);
    pieces.push_back(bytes.substr(at, length));
    at += length;
  }
  return pieces;
}

std::string mutate(std::string bytes, std::mt19937& random) {
  static const std::string interesting = "\r\n:; \t\0,-0123456789aAzZ\x7f\x80\xff";
  int edits = std::uniform_int_distribution<int>(1, 4)(random);
  for (int i = 0; i < edits && !bytes.empty(); ++i) {
    size_t at = std::uniform_int_distribution<size_t>(0, bytes.size() - 1)(random);
    char c = interesting[std::uniform_int_distribution<size_t>(0, interesting.size() - 1)(random)];
    switch (std::uniform_int_distribution<int>(0, 2)(random)) {
      case 0: bytes[at] = c; break;
      case 1: bytes.insert(bytes.begin() + static_cast<long>(at), c); break;
      default: bytes.erase(at, 1); break;
    }
  }
  return bytes;
}

// Body bytes of each message add up to its Content-Length when it has one.
void check_framing(const Transcript& transcript) {
  std::optional<uint64_t> announced;
  bool bodyless = false;
  uint64_t body = 0;
  for (const auto& line : transcript.lines) {
    if (line.starts_with("head ")) {
      announced.reset();
      body = 0;
      bodyless = line.starts_with("head 1") || line.starts_with("head 204") || line.starts_with("head 304");
      if (auto at = line.find(" length="); at != std::string::npos) announced = std::stoull(line.substr(at + 8));
    } else if (line.starts_with("body ")) {
      body += line.size() - 5;
    } else if (line.starts_with("end") && announced && !bodyless) {
      CHECK(body == *announced);
    }
  }
}

}  // namespace

TEST_CASE("fuzz: mutated messages in random pieces") {
  std::mt19937 random(20261125);
  for (int round = 0; round < 20000; ++round) {
    const std::string& seed = kSeeds[static_cast<size_t>(round) % kSeeds.size()];
    Parser::Kind kind = seed.starts_with("HTTP/") ? Parser::Kind::response : Parser::Kind::request;
    std::string bytes = mutate(seed, random);
    ParserLimits limits{.max_head_bytes = 64, .max_headers = 4, .max_body_bytes = 16};
    Transcript whole = feed_whole(kind, bytes, limits);
    Parser parser(kind, limits);
    Transcript pieces = feed(parser, random_pieces(bytes, random));
    CAPTURE(bytes);
    REQUIRE(pieces.text() == whole.text());
    check_framing(whole);
  }
}

TEST_CASE("fuzz: random bytes never crash and never produce a head after an error") {
  std::mt19937 random(7);
  for (int round = 0; round < 5000; ++round) {
    std::string bytes(std::uniform_int_distribution<size_t>(0, 200)(random), '\0');
    for (char& c : bytes) c = static_cast<char>(random());
    if (round % 2 == 0) bytes = "GET / HTTP/1.1\r\n" + bytes;
    Parser parser(Parser::Kind::request, {});
    Transcript transcript = feed(parser, random_pieces(bytes, random));
    for (size_t i = 0; i + 1 < transcript.lines.size(); ++i) CHECK_FALSE(transcript.lines[i].starts_with("error"));
  }
}
