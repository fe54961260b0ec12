// Fixed-seed fuzzing of everything that reads peer bytes: random strings and
// random mutations of valid inputs must never crash (run under ASan/UBSan too)
// and every result must be consistent with the input.
#include <doctest/doctest.h>

#include <random>

#include "pgwire/backend_messages.hpp"
#include "pgwire/md5_auth.hpp"
#include "pgwire/message.hpp"
#include "pgwire/scram.hpp"
#include "pgwire/startup.hpp"

using namespace sy::pgwire;

namespace {

constexpr int kRounds = 20000;

class Fuzzer {
 public:
  explicit Fuzzer(uint32_t seed) : rng_(seed) {}

  size_t below(size_t n) { return n == 0 ? 0 : std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
  char any_byte() { return char(below(256)); }
  // Bytes that matter to the parsers turn up more often than at random.
  char interesting_byte() {
    static constexpr std::string_view kInteresting = std::string_view("\0\x01\x7f\x80\xff,=nyprcsiveam+/A0", 20);
    return below(3) == 0 ? any_byte() : kInteresting[below(kInteresting.size())];
  }

  std::string random_string(size_t max_length) {
    std::string out(below(max_length + 1), '\0');
    bool skewed = below(2) == 0;
    for (char& c : out) c = skewed ? interesting_byte() : any_byte();
    return out;
  }

  std::string mutate(std::string text) {
    for (size_t edits = 1 + below(3); edits > 0; --edits) {
      size_t at = below(text.size() + 1);
      switch (below(6)) {
        case 0: if (at < text.size()) text[at] = interesting_byte(); break;
        case 1: if (at < text.size()) text[at] = char(uint8_t(text[at]) ^ (1u << below(8))); break;
        case 2: text.insert(at, 1, interesting_byte()); break;
        case 3: if (at < text.size()) text.erase(at, 1 + below(4)); break;
        case 4: text.resize(at); break;
        case 5: text.insert(at, text.substr(below(text.size() + 1), below(8))); break;
      }
    }
    return text;
  }

 private:
  std::mt19937 rng_;
};

bool inside(std::string_view part, std::string_view whole) {
  return part.empty() || (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

void check_scan(std::string_view bytes, uint32_t max_length) {
  Scan scan = scan_message(bytes, max_length);
  if (bytes.size() < kHeaderSize) {
    CHECK(scan.status == ScanStatus::need_header);
    return;
  }
  bool bad_length = scan.length < 4 || scan.length > max_length;
  CHECK((scan.status == ScanStatus::malformed) == bad_length);
  if (bad_length) return;
  CHECK(scan.type == bytes[0]);
  CHECK(scan.total_size() >= kHeaderSize);
  CHECK((scan.status == ScanStatus::complete) == (scan.total_size() <= bytes.size()));
  CHECK((scan.status == ScanStatus::partial) == (scan.total_size() > bytes.size()));
}

void check_startup(std::string_view bytes) {
  StartupScan scan = scan_startup(bytes);
  if (scan.status != StartupScanStatus::complete) return;
  REQUIRE(scan.length >= 8);
  REQUIRE(scan.length <= bytes.size());
  std::string_view packet = bytes.substr(0, scan.length);
  StartupPacket parsed;
  std::string error;
  if (!parse_startup(packet, parsed, error)) {
    CHECK_FALSE(error.empty());
    return;
  }
  if (parsed.kind != StartupKind::startup) return;
  CHECK((parsed.protocol >> 16) == 3);
  CHECK_FALSE(parsed.parameter("user").empty());
  for (const auto& [name, value] : parsed.parameters) {
    CHECK(inside(name, packet));
    CHECK(inside(value, packet));
  }
}

ScramVerifier fuzz_verifier() {
  static const ScramVerifier verifier = make_scram_verifier("pencil", "fuzz-salt", 64);
  return verifier;
}

}  // namespace

TEST_CASE("fuzz: scan_message and a framer loop over random bytes") {
  Fuzzer fuzz(1);
  for (int round = 0; round < kRounds; ++round) {
    std::string bytes = fuzz.random_string(40);
    if (bytes.size() >= 5 && fuzz.below(2) == 0) bytes[1] = bytes[2] = '\0';  // plausible lengths
    uint32_t max_length = fuzz.below(4) == 0 ? uint32_t(fuzz.below(64)) : kMaxMessageLength;
    check_scan(bytes, max_length);

    std::string_view rest = bytes;
    while (true) {  // a framer must always make progress or stop
      Scan scan = scan_message(rest, max_length);
      if (scan.status != ScanStatus::complete) break;
      REQUIRE(scan.total_size() <= rest.size());
      PayloadReader reader(rest.substr(kHeaderSize, scan.length - 4));
      while (reader.ok() && !reader.at_end()) reader.cstring();
      rest.remove_prefix(scan.total_size());
    }
  }
}

TEST_CASE("fuzz: startup packets, random and mutated") {
  Fuzzer fuzz(2);
  const std::string valid[] = {
      build_startup({{"user", "alice"}, {"database", "app"}, {"application_name", "psql"}}),
      build_startup({{"user", "u"}}),
      build_cancel_request(1, 2),
      std::string("\0\0\0\x08\x04\xd2\x16\x2f", 8),  // SSLRequest
  };
  for (int round = 0; round < kRounds; ++round) {
    std::string bytes = fuzz.random_string(48);
    if (bytes.size() >= 8 && fuzz.below(2) == 0) {  // a length that fits, so parse_startup runs
      bytes[0] = bytes[1] = bytes[2] = '\0';
      bytes[3] = char(8 + fuzz.below(bytes.size() - 7));
    }
    check_startup(bytes);
    check_startup(fuzz.mutate(valid[fuzz.below(std::size(valid))]));
  }
}

TEST_CASE("fuzz: parse_error_fields views stay inside the payload") {
  Fuzzer fuzz(3);
  std::string valid;
  append_error(valid, Severity::fatal, sqlstate::invalid_password, "password authentication failed", "detail");
  const std::string valid_payload = valid.substr(kHeaderSize);
  for (int round = 0; round < kRounds; ++round) {
    std::string payload = round % 2 ? fuzz.random_string(40) : fuzz.mutate(valid_payload);
    ErrorFields fields = parse_error_fields(payload);
    CHECK(inside(fields.severity, payload));
    CHECK(inside(fields.code, payload));
    CHECK(inside(fields.message, payload));
  }
}

TEST_CASE("fuzz: ScramServer client-first-message") {
  Fuzzer fuzz(4);
  const std::string valid = "n,,n=,r=fyko+d2lbbFgONRv9qkxdawL";
  for (int round = 0; round < kRounds; ++round) {
    std::string message = round % 2 ? fuzz.random_string(40) : fuzz.mutate(valid);
    ScramServer server(fuzz_verifier(), "SRV");
    ScramResult result = server.handle_client_first(message);
    if (result.ok()) {
      CHECK(result.data.rfind("r=", 0) == 0);
      CHECK(result.data.find("SRV,s=") != std::string::npos);
      CHECK(result.error.empty());
    } else {
      CHECK_FALSE(result.error.empty());
      CHECK(result.status != ScramStatus::auth_failed);  // nothing was proven yet
    }
    CHECK_FALSE(server.client_key().has_value());
  }
}

TEST_CASE("fuzz: ScramServer client-final-message is accepted only unchanged") {
  Fuzzer fuzz(5);
  ScramClient client("pencil", "clientnonce");
  ScramServer reference(fuzz_verifier(), "SRV");
  auto server_first = reference.handle_client_first(client.client_first_message().data);
  REQUIRE(server_first.ok());
  auto client_final = client.handle_server_first(server_first.data);
  REQUIRE(client_final.ok());
  const std::string valid = client_final.data;

  for (int round = 0; round < kRounds; ++round) {
    std::string message = round % 4 == 0 ? fuzz.random_string(80) : fuzz.mutate(valid);
    ScramServer server(fuzz_verifier(), "SRV");
    REQUIRE(server.handle_client_first("n,,n=,r=clientnonce").ok());
    ScramResult result = server.handle_client_final(message);
    CHECK_MESSAGE(result.ok() == (message == valid), message);
    CHECK(server.client_key().has_value() == result.ok());
    if (!result.ok()) CHECK_FALSE(result.error.empty());
  }
}

TEST_CASE("fuzz: ScramClient server messages") {
  Fuzzer fuzz(6);
  auto verifier = fuzz_verifier();
  ScramKey client_key;  // recovered once, so the client needs no PBKDF2 per round
  {
    ScramClient client("pencil");
    ScramServer server(verifier);
    auto first = server.handle_client_first(client.client_first_message().data);
    auto final_message = server.handle_client_final(client.handle_server_first(first.data).data);
    REQUIRE(final_message.ok());
    client_key = *server.client_key();
  }
  ScramClient reference_client(client_key, verifier.server_key, "clientnonce");
  ScramServer reference_server(verifier, "SRV");
  const std::string valid_first =
      reference_server.handle_client_first(reference_client.client_first_message().data).data;
  const std::string valid_final =
      reference_server.handle_client_final(reference_client.handle_server_first(valid_first).data).data;
  REQUIRE(valid_final.rfind("v=", 0) == 0);

  for (int round = 0; round < kRounds; ++round) {
    std::string first = round % 4 == 0 ? fuzz.random_string(60) : fuzz.mutate(valid_first);
    ScramClient client(client_key, verifier.server_key, "clientnonce");
    REQUIRE(client.client_first_message().ok());
    ScramResult result = client.handle_server_first(first);
    if (result.ok()) {
      CHECK(result.data.rfind("c=biws,r=clientnonce", 0) == 0);
    } else {
      CHECK_FALSE(result.error.empty());
      CHECK_FALSE(client.error().empty());
    }

    ScramClient verifying(client_key, verifier.server_key, "clientnonce");
    REQUIRE(verifying.client_first_message().ok());
    REQUIRE(verifying.handle_server_first(valid_first).ok());
    std::string final_message = round % 4 == 0 ? fuzz.random_string(60) : fuzz.mutate(valid_final);
    bool verified = verifying.verify_server_final(final_message);
    // Only the real signature passes, possibly followed by extensions.
    bool same_signature = final_message.rfind(valid_final, 0) == 0 &&
                          (final_message.size() == valid_final.size() || final_message[valid_final.size()] == ',');
    CHECK_MESSAGE(verified == same_signature, final_message);
  }
}

TEST_CASE("fuzz: verifiers, SASLprep and md5 on random input") {
  Fuzzer fuzz(7);
  const std::string valid = format_scram_verifier(fuzz_verifier());
  const uint8_t salt[4] = {1, 2, 3, 4};
  for (int round = 0; round < kRounds; ++round) {
    std::string text = round % 2 ? fuzz.random_string(40) : fuzz.mutate(valid);
    if (auto parsed = parse_scram_verifier(text)) {
      CHECK(parsed->iterations >= 1);
      CHECK_FALSE(parsed->salt.empty());
      auto again = parse_scram_verifier(format_scram_verifier(*parsed));
      REQUIRE(again.has_value());
      CHECK(again->iterations == parsed->iterations);
      CHECK(again->salt == parsed->salt);
      CHECK(again->stored_key == parsed->stored_key);
      CHECK(again->server_key == parsed->server_key);
    }
    std::string prepared = saslprep_password(text);
    bool ascii = true;
    for (char c : text) ascii = ascii && uint8_t(c) < 0x80;
    if (ascii) CHECK(prepared == text);
    CHECK_FALSE(md5_verify(text, "secret", "postgres", salt));  // 1 in 2^128 to be wrong
  }
}
