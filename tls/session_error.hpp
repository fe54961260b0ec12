// Why a TLS session failed, as a small closed set that metrics can count by
// ("failed handshakes by reason") and a line of text for the log. The
// classification of OpenSSL's reason codes is one table in session_error.cpp.
#pragma once

#include <openssl/types.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace sy::tls {

enum class TlsError : uint8_t {
  none,
  not_tls,                  // the bytes are not TLS records (plaintext, HTTP, garbage)
  protocol_version,         // no TLS version both sides accept
  no_shared_cipher,         // no cipher or group both sides accept
  no_application_protocol,  // ALPN offered by the client, none in common
  peer_certificate_missing,  // we require a certificate, the peer sent none
  peer_certificate_invalid,  // the peer's chain failed verification (unknown CA, expired, ...)
  hostname_mismatch,         // the server's certificate does not name the host we asked for
  peer_alert,                // the peer aborted with a fatal alert
  handshake,                 // any other handshake failure
  protocol,                  // a bad record after the handshake (bad MAC, unexpected message)
  internal,                  // out of memory, a bug, a misused session
};

std::string_view error_name(TlsError error);  // "hostname_mismatch", for metric labels

struct SessionFailure {
  TlsError error = TlsError::none;
  std::string message;
};

// Classifies what OpenSSL's error queue holds for a failed call on `ssl` and
// drains it. `expected_host` (client side, full verification) is named in a
// hostname mismatch message.
SessionFailure describe_failure(SSL* ssl, bool handshake_done, std::string_view expected_host);

}  // namespace sy::tls
