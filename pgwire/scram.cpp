// SCRAM-SHA-256 verifier handling, SASLprep and both sides of the exchange;
// see scram.hpp. Crypto is OpenSSL's; message parsing is strict and never
// trusts a length or an attribute the peer sent.
#include "pgwire/scram.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <utility>

namespace sy::pgwire {
namespace {

constexpr size_t kRawNonceLength = 18;  // as PostgreSQL and libpq: 24 base64 characters

// ---- base64 (RFC 4648, with padding; decoding is strict) -------------------

constexpr char kBase64Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64_encode(std::string_view data) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    uint32_t n = (uint32_t(uint8_t(data[i])) << 16) | (uint32_t(uint8_t(data[i + 1])) << 8) | uint8_t(data[i + 2]);
    out += kBase64Alphabet[n >> 18];
    out += kBase64Alphabet[(n >> 12) & 63];
    out += kBase64Alphabet[(n >> 6) & 63];
    out += kBase64Alphabet[n & 63];
  }
  size_t left = data.size() - i;
  if (left > 0) {
    uint32_t n = uint32_t(uint8_t(data[i])) << 16;
    if (left == 2) n |= uint32_t(uint8_t(data[i + 1])) << 8;
    out += kBase64Alphabet[n >> 18];
    out += kBase64Alphabet[(n >> 12) & 63];
    out += left == 2 ? kBase64Alphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string base64_encode(const ScramKey& key) {
  return base64_encode(std::string_view(reinterpret_cast<const char*>(key.data()), key.size()));
}

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    bool last = i + 4 == text.size();
    int padding = 0;
    if (last && text[i + 3] == '=') padding = text[i + 2] == '=' ? 2 : 1;
    uint32_t n = 0;
    for (size_t j = 0; j < 4; ++j) {
      int value = j >= 4 - size_t(padding) ? 0 : base64_value(text[i + j]);
      if (value < 0) return std::nullopt;
      n = (n << 6) | uint32_t(value);
    }
    // Bits under the padding must be zero: one encoding per value, so a
    // tampered proof cannot decode to the same bytes.
    if ((padding == 2 && (n & 0xFFFF) != 0) || (padding == 1 && (n & 0xFF) != 0)) return std::nullopt;
    out += char(n >> 16);
    if (padding < 2) out += char(n >> 8);
    if (padding < 1) out += char(n);
  }
  return out;
}

std::optional<ScramKey> decode_key(std::string_view text) {
  auto bytes = base64_decode(text);
  if (!bytes || bytes->size() != ScramKey().size()) return std::nullopt;
  ScramKey key;
  for (size_t i = 0; i < key.size(); ++i) key[i] = uint8_t((*bytes)[i]);
  return key;
}

// ---- crypto ------------------------------------------------------------------

// A failure of a deterministic primitive with valid arguments is a broken
// invariant (a crippled OpenSSL build), not something to recover from.
void require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "switchyard: %s\n", what);
  std::abort();
}

