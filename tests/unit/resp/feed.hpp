// Test driver for the RESP framers: plays the connection's read buffer, fed in
// the chunks given, and collects what came out (frames with their bytes and
// arguments, or the error that stopped it).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "resp/frame_parser.hpp"

namespace sy::resp::test {

struct Fed {
  std::vector<std::string> frames;                   // each frame's bytes
  std::vector<std::vector<std::string>> arguments;   // commands: their arguments
  std::vector<FrameKind> kinds;
  std::vector<ReplyType> types;                      // replies: top-level type
  std::vector<bool> attributes;                      // replies: an attribute came first
  ParseError error = ParseError::none;
  std::string error_message;
  std::string left;  // bytes not yet framed
  size_t parse_calls = 0;
};

template <class Parser>
Fed feed(Parser& parser, const std::vector<std::string_view>& chunks) {
  Fed fed;
  std::string buffer;
  for (std::string_view chunk : chunks) {
    buffer.append(chunk);
    while (true) {
      ++fed.parse_calls;
      ParseResult result = parser.parse(std::string_view(buffer));
      if (result.status == ParseStatus::need_more) break;
      if (result.status == ParseStatus::error) {
        fed.error = result.error;
        fed.error_message = std::string(parser.error_message());
        fed.left = buffer;
        return fed;
      }
      const Frame& frame = result.frame;
      fed.frames.push_back(buffer.substr(0, frame.length));
      std::vector<std::string> arguments;
      for (size_t i = 0; i < frame.arguments.size(); ++i) arguments.emplace_back(frame.argument(i));
      fed.arguments.push_back(arguments);
      fed.kinds.push_back(frame.kind);
      fed.types.push_back(frame.type);
      fed.attributes.push_back(frame.has_attribute);
      buffer.erase(0, frame.length);
    }
  }
  fed.left = buffer;
  return fed;
}

template <class Parser>
Fed feed_whole(Parser& parser, std::string_view bytes) {
  return feed(parser, {bytes});
}

template <class Parser>
Fed feed_split(Parser& parser, std::string_view bytes, size_t split) {
  return feed(parser, {bytes.substr(0, split), bytes.substr(split)});
}

template <class Parser>
Fed feed_bytewise(Parser& parser, std::string_view bytes) {
  std::vector<std::string_view> chunks;
  for (size_t i = 0; i < bytes.size(); ++i) chunks.push_back(bytes.substr(i, 1));
  return feed(parser, chunks);
}

}  // namespace sy::resp::test
