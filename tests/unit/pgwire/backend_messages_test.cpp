// Backend message builders: each builds one well-framed message, and an
// ErrorResponse reads back through parse_error_fields with its SQLSTATE.
#include <doctest/doctest.h>

#include "pgwire/backend_messages.hpp"
#include "pgwire/message.hpp"

using namespace sy::pgwire;

namespace {

// The single message in `bytes`; its payload.
std::string_view only_message(std::string_view bytes, char type) {
  Scan scan = scan_message(bytes);
  REQUIRE(scan.status == ScanStatus::complete);
  REQUIRE(scan.type == type);
  REQUIRE(scan.total_size() == bytes.size());
  return bytes.substr(kHeaderSize);
}

}  // namespace

TEST_CASE("backend messages: ErrorResponse round trip with SQLSTATE") {
  std::string out;
  append_error(out, Severity::fatal, sqlstate::invalid_password, "password authentication failed for user \"app\"",
               "some detail", "some hint");
  ErrorFields fields = parse_error_fields(only_message(out, 'E'));
  CHECK(fields.severity == "FATAL");
  CHECK(fields.code == "28P01");
  CHECK(fields.message == "password authentication failed for user \"app\"");
}

TEST_CASE("backend messages: notices are 'N' and errors without detail are well formed") {
  std::string out;
  append_error(out, Severity::warning, sqlstate::admin_shutdown, "draining");
  ErrorFields fields = parse_error_fields(only_message(out, 'N'));
  CHECK(fields.severity == "WARNING");
  CHECK(fields.code == "57P01");

  out.clear();
  append_error(out, Severity::error, sqlstate::too_many_connections, "too many");
  CHECK(parse_error_fields(only_message(out, 'E')).code == "53300");
}

TEST_CASE("backend messages: parse_error_fields on truncated or odd payloads") {
  CHECK(parse_error_fields("").code.empty());
  CHECK(parse_error_fields(std::string_view("C28P01", 6)).code.empty());  // value without NUL
  auto fields = parse_error_fields(std::string_view("Sfatal\0VFATAL\0C08P01\0\0", 21));
  CHECK(fields.severity == "FATAL");  // the non-localized one wins
  CHECK(fields.code == "08P01");
}

TEST_CASE("backend messages: authentication requests") {
  std::string out;
  append_authentication_ok(out);
  CHECK(out == std::string("R\0\0\0\x08\0\0\0\0", 9));

  out.clear();
  const uint8_t salt[4] = {0xde, 0xad, 0xbe, 0xef};
  append_authentication_md5(out, salt);
  {
    PayloadReader reader(only_message(out, 'R'));
    CHECK(reader.int32() == auth_code::md5_password);
    CHECK(reader.bytes(4) == "\xde\xad\xbe\xef");
    CHECK(reader.at_end());
  }

  out.clear();
  append_authentication_sasl(out, "SCRAM-SHA-256");
  {
    PayloadReader reader(only_message(out, 'R'));
    CHECK(reader.int32() == auth_code::sasl);
    CHECK(reader.cstring() == "SCRAM-SHA-256");
    CHECK(reader.cstring().empty());  // the list ends with an empty name
    CHECK(reader.at_end());
    CHECK(reader.ok());
  }

  out.clear();
  append_authentication_sasl_continue(out, "r=abc,s=c2FsdA==,i=4096");
  {
    PayloadReader reader(only_message(out, 'R'));
    CHECK(reader.int32() == auth_code::sasl_continue);
    CHECK(reader.rest() == "r=abc,s=c2FsdA==,i=4096");  // SASL data is not NUL-terminated
  }

  out.clear();
  append_authentication_sasl_final(out, "v=xyz");
  {
    PayloadReader reader(only_message(out, 'R'));
    CHECK(reader.int32() == auth_code::sasl_final);
    CHECK(reader.rest() == "v=xyz");
  }
}

TEST_CASE("backend messages: session start messages") {
  std::string out;
  append_parameter_status(out, "server_version", "16.2");
  {
    PayloadReader reader(only_message(out, 'S'));
    CHECK(reader.cstring() == "server_version");
    CHECK(reader.cstring() == "16.2");
    CHECK(reader.at_end());
  }
  out.clear();
  append_backend_key_data(out, 1234, -5678);
  {
    PayloadReader reader(only_message(out, 'K'));
    CHECK(reader.int32() == 1234);
    CHECK(reader.int32() == -5678);
  }
  out.clear();
  append_ready_for_query(out, 'T');
  CHECK(out == std::string("Z\0\0\0\x05T", 6));
  out.clear();
  append_query(out, "select 1");
  CHECK(only_message(out, 'Q') == std::string_view("select 1\0", 9));
  out.clear();
  append_terminate(out);
  CHECK(out == std::string("X\0\0\0\x04", 5));
}

TEST_CASE("backend messages: DataRow columns, NULLs, and rows that are cut or overlong") {
  std::string out;
  MessageBuilder(out, 'D').int16(3).int32(3).bytes("app").int32(-1).int32(0);
  auto columns = parse_data_row(only_message(out, 'D'));
  REQUIRE(columns);
  REQUIRE(columns->size() == 3);
  CHECK((*columns)[0] == "app");
  CHECK(!(*columns)[1]);
  CHECK((*columns)[2] == "");

  auto parse = [](auto build) {
    std::string bytes;
    {
      MessageBuilder message(bytes, 'D');
      build(message);
    }
    return parse_data_row(std::string_view(bytes).substr(kHeaderSize));
  };
  CHECK(parse([](MessageBuilder& m) { m.int16(0); })->empty());
  CHECK(!parse([](MessageBuilder& m) { m.int16(-1); }));
  CHECK(!parse([](MessageBuilder& m) { m.int16(2).int32(3).bytes("app").int32(10).bytes("short"); }));  // cut
  CHECK(!parse([](MessageBuilder& m) { m.int16(1).int32(-2); }));
  CHECK(!parse([](MessageBuilder& m) { m.int16(1).int32(1).bytes("ab"); }));  // a byte after the last column
  CHECK(!parse([](MessageBuilder& m) { m.int16(2).int32(1).bytes("a"); }));   // a column missing
  CHECK(!parse([](MessageBuilder&) {}));
}