ScramKey hmac(const ScramKey& key, std::string_view data) {
  ScramKey out;
  unsigned int length = 0;
  require(HMAC(EVP_sha256(), key.data(), int(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
               data.size(), out.data(), &length) != nullptr &&
              length == out.size(),
          "OpenSSL HMAC-SHA-256 failed");
  return out;
}

ScramKey sha256(const ScramKey& data) {
  ScramKey out;
  SHA256(data.data(), data.size(), out.data());
  return out;
}

ScramKey salted_password(std::string_view prepared_password, std::string_view salt, int iterations) {
  ScramKey out;
  require(PKCS5_PBKDF2_HMAC(prepared_password.data(), int(prepared_password.size()),
                            reinterpret_cast<const unsigned char*>(salt.data()), int(salt.size()), iterations,
                            EVP_sha256(), int(out.size()), out.data()) == 1,
          "OpenSSL PBKDF2-HMAC-SHA-256 failed");
  return out;
}

struct DerivedKeys {
  ScramKey client_key;
  ScramKey server_key;
};

DerivedKeys derive_keys(std::string_view password, std::string_view salt, int iterations) {
  ScramKey salted = salted_password(saslprep_password(password), salt, iterations);
  DerivedKeys keys{hmac(salted, "Client Key"), hmac(salted, "Server Key")};
  OPENSSL_cleanse(salted.data(), salted.size());
  return keys;
}

ScramKey xor_keys(const ScramKey& a, const ScramKey& b) {
  ScramKey out;
  for (size_t i = 0; i < out.size(); ++i) out[i] = a[i] ^ b[i];
  return out;
}

bool keys_equal(const ScramKey& a, const ScramKey& b) { return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0; }

std::optional<std::string> random_nonce() {
  unsigned char raw[kRawNonceLength];
  if (RAND_bytes(raw, int(sizeof raw)) != 1) return std::nullopt;
  return base64_encode(std::string_view(reinterpret_cast<const char*>(raw), sizeof raw));
}

// ---- SCRAM message syntax ----------------------------------------------------

// RFC 5802: printable ASCII except ','.
bool valid_nonce(std::string_view nonce) {
  if (nonce.empty()) return false;
  for (char c : nonce)
    if (c < 0x21 || c > 0x7e || c == ',') return false;
  return true;
}

std::optional<int> parse_iterations(std::string_view text) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < 1) return std::nullopt;
  return value;
}

struct Attribute {
  char name = 0;
  std::string_view value;
};

// Reads "a=value,b=value" one attribute at a time, keeping track of where the
// next one starts (client-final-message-without-proof is a prefix).
class AttributeReader {
 public:
  explicit AttributeReader(std::string_view text) : text_(text), rest_(text) {}

  // nullopt at the end or when the next attribute is not "<letter>=".
  std::optional<Attribute> next() {
    if (rest_.size() < 2 || rest_[1] != '=' || !is_letter(rest_[0])) return std::nullopt;
    Attribute attribute{rest_[0], {}};
    size_t comma = rest_.find(',', 2);
    if (comma == std::string_view::npos) {
      attribute.value = rest_.substr(2);
      rest_ = {};
    } else {
      attribute.value = rest_.substr(2, comma - 2);
      rest_ = rest_.substr(comma + 1);
      dangling_comma_ = rest_.empty();
    }
    return attribute;
  }

  bool at_end() const { return rest_.empty() && !dangling_comma_; }
  size_t offset() const { return text_.size() - rest_.size(); }  // where next() starts

 private:
  static bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

  std::string_view text_;
  std::string_view rest_;
  bool dangling_comma_ = false;
};

std::string expected_attribute(char name, const std::optional<Attribute>& found) {
  std::string detail = "Expected attribute \"";
  detail += name;
  detail += '"';
  if (found) {
    detail += " but found \"";
    detail += found->name;
    detail += '"';
  }
  return detail + ".";
}

// RFC 5802 saslname: ',' and '=' are escaped.
std::string escape_saslname(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (c == ',') out += "=2C";
    else if (c == '=') out += "=3D";
    else out += c;
  }
  return out;
}

// ---- SASLprep ----------------------------------------------------------------

struct CodeRange {
  char32_t first, last;
};

bool in_ranges(char32_t code, std::initializer_list<CodeRange> ranges) {
  for (const auto& range : ranges)
    if (code >= range.first && code <= range.last) return true;
  return false;
}

// RFC 3454 table C.1.2
bool is_non_ascii_space(char32_t c) {
  return in_ranges(c, {{0x00A0, 0x00A0}, {0x1680, 0x1680}, {0x2000, 0x200B}, {0x202F, 0x202F}, {0x205F, 0x205F},
                       {0x3000, 0x3000}});
}

// RFC 3454 table B.1
bool is_mapped_to_nothing(char32_t c) {
  return in_ranges(c, {{0x00AD, 0x00AD}, {0x034F, 0x034F}, {0x1806, 0x1806}, {0x180B, 0x180D}, {0x200B, 0x200D},
                       {0x2060, 0x2060}, {0xFE00, 0xFE0F}, {0xFEFF, 0xFEFF}});
}

