// Credential forms and method choice; see credentials.hpp.
#include "proxy/postgres/credentials.hpp"

#include "pgwire/md5_auth.hpp"

namespace sy::postgres {

Credential Credential::from_stored(std::string_view stored) {
  Credential credential;
  if (stored.empty()) return credential;
  if (stored.starts_with("SCRAM-SHA-256$")) {
    credential.verifier = pgwire::parse_scram_verifier(stored);
    credential.kind = credential.verifier ? Kind::scram : Kind::none;
    return credential;
  }
  credential.secret = std::string(stored);
  credential.kind = pgwire::is_md5_password_hash(stored) ? Kind::md5 : Kind::plain;
  return credential;
}

std::optional<Credential> find_credential(const conf::Config& config, std::string_view user) {
  if (const conf::User* listed = config.find_user(user)) return Credential::from_stored(listed->password);
  auto it = config.postgres.auth_file_users.find(std::string(user));
  if (it != config.postgres.auth_file_users.end()) return Credential::from_stored(it->second);
  return std::nullopt;
}

std::optional<conf::AuthMethod> choose_auth_method(const std::vector<conf::AuthMethod>& allowed,
                                                   const Credential& credential) {
  using K = Credential::Kind;
  for (conf::AuthMethod method : allowed) {
    switch (method) {
      case conf::AuthMethod::trust:
        return method;
      case conf::AuthMethod::scram_sha_256:
        if (credential.kind == K::plain || credential.kind == K::scram) return method;
        break;
      case conf::AuthMethod::md5:
        if (credential.kind == K::plain || credential.kind == K::md5) return method;
        break;
      case conf::AuthMethod::password:
        if (credential.kind != K::none) return method;
        break;
    }
  }
  return std::nullopt;
}

}  // namespace sy::postgres
