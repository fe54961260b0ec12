// SCRAM-SHA-256 (RFC 5802 / RFC 7677) as PostgreSQL speaks it, sans I/O: the
// stored verifier, the server side (the proxy authenticating a client) and the
// client side (the proxy logging in to a PostgreSQL server). Callers move the
// SASL payloads in and out of AuthenticationSASL* / SASL*Response messages.
//
// PostgreSQL's dialect: channel binding only as SCRAM-SHA-256-PLUS with
// tls-server-end-point (RFC 5929) over TLS, and the user name in
// client-first-message is ignored — the user comes from the startup packet —
// so clients send "n=" with an empty name.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "pgwire/sqlstate.hpp"

namespace sy::pgwire {

inline constexpr std::string_view kScramSha256 = "SCRAM-SHA-256";
inline constexpr std::string_view kScramSha256Plus = "SCRAM-SHA-256-PLUS";
inline constexpr std::string_view kChannelBindingType = "tls-server-end-point";
// The most PBKDF2 iterations ScramClient accepts from a server. PostgreSQL's
// default is 4096; the derivation runs on the caller's thread (a worker loop),
// so a server asking for millions is broken or trying to burn our CPU.
inline constexpr int kScramMaxIterations = 10'000'000;

using ScramKey = std::array<uint8_t, 32>;

// What PostgreSQL stores in pg_authid.rolpassword:
// SCRAM-SHA-256$<iterations>:<base64 salt>$<base64 StoredKey>:<base64 ServerKey>
struct ScramVerifier {
  int iterations = 0;
  std::string salt;  // raw bytes
  ScramKey stored_key{};
  ScramKey server_key{};
};

std::optional<ScramVerifier> parse_scram_verifier(std::string_view text);
std::string format_scram_verifier(const ScramVerifier& verifier);
// The password goes through saslprep_password() first, as PostgreSQL does.
// `iterations` must be >= 1.
ScramVerifier make_scram_verifier(std::string_view password, std::string_view salt, int iterations);

// PostgreSQL's password normalization: SASLprep (RFC 4013), falling back to
// the password as it is when it is not valid UTF-8 or SASLprep prohibits it.
// ASCII passwords are always used as they are. For non-ASCII we apply the
// mapping step (non-ASCII spaces -> ' ', "mapped to nothing" characters
// removed) and the prohibited-output check, but NOT the NFKC normalization
// (that needs Unicode tables): a password whose NFKC form differs from itself
// (decomposed accents, full-width letters, ligatures, superscripts...) derives
// a different key than PostgreSQL's and will not authenticate.
std::string saslprep_password(std::string_view password);

enum class ScramStatus {
  ok,
  protocol_error,  // malformed or unexpected message: 08P01
  unsupported,     // channel binding, authzid, mandatory extensions: 0A000
  auth_failed,     // wrong password / proof, or the peer rejected us: 28P01
  internal_error,  // the random generator or the crypto library failed: XX000
};

// The outcome of one step. On success `data` is the SCRAM message to send; on
// failure `error` (and maybe `detail`) are the texts for an ErrorResponse.
struct [[nodiscard]] ScramResult {
  ScramStatus status = ScramStatus::ok;
  std::string data;
  std::string error;
  std::string detail;

  bool ok() const { return status == ScramStatus::ok; }
  SqlState sqlstate() const;
};

// The proxy as SCRAM server. One object per authentication exchange:
//   client SASLInitialResponse  -> handle_client_first  -> AuthenticationSASLContinue
//   client SASLResponse         -> handle_client_final  -> AuthenticationSASLFinal + AuthenticationOk
// auth_failed from handle_client_final is the wrong password; report it as
// 28P01 `password authentication failed for user "<user>"`.
class ScramServer {
 public:
  // `server_nonce` is for tests; empty means 18 random bytes in base64 (as
  // PostgreSQL). It must be printable ASCII without ','.
  // `channel_binding`: over TLS, the tls-server-end-point hash of our
  // certificate; then SCRAM-SHA-256-PLUS is offered beside SCRAM-SHA-256.
  // Empty: no TLS (or no binding for the certificate's signature).
  explicit ScramServer(ScramVerifier verifier, std::string_view server_nonce = {},
                       std::string channel_binding = {});