// RFC 4013 section 2.3: tables C.1.2 and C.2.1 through C.9 (not A.1, unassigned).
bool is_prohibited(char32_t c) {
  if ((c & 0xFFFE) == 0xFFFE) return true;  // C.4: U+xFFFE and U+xFFFF in every plane
  return is_non_ascii_space(c) ||
         in_ranges(c, {
                          {0x0000, 0x001F}, {0x007F, 0x009F},                                     // C.2.1, C.2.2
                          {0x06DD, 0x06DD}, {0x070F, 0x070F}, {0x180E, 0x180E}, {0x200C, 0x200F},  // C.2.2, C.8
                          {0x2028, 0x2029}, {0x202A, 0x202E}, {0x2060, 0x2063}, {0x206A, 0x206F},  // C.2.2, C.8
                          {0x0340, 0x0341},                                                       // C.8
                          {0x2FF0, 0x2FFB},                                                       // C.7
                          {0xD800, 0xDFFF},                                                       // C.5
                          {0xE000, 0xF8FF}, {0xF0000, 0xFFFFD}, {0x100000, 0x10FFFD},             // C.3
                          {0xFDD0, 0xFDEF},                                                       // C.4
                          {0xFEFF, 0xFEFF}, {0xFFF9, 0xFFFD}, {0x1D173, 0x1D17A},                 // C.2.2, C.6
                          {0xE0001, 0xE0001}, {0xE0020, 0xE007F},                                 // C.9
                      });
}

// Strict UTF-8 (no overlongs, no surrogates, nothing past U+10FFFF).
std::optional<std::u32string> decode_utf8(std::string_view text) {
  std::u32string out;
  size_t i = 0;
  while (i < text.size()) {
    auto byte = [&](size_t k) { return uint8_t(text[k]); };
    uint8_t lead = byte(i);
    size_t length;
    char32_t code;
    uint8_t low = 0x80, high = 0xBF;  // allowed range of the second byte
    if (lead < 0x80) {
      out += char32_t(lead);
      ++i;
      continue;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2, code = lead & 0x1F;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3, code = lead & 0x0F;
      if (lead == 0xE0) low = 0xA0;
      if (lead == 0xED) high = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4, code = lead & 0x07;
      if (lead == 0xF0) low = 0x90;
      if (lead == 0xF4) high = 0x8F;
    } else {
      return std::nullopt;
    }
    if (text.size() - i < length) return std::nullopt;
    if (byte(i + 1) < low || byte(i + 1) > high) return std::nullopt;
    for (size_t k = 1; k < length; ++k) {
      if ((byte(i + k) & 0xC0) != 0x80) return std::nullopt;
      code = (code << 6) | (byte(i + k) & 0x3F);
    }
    out += code;
    i += length;
  }
  return out;
}

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += char(c);
  } else if (c < 0x800) {
    out += char(0xC0 | (c >> 6));
    out += char(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += char(0xE0 | (c >> 12));
    out += char(0x80 | ((c >> 6) & 0x3F));
    out += char(0x80 | (c & 0x3F));
  } else {
    out += char(0xF0 | (c >> 18));
    out += char(0x80 | ((c >> 12) & 0x3F));
    out += char(0x80 | ((c >> 6) & 0x3F));
    out += char(0x80 | (c & 0x3F));
  }
}

SqlState successful_completion() { return {"00000", "successful_completion"}; }

}  // namespace

// ---- public: SASLprep and verifiers ----------------------------------------------

std::string saslprep_password(std::string_view password) {
  bool ascii = true;
  for (char c : password) ascii = ascii && uint8_t(c) < 0x80;
  if (ascii) return std::string(password);

  // Not UTF-8: PostgreSQL does not know the encoding and uses the bytes.
  auto input = decode_utf8(password);
  if (!input) return std::string(password);

  std::u32string mapped;
  for (char32_t c : *input) {
    if (is_non_ascii_space(c)) mapped += U' ';
    else if (!is_mapped_to_nothing(c)) mapped += c;
  }
  // Step 2, NFKC, would go here: see the limitation in scram.hpp.
  if (mapped.empty()) return std::string(password);
  for (char32_t c : mapped)
    if (is_prohibited(c)) return std::string(password);

  std::string out;
  for (char32_t c : mapped) append_utf8(out, c);
  return out;
}

