// Test helper: feeds bytes to a Parser the way a session does (in pieces,
// keeping what a call did not consume) and writes down what came out, so
// that two ways of feeding the same bytes can be compared.
#pragma once

#include <string>
#include <vector>

#include "proxy/http/parser.hpp"

namespace sy::http::test {

inline std::string describe_head(const MessageHead& head) {
  std::string text = head.method.empty() ? "head " + std::to_string(head.status) + " " + std::string(head.reason())
                                         : "head " + std::string(head.method) + " " + std::string(head.target());
  text += " HTTP/" + std::to_string(head.version_major) + "." + std::to_string(head.version_minor);
  for (size_t i = 0; i < head.header_count(); ++i)
    text += " [" + std::string(head.header(i).name) + ": " + std::string(head.header(i).value) + "]";
  if (head.keep_alive) text += " keep-alive";
  if (head.chunked) text += " chunked";
  if (head.upgrade) text += " upgrade";
  if (head.content_length) text += " length=" + std::to_string(*head.content_length);
  return text;
}

// Consecutive body runs are merged: how a body is cut depends on the pieces.
struct Transcript {
  std::vector<std::string> lines;

  void body(std::string_view bytes) {
    if (bytes.empty()) return;
    if (!lines.empty() && lines.back().starts_with("body ")) lines.back() += bytes;
    else lines.push_back("body " + std::string(bytes));
  }
  void add(std::string line) { lines.push_back(std::move(line)); }
  std::string text() const {
    std::string all;
    for (const auto& line : lines) all += line + "\n";
    return all;
  }
};

// Feeds `pieces` in order; stops at the first error. `response_to_head`
// marks the responses (in order) that answer a HEAD request.
inline Transcript feed(Parser& parser, const std::vector<std::string>& pieces, bool finish_at_end = false) {
  Transcript out;
  std::string pending;
  for (const auto& piece : pieces) {
    pending += piece;
    std::string_view input = pending;
    while (true) {
      auto result = parser.parse(input);
      input.remove_prefix(result.consumed);
      switch (result.event) {
        case Parser::Event::need_more: break;
        case Parser::Event::head: out.add(describe_head(parser.head())); continue;
        case Parser::Event::body: out.body(result.body); continue;
        case Parser::Event::message_end: {
          out.body(result.body);
          std::string end = "end";
          for (size_t i = 0; i < parser.head().trailer_count(); ++i)
            end += " [" + std::string(parser.head().trailer(i).name) + ": " +
                   std::string(parser.head().trailer(i).value) + "]";
          out.add(end);
          continue;
        }
        case Parser::Event::error:
          out.add("error " + std::to_string(parser.error_status()) + " " + std::string(parser.error_reason()));
          return out;
      }
      break;
    }
    pending = std::string(input);  // what the parser did not take (nothing, except after errors)
  }
  if (finish_at_end) {
    auto result = parser.finish();
    if (result.event == Parser::Event::message_end) out.add("end");
    else if (result.event == Parser::Event::error) out.add("error " + std::to_string(parser.error_status()));
  }
  return out;
}

inline Transcript feed_whole(Parser::Kind kind, const std::string& bytes, ParserLimits limits = {}) {
  Parser parser(kind, limits);
  return feed(parser, {bytes});
}

// Every way of cutting `bytes` in two.
inline std::vector<std::vector<std::string>> two_piece_splits(const std::string& bytes) {
  std::vector<std::vector<std::string>> splits;
  for (size_t cut = 0; cut <= bytes.size(); ++cut) splits.push_back({bytes.substr(0, cut), bytes.substr(cut)});
  return splits;
}

}  // namespace sy::http::test
