// Splits an inline command line ("SET k 'a b'\r\n" typed into telnet) into its
// arguments exactly as Redis does (sdssplitargs): blanks separate words,
// "double quotes" take \n \r \t \b \a \xHH and \<char> escapes, 'single
// quotes' only \', and a closing quote must be followed by a blank or the end.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "resp/frame_parser.hpp"

namespace sy::resp {

// Appends the unquoted arguments of `line` (without its line end) back to back
// to `text` (cleared first) and their places in it to `arguments` (cleared
// first). Returns false for unbalanced quotes. Like Redis, which reads the
// line as a C string, a NUL byte ends the line (inside quotes it is an error).
bool split_inline_command(std::string_view line, std::string& text, std::vector<Argument>& arguments);

}  // namespace sy::resp
