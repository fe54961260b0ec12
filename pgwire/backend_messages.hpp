// Builders for the backend messages the proxy sends on its own (errors,
// authentication requests, session parameters, ReadyForQuery) and readers
// for the server messages it must look inside.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pgwire/sqlstate.hpp"

namespace sy::pgwire {

enum class Severity { error, fatal, panic, notice, warning };

// Appends an ErrorResponse ('E') or NoticeResponse ('N', for notice/warning).
void append_error(std::string& out, Severity severity, SqlState state, std::string_view message,
                  std::string_view detail = {}, std::string_view hint = {});

void append_authentication_ok(std::string& out);
void append_authentication_cleartext(std::string& out);
void append_authentication_md5(std::string& out, const uint8_t salt[4]);
void append_authentication_sasl(std::string& out, std::string_view mechanism);
// AuthenticationSASL listing several mechanisms, in preference order.
void append_authentication_sasl(std::string& out, std::initializer_list<std::string_view> mechanisms);
void append_authentication_sasl_continue(std::string& out, std::string_view data);
void append_authentication_sasl_final(std::string& out, std::string_view data);
void append_parameter_status(std::string& out, std::string_view name, std::string_view value);
void append_backend_key_data(std::string& out, int32_t process_id, int32_t secret_key);
void append_ready_for_query(std::string& out, char transaction_status);
void append_query(std::string& out, std::string_view sql);  // frontend 'Q'
void append_terminate(std::string& out);                    // frontend 'X'

// Fields of an ErrorResponse / NoticeResponse payload.
struct ErrorFields {
  std::string_view severity;  // localized 'S' or non-localized 'V'
  std::string_view code;      // 'C'
  std::string_view message;   // 'M'
};
ErrorFields parse_error_fields(std::string_view payload);

// The columns of a DataRow ('D') payload, each a view into it or nullopt for
// SQL NULL; nullopt as a whole when the payload is malformed: a negative
// column count, a length below -1, a value running past the end, or bytes
// after the last column.
using DataRowColumns = std::vector<std::optional<std::string_view>>;
std::optional<DataRowColumns> parse_data_row(std::string_view payload);

// Authentication request codes (the int32 after 'R').
namespace auth_code {
constexpr int32_t ok = 0;
constexpr int32_t cleartext_password = 3;
constexpr int32_t md5_password = 5;
constexpr int32_t sasl = 10;
constexpr int32_t sasl_continue = 11;
constexpr int32_t sasl_final = 12;
}  // namespace auth_code

}  // namespace sy::pgwire
