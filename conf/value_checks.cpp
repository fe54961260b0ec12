// The keys' own checks outside HTTP: the admin socket path and stored
// credentials; see value_checks.hpp.
#include "conf/value_checks.hpp"

#include <sys/un.h>

#include <algorithm>
#include <cctype>

#include "conf/schema.hpp"

namespace sy::conf {
namespace {

bool is_hex(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}

}  // namespace

void unix_socket_path(std::string value, std::string& out, ValueProblems& problems) {
  const std::string key(problems.spec.key);
  if (value.empty()) return problems.add(key + " must not be empty");
  if (value.size() >= sizeof(sockaddr_un::sun_path))
    return problems.add(key + " path is " + std::to_string(value.size()) +
                        " bytes long; a Unix socket path must be shorter than " +
                        std::to_string(sizeof(sockaddr_un::sun_path)));
  out = std::move(value);
}

void non_empty_text(std::string value, std::string& out, ValueProblems& problems) {
  if (value.empty()) return problems.add(std::string(problems.spec.key) + " must not be empty");
  out = std::move(value);
}

// Catches the common mistakes in stored credentials; the full SCRAM parse
// happens where the verifier is used.
void stored_password(std::string value, std::string& out, ValueProblems& problems) {
  const std::string key(problems.spec.key);
  std::string_view password = value;
  if (password.starts_with("md5") && password.size() != 35 && is_hex(password.substr(3)))
    return problems.add(key + " looks like an md5 hash but is not \"md5\" followed by 32 hex digits");
  if (password.starts_with("SCRAM-SHA-256$")) {
    auto dollar = password.find('$', 14);
    auto colon = password.find(':', 14);
    if (dollar == std::string_view::npos || colon == std::string_view::npos || colon > dollar ||
        password.find(':', dollar) == std::string_view::npos)
      return problems.add(key + " a SCRAM verifier must read SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>");
  }
  out = std::move(value);
}

}  // namespace sy::conf
