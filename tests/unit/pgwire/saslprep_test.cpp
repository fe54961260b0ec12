// saslprep_password: what PostgreSQL does to a password before deriving SCRAM
// keys, as far as we implement it (no NFKC; see scram.hpp).
#include <doctest/doctest.h>

#include "pgwire/scram.hpp"

using sy::pgwire::saslprep_password;

TEST_CASE("saslprep: ASCII passwords are used as they are, control characters included") {
  CHECK(saslprep_password("pencil") == "pencil");
  CHECK(saslprep_password("") == "");
  CHECK(saslprep_password("a b\tc\x7f") == "a b\tc\x7f");
}

TEST_CASE("saslprep: non-UTF-8 passwords are used as they are") {
  CHECK(saslprep_password("p\xe4ssword") == "p\xe4ssword");          // Latin-1
  CHECK(saslprep_password("\xc0\xaf") == "\xc0\xaf");                // overlong '/'
  CHECK(saslprep_password("\xed\xa0\x80") == "\xed\xa0\x80");        // a surrogate
  CHECK(saslprep_password("ok\xe2\x82") == "ok\xe2\x82");            // truncated sequence
  CHECK(saslprep_password("\xf4\x90\x80\x80") == "\xf4\x90\x80\x80");  // past U+10FFFF
}

TEST_CASE("saslprep: NFKC-stable UTF-8 passes through unchanged") {
  CHECK(saslprep_password("p\xc3\xa4ssw\xc3\xb6rd") == "p\xc3\xa4ssw\xc3\xb6rd");  // pässwörd, precomposed
  CHECK(saslprep_password("\xe5\xaf\x86\xe7\xa0\x81") == "\xe5\xaf\x86\xe7\xa0\x81");  // 密码
}

TEST_CASE("saslprep: non-ASCII spaces become spaces, 'mapped to nothing' characters vanish") {
  CHECK(saslprep_password("I\xc2\xa0X") == "I X");          // U+00A0 NO-BREAK SPACE
  CHECK(saslprep_password("I\xe3\x80\x80X") == "I X");      // U+3000 IDEOGRAPHIC SPACE
  CHECK(saslprep_password("I\xc2\xadX") == "IX");           // U+00AD SOFT HYPHEN
  CHECK(saslprep_password("\xc3\xa4\xef\xbb\xbf") == "\xc3\xa4");  // ä + U+FEFF
}

TEST_CASE("saslprep: prohibited output or an empty result falls back to the raw password") {
  CHECK(saslprep_password("\xc3\xa4\x07") == "\xc3\xa4\x07");              // ASCII control with non-ASCII
  CHECK(saslprep_password("\xc2\x80\xc3\xa4") == "\xc2\x80\xc3\xa4");      // U+0080 control
  CHECK(saslprep_password("\xee\x80\x80") == "\xee\x80\x80");              // U+E000 private use
  CHECK(saslprep_password("\xef\xbf\xbe") == "\xef\xbf\xbe");              // U+FFFE non-character
  CHECK(saslprep_password("\xe2\x80\x8e\xc3\xa4") == "\xe2\x80\x8e\xc3\xa4");  // U+200E LRM
  CHECK(saslprep_password("\xc2\xad") == "\xc2\xad");                      // only a soft hyphen: empty
  // The fallback is the whole raw password, not a partially mapped one.
  CHECK(saslprep_password("a\xc2\xa0\x01") == "a\xc2\xa0\x01");
}
