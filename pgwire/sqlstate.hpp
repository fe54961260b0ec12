// The SQLSTATE codes the proxy itself reports, declared once with the text
// operators and drivers will see.
#pragma once

#include <string_view>

namespace sy::pgwire {

struct SqlState {
  std::string_view code;
  std::string_view name;  // PostgreSQL's condition name
};

namespace sqlstate {
constexpr SqlState protocol_violation{"08P01", "protocol_violation"};
constexpr SqlState connection_failure{"08006", "connection_failure"};
constexpr SqlState connection_exception{"08000", "connection_exception"};
constexpr SqlState invalid_password{"28P01", "invalid_password"};
constexpr SqlState invalid_authorization{"28000", "invalid_authorization_specification"};
constexpr SqlState invalid_catalog_name{"3D000", "invalid_catalog_name"};
constexpr SqlState too_many_connections{"53300", "too_many_connections"};
constexpr SqlState configuration_limit_exceeded{"53400", "configuration_limit_exceeded"};
constexpr SqlState admin_shutdown{"57P01", "admin_shutdown"};
constexpr SqlState cannot_connect_now{"57P03", "cannot_connect_now"};
constexpr SqlState query_canceled{"57014", "query_canceled"};
constexpr SqlState feature_not_supported{"0A000", "feature_not_supported"};
constexpr SqlState idle_in_transaction_timeout{"25P03", "idle_in_transaction_session_timeout"};
constexpr SqlState invalid_sql_statement_name{"26000", "invalid_sql_statement_name"};
constexpr SqlState duplicate_prepared_statement{"42P05", "duplicate_prepared_statement"};
constexpr SqlState internal_error{"XX000", "internal_error"};
}  // namespace sqlstate

}  // namespace sy::pgwire