std::optional<ScramVerifier> parse_scram_verifier(std::string_view text) {
  // SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>
  auto split = [](std::string_view& rest, char separator) -> std::optional<std::string_view> {
    size_t at = rest.find(separator);
    if (at == std::string_view::npos) return std::nullopt;
    auto head = rest.substr(0, at);
    rest = rest.substr(at + 1);
    return head;
  };
  std::string_view rest = text;
  auto mechanism = split(rest, '$');
  auto iterations_text = split(rest, ':');
  auto salt_text = split(rest, '$');
  auto stored_text = split(rest, ':');
  if (!mechanism || *mechanism != kScramSha256 || !iterations_text || !salt_text || !stored_text) return std::nullopt;

  ScramVerifier verifier;
  auto iterations = parse_iterations(*iterations_text);
  auto salt = base64_decode(*salt_text);
  auto stored_key = decode_key(*stored_text);
  auto server_key = decode_key(rest);
  if (!iterations || !salt || salt->empty() || !stored_key || !server_key) return std::nullopt;
  verifier.iterations = *iterations;
  verifier.salt = std::move(*salt);
  verifier.stored_key = *stored_key;
  verifier.server_key = *server_key;
  return verifier;
}

std::string format_scram_verifier(const ScramVerifier& verifier) {
  return std::string(kScramSha256) + "$" + std::to_string(verifier.iterations) + ":" + base64_encode(verifier.salt) +
         "$" + base64_encode(verifier.stored_key) + ":" + base64_encode(verifier.server_key);
}

ScramVerifier make_scram_verifier(std::string_view password, std::string_view salt, int iterations) {
  require(iterations >= 1, "make_scram_verifier: iterations must be at least 1");
  auto keys = derive_keys(password, salt, iterations);
  ScramVerifier verifier{iterations, std::string(salt), sha256(keys.client_key), keys.server_key};
  OPENSSL_cleanse(keys.client_key.data(), keys.client_key.size());
  return verifier;
}

SqlState ScramResult::sqlstate() const {
  switch (status) {
    case ScramStatus::ok: return successful_completion();
    case ScramStatus::protocol_error: return sqlstate::protocol_violation;
    case ScramStatus::unsupported: return sqlstate::feature_not_supported;
    case ScramStatus::auth_failed: return sqlstate::invalid_password;
    case ScramStatus::internal_error: return sqlstate::internal_error;
  }
  return sqlstate::internal_error;
}

// ---- ScramServer ----------------------------------------------------------------

ScramServer::ScramServer(ScramVerifier verifier, std::string_view server_nonce, std::string channel_binding)
    : verifier_(std::move(verifier)), server_nonce_(server_nonce), channel_binding_(std::move(channel_binding)) {}

ScramResult ScramServer::fail(ScramStatus status, std::string error, std::string detail) {
  state_ = State::failed;
  return ScramResult{status, {}, std::move(error), std::move(detail)};
}

