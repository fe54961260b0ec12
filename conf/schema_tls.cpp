// The rows of the TLS sections: [listener.tls] (termination: certificates,
// SNI, ALPN, versions, resumption, client certificates) and
// [[listener.tls.certificate]] (more certificates chosen by SNI), and
// [backend.tls] (TLS to servers). Every key is reloadable: a reload loads
// the files again and new handshakes use them.
#include "conf/schema_parts.hpp"

#include "conf/config.hpp"
#include "conf/value_checks.hpp"

namespace sy::conf {
namespace {

using T = ValueType;

constexpr SectionSpec sections[] = {
    {"listener.tls", false, "TLS termination on a listener: its certificates and what it asks of clients"},
    {"listener.tls.certificate", true, "one more certificate of a TLS listener, served to the SNI names it covers"},
    {"backend.tls", false, "TLS to the backend's servers: what is verified, the name sent, a client certificate"},
};

constexpr std::string_view tls_versions[] = {"1.2", "1.3"};
constexpr std::string_view verify_client_modes[] = {"none", "optional", "required"};
constexpr std::string_view verify_server_modes[] = {"none", "ca", "full"};
constexpr std::string_view channel_binding_modes[] = {"disable", "prefer", "require"};

// clang-format off
constexpr KeySpec keys[] = {
    // [listener.tls]
    {.section = "listener.tls", .key = "cert", .type = T::string, .required = true, .reloadable = true,
     .field = bound<&ListenerTls::cert>,
     .description = "PEM file of the default certificate, leaf first, then its intermediates"},
    {.section = "listener.tls", .key = "key", .type = T::string, .required = true, .reloadable = true,
     .field = bound<&ListenerTls::key>, .description = "PEM file of the default certificate's private key"},
    {.section = "listener.tls", .key = "alpn", .type = T::string_list, .default_text = "by protocol",
     .derived_default = true, .reloadable = true, .field = bound<&ListenerTls::alpn>,
     .description = "ALPN protocols offered, in preference order; default [\"http/1.1\"] for http, "
                    "[\"postgresql\"] for postgres, none for tcp"},
    {.section = "listener.tls", .key = "min_version", .type = T::enumeration, .allowed = tls_versions,
     .default_text = "1.2", .reloadable = true, .field = bound<&ListenerTls::min_version>,
     .description = "oldest TLS version accepted: \"1.2\" or \"1.3\" (older ones are never offered)"},
    {.section = "listener.tls", .key = "ciphers", .type = T::string, .default_text = "unset", .reloadable = true,
     .field = bound<&ListenerTls::ciphers>,
     .description = "TLS 1.2 cipher list in OpenSSL syntax; unset = ECDHE with AES-GCM or ChaCha20-Poly1305"},
    {.section = "listener.tls", .key = "ciphersuites", .type = T::string, .default_text = "unset", .reloadable = true,
     .field = bound<&ListenerTls::ciphersuites>, .description = "TLS 1.3 cipher suites; unset = OpenSSL's defaults"},
    {.section = "listener.tls", .key = "session_tickets", .type = T::boolean, .default_text = "true",
     .reloadable = true, .field = bound<&ListenerTls::session_tickets>,
     .description = "issue session tickets, so that returning clients resume without a full handshake"},
    {.section = "listener.tls", .key = "ticket_key_file", .type = T::string, .default_text = "unset", .reloadable = true,
     .field = bound<&ListenerTls::ticket_key_file>,
     .description = "file of ticket keys shared by instances (one `openssl rand -hex 80` per line, newest first); unset = random keys"},
    {.section = "listener.tls", .key = "client_ca", .type = T::string, .default_text = "unset", .reloadable = true,
     .field = bound<&ListenerTls::client_ca>, .description = "PEM bundle of the CAs that sign client certificates"},
    {.section = "listener.tls", .key = "verify_client", .type = T::enumeration, .allowed = verify_client_modes,
     .default_text = "none", .reloadable = true, .field = bound<&ListenerTls::verify_client>,
     .description = "client certificates: none (not asked), optional (checked when sent), required"},
    {.section = "listener.tls", .key = "handshake_timeout", .type = T::duration, .minimum = 1, .default_text = "10s",
     .reloadable = true, .field = bound<&ListenerTls::handshake_timeout>,
     .description = "a client whose handshake is not done this long after it connected is closed"},
    {.section = "listener.tls", .key = "required", .type = T::boolean, .default_text = "false", .reloadable = true,
     .field = bound<&ListenerTls::required>,
     .description = "postgres: refuse clients that do not ask for TLS (they get a FATAL); tcp and http listeners "
                    "with [listener.tls] only speak TLS"},
    {.section = "listener.tls", .key = "client_subject_header", .type = T::string, .default_text = "unset",
     .reloadable = true, .field = bound<&ListenerTls::client_subject_header, header_name_or_empty>,
     .description = "http: send the verified client certificate's subject to the server in this header "
                    "(clients' own copies are removed); unset = not sent"},

    // [[listener.tls.certificate]]
    {.section = "listener.tls.certificate", .key = "cert", .type = T::string, .required = true, .reloadable = true,
     .field = bound<&TlsCertificate::cert>,
     .description = "PEM chain of a certificate served to the SNI names in its subjectAltName (wildcards too)"},
    {.section = "listener.tls.certificate", .key = "key", .type = T::string, .required = true, .reloadable = true,
     .field = bound<&TlsCertificate::key>, .description = "PEM file of that certificate's private key"},

    // [backend.tls]
    {.section = "backend.tls", .key = "verify", .type = T::enumeration, .allowed = verify_server_modes,
     .default_text = "full", .reloadable = true, .field = bound<&BackendTls::verify>,
     .description = "server certificates: none (encrypt only), ca (chain to a trusted CA), full (ca, and the "
                    "certificate names the server)"},
    {.section = "backend.tls", .key = "ca", .type = T::string, .default_text = "unset", .reloadable = true,
     .field = bound<&BackendTls::ca>, .description = "PEM bundle of trusted CAs; unset = the system store"},
    {.section = "backend.tls", .key = "server_name", .type = T::string, .default_text = "the server's host",
     .derived_default = true, .reloadable = true, .field = bound<&BackendTls::server_name>,
     .description = "name sent as SNI and verified (full); by default each server's host as written in address"},
    {.section = "backend.tls", .key = "cert", .type = T::string, .default_text = "unset", .reloadable = true,
     .field = bound<&BackendTls::cert>, .description = "PEM client certificate chain, for servers that require one"},
    {.section = "backend.tls", .key = "key", .type = T::string, .default_text = "unset", .reloadable = true,
     .field = bound<&BackendTls::key>, .description = "PEM private key of cert"},
    {.section = "backend.tls", .key = "alpn", .type = T::string_list, .default_text = "[]", .reloadable = true,
     .field = bound<&BackendTls::alpn>, .description = "ALPN protocols offered to servers, e.g. [\"http/1.1\"]"},
    {.section = "backend.tls", .key = "min_version", .type = T::enumeration, .allowed = tls_versions,
     .default_text = "1.2", .reloadable = true, .field = bound<&BackendTls::min_version>,
     .description = "oldest TLS version used with servers: \"1.2\" or \"1.3\""},
    {.section = "backend.tls", .key = "ciphers", .type = T::string, .default_text = "unset", .reloadable = true,
     .field = bound<&BackendTls::ciphers>, .description = "TLS 1.2 cipher list; unset = OpenSSL's defaults"},
    {.section = "backend.tls", .key = "ciphersuites", .type = T::string, .default_text = "unset",
     .reloadable = true, .field = bound<&BackendTls::ciphersuites>,
     .description = "TLS 1.3 cipher suites; unset = OpenSSL's defaults"},
    {.section = "backend.tls", .key = "channel_binding", .type = T::enumeration, .allowed = channel_binding_modes,
     .default_text = "prefer", .reloadable = true, .field = bound<&BackendTls::channel_binding>,
     .description = "PostgreSQL servers: SCRAM-SHA-256-PLUS with tls-server-end-point; disable, prefer (when "
                    "offered), require (a login without it fails)"},
};
// clang-format on

}  // namespace

SchemaPart tls_schema() { return {sections, keys}; }

}  // namespace sy::conf
