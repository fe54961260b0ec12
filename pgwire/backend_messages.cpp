// Builders and readers of backend messages; see backend_messages.hpp.
#include "pgwire/backend_messages.hpp"

#include "pgwire/message.hpp"

namespace sy::pgwire {

void append_error(std::string& out, Severity severity, SqlState state, std::string_view message,
                  std::string_view detail, std::string_view hint) {
  std::string_view text;
  bool notice = false;
  switch (severity) {
    case Severity::error: text = "ERROR"; break;
    case Severity::fatal: text = "FATAL"; break;
    case Severity::panic: text = "PANIC"; break;
    case Severity::notice: text = "NOTICE"; notice = true; break;
    case Severity::warning: text = "WARNING"; notice = true; break;
  }
  MessageBuilder m(out, notice ? 'N' : 'E');
  m.byte('S').cstring(text).byte('V').cstring(text).byte('C').cstring(state.code).byte('M').cstring(message);
  if (!detail.empty()) m.byte('D').cstring(detail);
  if (!hint.empty()) m.byte('H').cstring(hint);
  m.byte(0);
}

void append_authentication_ok(std::string& out) { MessageBuilder(out, 'R').int32(auth_code::ok); }

void append_authentication_cleartext(std::string& out) {
  MessageBuilder(out, 'R').int32(auth_code::cleartext_password);
}

void append_authentication_md5(std::string& out, const uint8_t salt[4]) {
  MessageBuilder(out, 'R').int32(auth_code::md5_password).bytes(std::string_view(reinterpret_cast<const char*>(salt), 4));
}

void append_authentication_sasl(std::string& out, std::string_view mechanism) {
  append_authentication_sasl(out, {mechanism});
}

void append_authentication_sasl(std::string& out, std::initializer_list<std::string_view> mechanisms) {
  MessageBuilder message(out, 'R');
  message.int32(auth_code::sasl);
  for (std::string_view mechanism : mechanisms) message.cstring(mechanism);
  message.byte(0);
}

void append_authentication_sasl_continue(std::string& out, std::string_view data) {
  MessageBuilder(out, 'R').int32(auth_code::sasl_continue).bytes(data);
}

void append_authentication_sasl_final(std::string& out, std::string_view data) {
  MessageBuilder(out, 'R').int32(auth_code::sasl_final).bytes(data);
}

void append_parameter_status(std::string& out, std::string_view name, std::string_view value) {
  MessageBuilder(out, 'S').cstring(name).cstring(value);
}

void append_backend_key_data(std::string& out, int32_t process_id, int32_t secret_key) {
  MessageBuilder(out, 'K').int32(process_id).int32(secret_key);
}

void append_ready_for_query(std::string& out, char transaction_status) {
  MessageBuilder(out, 'Z').byte(uint8_t(transaction_status));
}

void append_query(std::string& out, std::string_view sql) { MessageBuilder(out, 'Q').cstring(sql); }

void append_terminate(std::string& out) { MessageBuilder(out, 'X'); }

ErrorFields parse_error_fields(std::string_view payload) {
  ErrorFields fields;
  PayloadReader reader(payload);
  while (reader.ok() && !reader.at_end()) {
    uint8_t code = reader.byte();
    if (code == 0) break;
    std::string_view value = reader.cstring();
    switch (code) {
      case 'S': if (fields.severity.empty()) fields.severity = value; break;
      case 'V': fields.severity = value; break;
      case 'C': fields.code = value; break;
      case 'M': fields.message = value; break;
      default: break;
    }
  }
  return fields;
}

std::optional<DataRowColumns> parse_data_row(std::string_view payload) {
  PayloadReader reader(payload);
  int16_t count = reader.int16();
  if (!reader.ok() || count < 0) return std::nullopt;
  DataRowColumns columns;
  columns.reserve(static_cast<size_t>(count));
  for (int16_t i = 0; i < count; ++i) {
    int32_t length = reader.int32();
    if (!reader.ok() || length < -1) return std::nullopt;
    if (length == -1) {
      columns.emplace_back();
      continue;
    }
    std::string_view value = reader.bytes(static_cast<size_t>(length));
    if (!reader.ok()) return std::nullopt;
    columns.emplace_back(value);
  }
  if (!reader.at_end()) return std::nullopt;
  return columns;
}

}  // namespace sy::pgwire
