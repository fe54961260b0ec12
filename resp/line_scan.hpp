// The two lexical pieces every RESP frame is made of, shared by the request and
// reply parsers: a line ended by CRLF (searched for resumably, so a line that
// arrives byte by byte is scanned once) and a strict decimal integer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sy::resp {

enum class LineEnd : uint8_t { found, need_more, bad_crlf };

// Looks for the CRLF that ends the current line, starting at `scan_from` (the
// caller's resume point; updated so that no byte is looked at twice). On
// `found` and `bad_crlf`, `line_end` is the index of the '\r' (so that a
// too-long line is reported as such, whatever follows its '\r').
LineEnd find_line_end(std::string_view bytes, size_t& scan_from, size_t& line_end);

// Decimal integer as Redis' string2ll accepts it: an optional '-', no leading
// zeros (except "0" itself), no spaces, no '+', within int64.
bool parse_integer(std::string_view text, int64_t& value);

}  // namespace sy::resp
