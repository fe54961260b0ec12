// libFuzzer target for the HTTP/1.1 parser wrapper (proxy/http/parser.*, the
// llhttp driver both the client session and the server connection feed):
// requests or responses, chunked or sized bodies, extension methods, strict
// or tight limits, a HEAD request's response, the peer closing at the end.
// The first input byte picks those, the second how the rest is cut. Checked:
// every call consumes at most its input and returns body bytes that lie in
// it; nothing comes after an error, whose status is a 4xx/5xx; the events do
// not depend on how the bytes are cut (but for which fault of several one
// head has is named); a sized body has exactly its length.
// Build and run: tests/fuzz/run.sh http_parser.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "proxy/http/parser.hpp"
#include "tests/unit/http/transcript.hpp"

using sy::http::Parser;
using sy::http::ParserLimits;
namespace test = sy::http::test;

namespace {

struct Options {
  Parser::Kind kind;
  ParserLimits limits;
  bool head_request;
  bool finish_at_end;
};

Options options_from(uint8_t flags) {
  Options options{};
  options.kind = flags & 1 ? Parser::Kind::response : Parser::Kind::request;
  // Tight limits reach the 431/413/502 paths with short inputs.
  if (flags & 2) options.limits = {.max_head_bytes = 96, .max_headers = 4, .max_body_bytes = 32};
  options.head_request = options.kind == Parser::Kind::response && (flags & 4);
  options.finish_at_end = flags & 8;
  return options;
}

// Cuts `bytes` into pieces of 1..16 bytes, the lengths drawn from `seed`.
std::vector<std::string> pieces_of(std::string_view bytes, uint8_t seed) {
  std::vector<std::string> pieces;
  uint32_t state = seed * 2654435761u + 1;
  while (!bytes.empty()) {
    state = state * 1103515245u + 12345u;
    size_t length = std::min<size_t>(bytes.size(), 1 + (state >> 16) % 16);
    pieces.emplace_back(bytes.substr(0, length));
    bytes.remove_prefix(length);
  }
  return pieces;
}

void require(bool condition) {
  if (!condition) std::abort();
}

// Feeds the bytes in one piece and checks what each call reports against its
// input. Returns how many bytes the parser is meant to see: all of them, but
// for what follows a message that upgrades the connection (or CONNECT), which
// the session tunnels or refuses without parsing it.
size_t check_calls(const Options& options, std::string_view input) {
  const size_t size = input.size();
  bool upgrade = false;
  Parser parser(options.kind, options.limits);
  parser.set_head_request(options.head_request);
  std::optional<uint64_t> announced;
  bool bodyless = false;
  uint64_t body = 0;
  for (int calls = 0; calls < 100000; ++calls) {
    auto result = parser.parse(input);
    require(result.consumed <= input.size());
    if (!result.body.empty())
      require(result.body.data() >= input.data() && result.body.data() + result.body.size() <= input.data() + input.size());
    switch (result.event) {
      case Parser::Event::error:
        require(parser.error_status() >= 400 && parser.error_status() <= 599);
        require(parser.parse(input.substr(result.consumed)).event == Parser::Event::error);  // it stays failed
        return size;
      case Parser::Event::head: {
        const auto& head = parser.head();
        announced = head.content_length;
        int status = head.status;
        // A CONNECT request has no body: what follows its head is the tunnel.
        bodyless = options.head_request || status / 100 == 1 || status == 204 || status == 304 || head.method == "CONNECT";
        require(options.kind == Parser::Kind::request ? !head.method.empty() : head.method.empty());
        body = 0;
        upgrade = head.upgrade;
        break;
      }
      case Parser::Event::body:
      case Parser::Event::message_end:
        body += result.body.size();
        if (options.limits.max_body_bytes) require(body <= options.limits.max_body_bytes);
        if (result.event == Parser::Event::message_end && announced && !bodyless) require(body == *announced);
        if (result.event == Parser::Event::message_end) body = 0, announced.reset();
        break;
      case Parser::Event::need_more:
        break;
    }
    input.remove_prefix(result.consumed);
    if (result.event == Parser::Event::message_end && upgrade) return size - input.size();
    if (result.event == Parser::Event::need_more) return size;
  }
  std::abort();  // a parser that keeps reporting events without consuming input loops its caller
}

// The transcript with its error line (if any) reduced to "error". Which of
// two faults in one head is reported can depend on where the input was cut
// (a limit is checked where a piece ends, llhttp's faults where they are),
// so the status may differ (414 or 431, 431 or 400); that the message is
// refused, and everything before, may not.
std::string without_error_detail(const test::Transcript& transcript) {
  std::string text;
  for (const auto& line : transcript.lines) text += (line.starts_with("error") ? std::string("error") : line) + "\n";
  return text;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  Options options = options_from(data[0]);
  std::string_view bytes(reinterpret_cast<const char*>(data) + 2, size - 2);
  bytes = bytes.substr(0, check_calls(options, bytes));

  Parser whole_parser(options.kind, options.limits);
  whole_parser.set_head_request(options.head_request);
  test::Transcript whole = test::feed(whole_parser, {std::string(bytes)}, options.finish_at_end);
  Parser cut_parser(options.kind, options.limits);
  cut_parser.set_head_request(options.head_request);
  test::Transcript cut = test::feed(cut_parser, pieces_of(bytes, data[1]), options.finish_at_end);
  require(without_error_detail(whole) == without_error_detail(cut));
  return 0;
}