ScramResult ScramServer::handle_client_first(std::string_view message, bool plus) {
  if (state_ != State::expect_client_first)
    return fail(ScramStatus::protocol_error, "unexpected SCRAM message", "client-first-message was already received.");
  constexpr const char* kMalformed = "malformed SCRAM message";
  if (plus && channel_binding_.empty())
    return fail(ScramStatus::protocol_error, "invalid SASLInitialResponse",
                "SCRAM-SHA-256-PLUS was not offered on this connection.");

  // gs2-header: cbind-flag "," [authzid] ","
  if (message.empty()) return fail(ScramStatus::protocol_error, kMalformed, "The message is empty.");
  size_t flag_end = message.find(',');
  if (flag_end == std::string_view::npos)
    return fail(ScramStatus::protocol_error, kMalformed, "Comma expected after the channel-binding flag.");
  std::string_view flag = message.substr(0, flag_end);
  if (flag == "n") {  // the client does not do channel binding
    if (plus) return fail(ScramStatus::protocol_error, kMalformed, "The client selected SCRAM-SHA-256-PLUS without "
                                                                   "channel binding.");
  } else if (flag == "y") {  // it could, but believes we cannot
    // A downgrade if we did offer it: someone removed -PLUS on the way.
    if (!channel_binding_.empty())
      return fail(ScramStatus::protocol_error, "SCRAM channel binding negotiation error",
                  "The client supports SCRAM channel binding but thinks the server does not.  However, this server "
                  "does support channel binding.");
    if (plus) return fail(ScramStatus::protocol_error, kMalformed, "The client selected SCRAM-SHA-256-PLUS without "
                                                                   "channel binding.");
  } else if (flag.starts_with("p=")) {
    if (!plus)
      return fail(ScramStatus::protocol_error, kMalformed,
                  "The client selected SCRAM-SHA-256 without channel binding, but the SCRAM message includes "
                  "channel binding data.");
    if (flag.substr(2) != kChannelBindingType)
      return fail(ScramStatus::unsupported, "unsupported SCRAM channel-binding type \"" +
                                                std::string(flag.substr(2)) + "\"");
    binding_used_ = true;
  } else {
    return fail(ScramStatus::protocol_error, kMalformed,
                "Unexpected channel-binding flag \"" + std::string(flag.substr(0, 1)) + "\".");
  }
  std::string_view after_flag = message.substr(flag_end + 1);
  if (!after_flag.empty() && after_flag[0] == 'a')
    return fail(ScramStatus::unsupported, "client uses authorization identity, but it is not supported");
  if (after_flag.empty() || after_flag[0] != ',')
    return fail(ScramStatus::protocol_error, kMalformed, "Comma expected after the authorization identity.");
  gs2_header_ = std::string(message.substr(0, flag_end + 2));
  std::string_view bare = message.substr(flag_end + 2);

  AttributeReader reader(bare);
  auto attribute = reader.next();
  if (attribute && attribute->name == 'm')
    return fail(ScramStatus::unsupported, "client requires an unsupported SCRAM extension");
  if (!attribute || attribute->name != 'n')
    return fail(ScramStatus::protocol_error, kMalformed, expected_attribute('n', attribute));
  // The user name is ignored: PostgreSQL takes it from the startup packet.
  attribute = reader.next();
  if (!attribute || attribute->name != 'r')
    return fail(ScramStatus::protocol_error, kMalformed, expected_attribute('r', attribute));
  std::string_view client_nonce = attribute->value;
  if (!valid_nonce(client_nonce))
    return fail(ScramStatus::protocol_error, kMalformed, "The client nonce is empty or not printable ASCII.");
  while (!reader.at_end())  // optional extensions: ignored
    if (!reader.next()) return fail(ScramStatus::protocol_error, kMalformed, "Malformed attribute after the nonce.");

  if (server_nonce_.empty()) {
    auto nonce = random_nonce();
    if (!nonce) return fail(ScramStatus::internal_error, "could not generate random nonce");
    server_nonce_ = std::move(*nonce);
  }
  nonce_ = std::string(client_nonce) + server_nonce_;
  client_first_bare_ = std::string(bare);
  server_first_ =
      "r=" + nonce_ + ",s=" + base64_encode(verifier_.salt) + ",i=" + std::to_string(verifier_.iterations);
  state_ = State::expect_client_final;
  return ScramResult{ScramStatus::ok, server_first_, {}, {}};
}

