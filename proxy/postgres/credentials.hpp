// What switchyard knows of a user's password, in whichever form it was
// given (plain, PostgreSQL md5 hash, SCRAM verifier), and which client
// authentication method that allows.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "conf/config.hpp"
#include "pgwire/scram.hpp"

namespace sy::postgres {

struct Credential {
  enum class Kind { none, plain, md5, scram };
  Kind kind = Kind::none;
  std::string secret;                     // plain: the password; md5: "md5<hex>"
  std::optional<pgwire::ScramVerifier> verifier;  // scram (and plain, once derived)

  static Credential from_stored(std::string_view stored);
};

// The user's credential from [[user]] or the auth_file; nullopt if unknown.
std::optional<Credential> find_credential(const conf::Config& config, std::string_view user);

// The first method of `allowed` the credential supports (trust needs none).
std::optional<conf::AuthMethod> choose_auth_method(const std::vector<conf::AuthMethod>& allowed,
                                                   const Credential& credential);

}  // namespace sy::postgres
