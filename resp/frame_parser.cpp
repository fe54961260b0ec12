// The error texts of the RESP framers, one table; see frame_parser.hpp.
#include "resp/frame_parser.hpp"

namespace sy::resp {
namespace {

struct ErrorText {
  ParseError error;
  std::string_view text;
};

// Request errors: Redis 7.0 networking.c, word for word (addReplyError).
// Reply errors never reach a client; they name what the server sent wrong.
constexpr ErrorText kErrorTexts[] = {
    {ParseError::none, ""},
    {ParseError::too_big_inline_request, "Protocol error: too big inline request"},
    {ParseError::unbalanced_quotes, "Protocol error: unbalanced quotes in request"},
    {ParseError::nul_in_inline_request, "Protocol error: NUL byte in inline request"},
    {ParseError::too_big_mbulk_count, "Protocol error: too big mbulk count string"},
    {ParseError::invalid_multibulk_length, "Protocol error: invalid multibulk length"},
    {ParseError::too_big_bulk_count, "Protocol error: too big bulk count string"},
    {ParseError::expected_dollar, "Protocol error: expected '$', got '"},
    {ParseError::invalid_bulk_length, "Protocol error: invalid bulk length"},
    {ParseError::missing_crlf, "Protocol error: expected '\\r\\n'"},
    {ParseError::invalid_reply_type, "Protocol error: invalid reply type byte"},
    {ParseError::invalid_reply_length, "Protocol error: invalid reply length"},
    {ParseError::invalid_reply_line, "Protocol error: invalid reply value"},
    {ParseError::too_big_reply_line, "Protocol error: too big reply line"},
    {ParseError::reply_too_deep, "Protocol error: reply nested too deep"},
};

}  // namespace

std::string_view error_text(ParseError error) {
  for (const ErrorText& entry : kErrorTexts) {
    if (entry.error == error) return entry.text;
  }
  return "Protocol error";
}

}  // namespace sy::resp