ScramResult ScramServer::handle_client_final(std::string_view message) {
  if (state_ != State::expect_client_final)
    return fail(ScramStatus::protocol_error, "unexpected SCRAM message",
                "client-final-message must follow client-first-message.");
  constexpr const char* kMalformed = "malformed SCRAM message";

  AttributeReader reader(message);
  auto attribute = reader.next();
  if (!attribute || attribute->name != 'c')
    return fail(ScramStatus::protocol_error, kMalformed, expected_attribute('c', attribute));
  // "c=" carries the gs2 header back, so the header cannot have been
  // tampered with on the way, and with channel binding the hash of the
  // certificate the client saw: a man in the middle shows another one.
  auto binding = base64_decode(attribute->value);
  if (!binding || *binding != gs2_header_ + (binding_used_ ? channel_binding_ : std::string()))
    return fail(ScramStatus::protocol_error, "SCRAM channel binding check failed",
                "The channel-binding attribute does not match the client-first-message.");
  attribute = reader.next();
  if (!attribute || attribute->name != 'r')
    return fail(ScramStatus::protocol_error, kMalformed, expected_attribute('r', attribute));
  if (attribute->value != nonce_)
    return fail(ScramStatus::protocol_error, "invalid SCRAM response", "Nonce does not match.");

  size_t proof_start;
  while (true) {  // optional extensions, then the proof, which must come last
    proof_start = reader.offset();
    attribute = reader.next();
    if (!attribute) return fail(ScramStatus::protocol_error, kMalformed, expected_attribute('p', attribute));
    if (attribute->name == 'p') break;
  }
  if (!reader.at_end())
    return fail(ScramStatus::protocol_error, kMalformed, "Garbage found at the end of client-final-message.");
  auto proof = decode_key(attribute->value);
  if (!proof) return fail(ScramStatus::protocol_error, kMalformed, "Malformed proof in client-final-message.");

  std::string auth_message =
      client_first_bare_ + "," + server_first_ + "," + std::string(message.substr(0, proof_start - 1));
  ScramKey client_key = xor_keys(*proof, hmac(verifier_.stored_key, auth_message));
  if (!keys_equal(sha256(client_key), verifier_.stored_key))
    return fail(ScramStatus::auth_failed, "password authentication failed");

  client_key_ = client_key;
  state_ = State::succeeded;
  return ScramResult{ScramStatus::ok, "v=" + base64_encode(hmac(verifier_.server_key, auth_message)), {}, {}};
}

std::optional<ScramKey> ScramServer::client_key() const {
  if (state_ != State::succeeded) return std::nullopt;
  return client_key_;
}

// ---- ScramClient ----------------------------------------------------------------

ScramClient::ScramClient(std::string_view password, std::string_view nonce, std::string_view user)
    : password_(std::string(password)), nonce_(nonce), user_(user) {}

ScramClient::ScramClient(const ScramKey& client_key, const ScramKey& server_key, std::string_view nonce)
    : client_key_(client_key), server_key_(server_key), nonce_(nonce) {}

ScramClient::ScramClient(const ScramKey& client_key, const ScramVerifier& verifier, std::string_view nonce)
    : client_key_(client_key), server_key_(verifier.server_key), expected_(verifier), nonce_(nonce) {}

ScramResult ScramClient::fail(ScramStatus status, std::string error, std::string detail) {
  state_ = State::failed;
  error_ = error;
  if (!detail.empty()) error_ += ": " + detail;
  return ScramResult{status, {}, std::move(error), std::move(detail)};
}

std::string ScramClient::gs2_header() const {
  if (!channel_binding_.empty()) return "p=" + std::string(kChannelBindingType) + ",,";
  return binding_supported_ ? "y,," : "n,,";
}

ScramResult ScramClient::client_first_message() {
  if (state_ != State::initial) return fail(ScramStatus::protocol_error, "SCRAM client-first-message already sent");
  if (nonce_.empty()) {
    auto nonce = random_nonce();
    if (!nonce) return fail(ScramStatus::internal_error, "could not generate random nonce");
    nonce_ = std::move(*nonce);
  }
  client_first_bare_ = "n=" + escape_saslname(user_) + ",r=" + nonce_;
  state_ = State::first_sent;
  return ScramResult{ScramStatus::ok, gs2_header() + client_first_bare_, {}, {}};
}

