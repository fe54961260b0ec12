// What must hold for any bytes a peer sends, checked by the fixed-seed fuzz
// unit test and by the libFuzzer target (tests/fuzz/resp_fuzz.cpp): framing
// does not depend on how the bytes are chunked, frames tile the input, every
// frame re-frames alone to itself, commands survive re-encoding, key indexes
// stay inside argv. Returns nullptr, or what broke.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "resp/command_table.hpp"
#include "resp/frame_parser.hpp"
#include "resp/writer.hpp"
#include "tests/unit/resp/feed.hpp"

namespace sy::resp::test {

inline bool same_outcome(const Fed& a, const Fed& b) {
  return a.frames == b.frames && a.arguments == b.arguments && a.kinds == b.kinds && a.types == b.types &&
         a.attributes == b.attributes && a.error == b.error && a.error_message == b.error_message;
}

template <class Parser>
const char* check_chunking(std::string_view input, size_t split, Limits limits, Fed& whole) {
  Parser whole_parser(limits);
  whole = feed_whole(whole_parser, input);
  Parser split_parser(limits);
  if (!same_outcome(whole, feed_split(split_parser, input, split % (input.size() + 1)))) {
    return "two chunks frame differently from one";
  }
  if (input.size() <= 512) {
    Parser bytewise_parser(limits);
    if (!same_outcome(whole, feed_bytewise(bytewise_parser, input))) return "byte by byte frames differently";
  }
  std::string tiled;
  for (const std::string& frame : whole.frames) {
    if (frame.empty()) return "an empty frame";
    tiled += frame;
  }
  if (whole.error == ParseError::none && tiled + whole.left != input) return "frames and leftover are not the input";
  if (input.substr(0, tiled.size()) != tiled) return "frames are not a prefix of the input";
  // Each frame is self-delimiting: alone, it frames to exactly itself.
  for (size_t i = 0; i < whole.frames.size(); ++i) {
    Parser alone(limits);
    ParseResult result = alone.parse(std::string_view(whole.frames[i]));
    if (result.status != ParseStatus::frame || result.frame.length != whole.frames[i].size()) {
      return "a frame does not re-frame alone";
    }
    if (result.frame.type != whole.types[i]) return "a frame's type changed when re-framed alone";
  }
  return nullptr;
}

inline const char* check_commands(const Fed& fed) {
  std::vector<size_t> key_indexes;
  for (const std::vector<std::string>& arguments : fed.arguments) {
    std::vector<std::string_view> argv(arguments.begin(), arguments.end());
    std::string encoded;
    append_command(encoded, argv);
    if (encoded.size() != command_size(argv)) return "command_size differs from append_command";
    RequestParser parser;
    ParseResult result = parser.parse(std::string_view(encoded));
    if (argv.empty()) {
      if (result.status != ParseStatus::frame || !result.frame.arguments.empty()) return "empty command lost";
      continue;
    }
    if (result.status != ParseStatus::frame || result.frame.length != encoded.size()) return "re-encoded command";
    if (result.frame.arguments.size() != argv.size()) return "re-encoded command has other arguments";
    for (size_t i = 0; i < argv.size(); ++i) {
      if (result.frame.argument(i) != argv[i]) return "re-encoded argument differs";
    }
    if (const CommandInfo* command = find_command(argv)) {
      if (find_keys(*command, argv, key_indexes)) {
        for (size_t index : key_indexes) {
          if (index == 0 || index >= argv.size()) return "a key index outside argv";
        }
      }
      (void)blocks(*command, argv);
    }
  }
  return nullptr;
}

// Small limits reach every limit check with short inputs; defaults are what runs.
inline Limits tight_limits() {
  Limits limits;
  limits.max_args = 8;
  limits.max_bulk_length = 64;
  limits.max_inline_length = 32;
  limits.max_depth = 4;
  limits.max_aggregate_length = 8;
  return limits;
}

inline const char* check_framing_invariants(std::string_view input, size_t split) {
  for (const Limits& limits : {Limits{}, tight_limits()}) {
    Fed requests;
    if (const char* problem = check_chunking<RequestParser>(input, split, limits, requests)) return problem;
    if (const char* problem = check_commands(requests)) return problem;
    Fed replies;
    if (const char* problem = check_chunking<ReplyParser>(input, split, limits, replies)) return problem;
  }
  return nullptr;
}

}  // namespace sy::resp::test
