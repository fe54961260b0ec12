// The TLS part of the configuration: a listener's [listener.tls] (its
// certificates, what it asks of clients) and a backend's [backend.tls] (TLS
// to its servers: what is verified, the name sent). Plain values only; proxy/core's
// TlsContexts turns them into loaded OpenSSL contexts when the
// configuration is adopted, so that a certificate that does not load
// rejects the start or the reload.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "conf/source_position.hpp"

namespace sy::conf {

enum class TlsMinVersion { tls1_2, tls1_3 };
enum class VerifyClient { none, optional, required };
// How a backend's server certificates are checked (libpq's sslmode
// require / verify-ca / verify-full).
enum class VerifyServer { none, ca, full };
// SCRAM channel binding when logging in to a PostgreSQL server (libpq's
// channel_binding): never, when the server and the certificate allow it, or
// always (a login without it fails).
enum class ChannelBinding { disable, prefer, require };

// One more certificate of a listener, served to clients whose SNI name it covers.
struct TlsCertificate {
  std::string cert;  // PEM chain, leaf first
  std::string key;   // PEM private key
  SourcePosition position;
};

struct ListenerTls {
  bool enabled = false;  // the listener has a [listener.tls] section
  std::string cert;      // the default certificate (no SNI, or a name nothing else covers)
  std::string key;
  std::vector<TlsCertificate> certificates;  // [[listener.tls.certificate]], chosen by SNI
  // ALPN offered; empty = by protocol: http/1.1 for http, postgresql for
  // postgres, none for tcp and redis.
  std::vector<std::string> alpn;
  TlsMinVersion min_version = TlsMinVersion::tls1_2;
  std::string ciphers;       // TLS 1.2 list, OpenSSL syntax; empty = ECDHE with AES-GCM or ChaCha20
  std::string ciphersuites;  // TLS 1.3 suites; empty = OpenSSL's defaults
  bool session_tickets = true;
  std::string ticket_key_file;  // shared by instances; empty = random keys per load
  std::string client_ca;
  VerifyClient verify_client = VerifyClient::none;
  std::chrono::milliseconds handshake_timeout = std::chrono::seconds(10);
  // postgres: a client that does not ask for TLS (no SSLRequest) is refused
  // with a FATAL instead of served in plaintext.
  bool required = false;
  // http: the client certificate's subject is sent to the server in this
  // header (any such header from the client is removed); empty = not sent.
  std::string client_subject_header;
  SourcePosition position;
};

struct BackendTls {
  bool enabled = false;  // the backend has a [backend.tls] section
  VerifyServer verify = VerifyServer::full;
  std::string ca;           // PEM bundle; empty = the system store
  std::string server_name;  // SNI and the name verified; empty = each server's host as written
  std::string cert;         // client certificate for servers that ask for one (mTLS)
  std::string key;
  std::vector<std::string> alpn;  // offered to servers; empty = none
  TlsMinVersion min_version = TlsMinVersion::tls1_2;
  std::string ciphers;
  std::string ciphersuites;
  ChannelBinding channel_binding = ChannelBinding::prefer;  // PostgreSQL servers only
  SourcePosition position;
};

}  // namespace sy::conf