ScramResult ScramClient::handle_server_first(std::string_view message) {
  if (state_ != State::first_sent)
    return fail(ScramStatus::protocol_error, "unexpected SCRAM server-first-message");
  constexpr const char* kInvalid = "invalid SCRAM server-first-message";

  AttributeReader reader(message);
  auto attribute = reader.next();
  if (attribute && attribute->name == 'm')
    return fail(ScramStatus::unsupported, "server requires an unsupported SCRAM extension");
  if (!attribute || attribute->name != 'r')
    return fail(ScramStatus::protocol_error, kInvalid, expected_attribute('r', attribute));
  std::string_view nonce = attribute->value;
  // The server must extend our nonce: that is what makes the proof unique to
  // this exchange.
  if (!valid_nonce(nonce) || nonce.size() <= nonce_.size() || nonce.substr(0, nonce_.size()) != nonce_)
    return fail(ScramStatus::protocol_error, kInvalid, "The server nonce does not extend the client nonce.");

  attribute = reader.next();
  if (!attribute || attribute->name != 's')
    return fail(ScramStatus::protocol_error, kInvalid, expected_attribute('s', attribute));
  auto salt = base64_decode(attribute->value);
  if (!salt || salt->empty()) return fail(ScramStatus::protocol_error, kInvalid, "The salt is empty or not base64.");

  attribute = reader.next();
  if (!attribute || attribute->name != 'i')
    return fail(ScramStatus::protocol_error, kInvalid, expected_attribute('i', attribute));
  auto iterations = parse_iterations(attribute->value);
  if (!iterations || *iterations > kScramMaxIterations)
    return fail(ScramStatus::protocol_error, kInvalid,
                "The iteration count \"" + std::string(attribute->value) + "\" is not between 1 and " +
                    std::to_string(kScramMaxIterations) + ".");
  while (!reader.at_end())  // optional extensions: ignored
    if (!reader.next()) return fail(ScramStatus::protocol_error, kInvalid, "Malformed attribute after the iterations.");

  if (expected_ && (*salt != expected_->salt || *iterations != expected_->iterations))
    return fail(ScramStatus::auth_failed, "SCRAM pass-through is not possible",
                "The server's salt and iteration count differ from the proxy's verifier for this user; both must "
                "store the same SCRAM secret.");

  if (password_) {
    auto keys = derive_keys(*password_, *salt, *iterations);
    client_key_ = keys.client_key;
    server_key_ = keys.server_key;
  }
  std::string without_proof = "c=" + base64_encode(gs2_header() + channel_binding_) + ",r=" + std::string(nonce);
  std::string auth_message = client_first_bare_ + "," + std::string(message) + "," + without_proof;
  ScramKey proof = xor_keys(client_key_, hmac(sha256(client_key_), auth_message));
  expected_server_signature_ = hmac(server_key_, auth_message);
  state_ = State::final_sent;
  return ScramResult{ScramStatus::ok, without_proof + ",p=" + base64_encode(proof), {}, {}};
}

bool ScramClient::verify_server_final(std::string_view message) {
  auto verdict = [&]() -> ScramResult {
    if (state_ != State::final_sent) return fail(ScramStatus::protocol_error, "unexpected SCRAM server-final-message");
    AttributeReader reader(message);
    auto attribute = reader.next();
    if (attribute && attribute->name == 'e')
      return fail(ScramStatus::auth_failed, "server rejected SCRAM authentication", std::string(attribute->value));
    if (!attribute || attribute->name != 'v')
      return fail(ScramStatus::protocol_error, "invalid SCRAM server-final-message", expected_attribute('v', attribute));
    auto signature = decode_key(attribute->value);
    if (!signature || !keys_equal(*signature, expected_server_signature_))
      return fail(ScramStatus::auth_failed, "incorrect server signature",
                  "The server does not know this user's SCRAM secret.");
    state_ = State::succeeded;
    return ScramResult{};
  }();
  return verdict.ok();
}

}  // namespace sy::pgwire
