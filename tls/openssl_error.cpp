// OpenSSL's error queue as one line. Only reasons and their detail text are
// kept: library names and error codes mean nothing to an operator.
#include "tls/openssl_error.hpp"

#include <openssl/err.h>

namespace sy::tls {

std::string take_openssl_errors(const char* fallback) {
  std::string text;
  const char* data = nullptr;
  int flags = 0;
  while (unsigned long code = ERR_get_error_all(nullptr, nullptr, nullptr, &data, &flags)) {
    if (!text.empty()) text += "; ";
    const char* reason = ERR_reason_error_string(code);
    text += reason ? reason : "error " + std::to_string(ERR_GET_REASON(code));
    if ((flags & ERR_TXT_STRING) && data && *data) {
      text += " (";
      text += data;
      text += ")";
    }
  }
  return text.empty() ? fallback : text;
}

}  // namespace sy::tls