  bool offers_plus() const { return !channel_binding_.empty(); }
  // The mechanism the client chose in SASLInitialResponse; `plus` = the
  // -PLUS one, which handle_client_first then requires a "p=" header for.
  ScramResult handle_client_first(std::string_view client_first_message, bool plus = false);
  ScramResult handle_client_final(std::string_view client_final_message);

  bool succeeded() const { return state_ == State::succeeded; }
  // After success: ClientProof XOR ClientSignature, i.e. the client's
  // ClientKey. With the verifier's ServerKey it lets a ScramClient log in to a
  // server that stores the same verifier (pass-through, as PgBouncer does).
  std::optional<ScramKey> client_key() const;

 private:
  enum class State { expect_client_first, expect_client_final, succeeded, failed };
  ScramResult fail(ScramStatus status, std::string error, std::string detail = {});

  ScramVerifier verifier_;
  std::string server_nonce_;
  State state_ = State::expect_client_first;
  std::string channel_binding_;    // tls-server-end-point data; empty without TLS
  bool binding_used_ = false;      // the client chose "p=tls-server-end-point"
  std::string gs2_header_;         // what "c=" must decode to (then the binding data, if used)
  std::string nonce_;              // client nonce + server nonce
  std::string client_first_bare_;  // these two are part of AuthMessage
  std::string server_first_;
  ScramKey client_key_{};
};

// The proxy as SCRAM client of a PostgreSQL server. One object per login:
//   AuthenticationSASL (lists SCRAM-SHA-256) -> client_first_message()  -> SASLInitialResponse
//   AuthenticationSASLContinue               -> handle_server_first()   -> SASLResponse
//   AuthenticationSASLFinal                  -> verify_server_final()   (false: close the connection)
class ScramClient {
 public:
  // With the password (configured for the server). `nonce` is for tests
  // (empty: random); `user` only for RFC conformance — PostgreSQL ignores it.
  explicit ScramClient(std::string_view password, std::string_view nonce = {}, std::string_view user = {});
  // Pass-through: keys recovered by a ScramServer from the client's own
  // exchange. They only work if the server stores the same verifier (same
  // salt and iterations); otherwise the server answers "password
  // authentication failed".
  ScramClient(const ScramKey& client_key, const ScramKey& server_key, std::string_view nonce = {});
  // Pass-through that also checks the server's salt and iterations against
  // the verifier the keys came from, to fail early with a clear reason.
  ScramClient(const ScramKey& client_key, const ScramVerifier& verifier, std::string_view nonce = {});

  // Before client_first_message(): bind the exchange to the TLS channel
  // (SCRAM-SHA-256-PLUS with tls-server-end-point `data`).
  void use_channel_binding(std::string data) { channel_binding_ = std::move(data); }
  // Before client_first_message(), instead: say that we could bind to the
  // channel but the server did not offer SCRAM-SHA-256-PLUS (gs2 flag "y").
  // A server that does support binding then fails the login: someone between
  // us removed -PLUS from its list (RFC 5802 section 6, a downgrade).
  void could_bind_but_server_cannot() { binding_supported_ = true; }
  bool channel_bound() const { return !channel_binding_.empty(); }
  ScramResult client_first_message();
  ScramResult handle_server_first(std::string_view server_first_message);
  // True only for "v=<the expected ServerSignature>". A server that answers
  // "e=..." or signs wrongly does not know our verifier: do not trust it.
  [[nodiscard]] bool verify_server_final(std::string_view server_final_message);

  // Why the last step failed ("" if it did not).
  const std::string& error() const { return error_; }

 private:
  enum class State { initial, first_sent, final_sent, succeeded, failed };
  ScramResult fail(ScramStatus status, std::string error, std::string detail = {});
  std::string gs2_header() const;

  std::optional<std::string> password_;  // empty in pass-through mode
  ScramKey client_key_{};
  ScramKey server_key_{};
  std::optional<ScramVerifier> expected_;  // pass-through with a salt/iterations check
  std::string nonce_;
  std::string user_;
  State state_ = State::initial;
  std::string client_first_bare_;
  std::string channel_binding_;  // empty: none ("n,," or, with binding_supported_, "y,,")
  bool binding_supported_ = false;
  ScramKey expected_server_signature_{};
  std::string error_;
};

}  // namespace sy::pgwire
