// OpenSSL reason codes -> TlsError, and the message a failed session reports.
#include "tls/session_error.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include "tls/openssl_error.hpp"

namespace sy::tls {

namespace {

struct ReasonClass {
  int reason;
  TlsError error;
};

// The first (oldest) SSL-library reason in the queue decides.
constexpr ReasonClass kReasons[] = {
    {SSL_R_WRONG_VERSION_NUMBER, TlsError::not_tls},
    {SSL_R_HTTP_REQUEST, TlsError::not_tls},
    {SSL_R_HTTPS_PROXY_REQUEST, TlsError::not_tls},
    {SSL_R_PACKET_LENGTH_TOO_LONG, TlsError::not_tls},
    {SSL_R_UNKNOWN_PROTOCOL, TlsError::not_tls},
    {SSL_R_RECORD_LENGTH_MISMATCH, TlsError::not_tls},
    {SSL_R_UNSUPPORTED_PROTOCOL, TlsError::protocol_version},
    {SSL_R_TLSV1_ALERT_PROTOCOL_VERSION, TlsError::protocol_version},
    {SSL_R_NO_PROTOCOLS_AVAILABLE, TlsError::protocol_version},
    {SSL_R_NO_SHARED_CIPHER, TlsError::no_shared_cipher},
    {SSL_R_NO_SHARED_GROUPS, TlsError::no_shared_cipher},
    {SSL_R_NO_SUITABLE_KEY_SHARE, TlsError::no_shared_cipher},
    {SSL_R_NO_APPLICATION_PROTOCOL, TlsError::no_application_protocol},
    {SSL_R_TLSV1_ALERT_NO_APPLICATION_PROTOCOL, TlsError::no_application_protocol},
    {SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE, TlsError::peer_certificate_missing},
    {SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED, TlsError::peer_certificate_missing},
    {SSL_R_CERTIFICATE_VERIFY_FAILED, TlsError::peer_certificate_invalid},
};

struct ErrorName {
  TlsError error;
  std::string_view name;
};

constexpr ErrorName kNames[] = {
    {TlsError::none, "none"},
    {TlsError::not_tls, "not_tls"},
    {TlsError::protocol_version, "protocol_version"},
    {TlsError::no_shared_cipher, "no_shared_cipher"},
    {TlsError::no_application_protocol, "no_application_protocol"},
    {TlsError::peer_certificate_missing, "peer_certificate_missing"},
    {TlsError::peer_certificate_invalid, "peer_certificate_invalid"},
    {TlsError::hostname_mismatch, "hostname_mismatch"},
    {TlsError::peer_alert, "peer_alert"},
    {TlsError::handshake, "handshake"},
    {TlsError::protocol, "protocol"},
    {TlsError::internal, "internal"},
};

TlsError classify(int reason, bool handshake_done) {
  for (const ReasonClass& entry : kReasons)
    if (entry.reason == reason) return entry.error;
  // Alerts from the peer: SSL_R_SSLV3_ALERT_* / SSL_R_TLSV1_ALERT_* are offset by SSL_AD_REASON_OFFSET.
  if (reason >= SSL_AD_REASON_OFFSET && reason < SSL_AD_REASON_OFFSET + 256) return TlsError::peer_alert;
  return handshake_done ? TlsError::protocol : TlsError::handshake;
}

}  // namespace

std::string_view error_name(TlsError error) {
  for (const ErrorName& entry : kNames)
    if (entry.error == error) return entry.name;
  return "unknown";
}

SessionFailure describe_failure(SSL* ssl, bool handshake_done, std::string_view expected_host) {
  SessionFailure failure;
  unsigned long first = ERR_peek_error();
  // Reason numbers are per library; only the SSL library's are in the table.
  int reason = first && ERR_GET_LIB(first) == ERR_LIB_SSL ? ERR_GET_REASON(first) : 0;
  failure.error = first ? classify(reason, handshake_done) : TlsError::internal;
  failure.message = take_openssl_errors("TLS failure without an OpenSSL reason");

  if (failure.error == TlsError::peer_certificate_invalid) {
    long verify = SSL_get_verify_result(ssl);
    if (verify == X509_V_ERR_HOSTNAME_MISMATCH || verify == X509_V_ERR_IP_ADDRESS_MISMATCH) {
      failure.error = TlsError::hostname_mismatch;
      failure.message = "certificate verify failed: the server's certificate does not name \"" +
                        std::string(expected_host) + "\"";
    } else if (verify != X509_V_OK) {
      failure.message = std::string("certificate verify failed: ") + X509_verify_cert_error_string(verify);
    }
  }
  return failure;
}

}  // namespace sy::tls
