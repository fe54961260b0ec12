// Building server and client SSL_CTXs from settings. Every OpenSSL callback a
// session's handshake needs (SNI certificate choice, ALPN, ticket keys, the
// client's saved sessions) is installed here, once, so a created context is
// never changed again and can be used from every worker thread.
#include "tls/context.hpp"
#include "tls/settings_fingerprint.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <ctime>

namespace sy::tls {

namespace {

// ECDHE only (forward secrecy), AEAD only; TLS 1.3 suites are separate.
constexpr const char* kModernTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

// Client certificates are verified against a session id context; tickets
// from any switchyard context with the same ticket keys carry this one.
constexpr unsigned char kSessionIdContext[] = "switchyard";

constexpr long kCommonOptions = SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION;

int protocol_version(TlsVersion version) { return version == TlsVersion::tls1_3 ? TLS1_3_VERSION : TLS1_2_VERSION; }

int64_t check_time(ExpiredCertificates expired) {
  return expired == ExpiredCertificates::refuse ? int64_t(std::time(nullptr)) : 0;
}

// Reads every certificate in a PEM bundle into `store` (and, for a server's
// client_ca, into the list of CA names sent in CertificateRequest).
bool load_ca_bundle(const std::string& path, SSL_CTX* context, bool announce_names, std::string& error) {
  std::optional<std::string> pem = read_small_file(path, error, 16 << 20);
  if (!pem) return false;
  ERR_clear_error();
  BioPtr bio(BIO_new_mem_buf(pem->data(), int(pem->size())));
  X509_STORE* store = SSL_CTX_get_cert_store(context);
  int count = 0;
  while (X509Ptr certificate{PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)}) {
    if (X509_STORE_add_cert(store, certificate.get()) != 1 ||
        (announce_names && SSL_CTX_add_client_CA(context, certificate.get()) != 1)) {
      error = path + ": " + take_openssl_errors();
      return false;
    }
    ++count;
  }
  unsigned long last = ERR_peek_last_error();
  if (count == 0 || (last && !(ERR_GET_LIB(last) == ERR_LIB_PEM && ERR_GET_REASON(last) == PEM_R_NO_START_LINE))) {
    error = path + ": " + (count == 0 ? std::string("no certificates") : "bad certificate: " + take_openssl_errors());
    return false;
  }
  ERR_clear_error();
  return true;
}

bool set_versions_and_ciphers(SSL_CTX* context, TlsVersion min_version, TlsVersion max_version,
                              const std::string& ciphers, const char* default_ciphers,
                              const std::string& ciphersuites, std::string& error) {
  if (min_version == TlsVersion::tls1_3 && max_version == TlsVersion::tls1_2) {
    error = "min_version: 1.3 is above max_version 1.2";
    return false;
  }
  SSL_CTX_set_min_proto_version(context, protocol_version(min_version));
  SSL_CTX_set_max_proto_version(context, protocol_version(max_version));
  const char* tls12 = !ciphers.empty() ? ciphers.c_str() : default_ciphers;
  if (tls12 && SSL_CTX_set_cipher_list(context, tls12) != 1) {
    error = "ciphers: " + take_openssl_errors("no usable cipher") + " in \"" + tls12 + "\"";
    return false;
  }
  if (!ciphersuites.empty() && SSL_CTX_set_ciphersuites(context, ciphersuites.c_str()) != 1) {
    error = "ciphersuites: " + take_openssl_errors("no usable suite") + " in \"" + ciphersuites + "\"";
    return false;
  }
  return true;
}

std::string alpn_wire_format(const std::vector<std::string>& protocols, std::string& error) {
  std::string wire;
  for (const std::string& protocol : protocols) {
    if (protocol.empty() || protocol.size() > 255) {
      error = "alpn: protocol names are 1 to 255 bytes, got \"" + protocol + "\"";
      return {};
    }
    wire += char(protocol.size());
    wire += protocol;
  }
  return wire;
}

// --- server callbacks: the ServerContext is the SSL_CTX's app data ---

const ServerContext& server_of(SSL* ssl) {
  return *static_cast<const ServerContext*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)));
}

// Runs after the ClientHello (SNI included) is parsed, before the server
// picks its certificate: swaps in the SNI certificate for this connection.
int choose_certificate(SSL* ssl, void*) {
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  if (!name) return 1;
  const LoadedCertificate* chosen = server_of(ssl).certificate_for(name);
  if (!chosen) return 1;
  return SSL_use_cert_and_key(ssl, chosen->leaf.get(), chosen->key.get(), chosen->chain.get(), 1) == 1 ? 1 : 0;
}

int select_alpn(SSL* ssl, const unsigned char** out, unsigned char* out_length, const unsigned char* offered,
                unsigned int offered_length, void*) {
  const std::string& ours = server_of(ssl).alpn_wire();
  unsigned char* selected = nullptr;
  // Our list first: the server's preference order wins.
  if (SSL_select_next_proto(&selected, out_length, reinterpret_cast<const unsigned char*>(ours.data()),
                            unsigned(ours.size()), offered, offered_length) != OPENSSL_NPN_NEGOTIATED)
    return SSL_TLSEXT_ERR_ALERT_FATAL;  // no_application_protocol (RFC 7301 section 3.2)
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

int use_ticket_keys(SSL* ssl, unsigned char* name, unsigned char* iv, EVP_CIPHER_CTX* cipher, EVP_MAC_CTX* mac,
                    int encrypt) {
  return ticket_key_callback(server_of(ssl).ticket_keys(), name, iv, cipher, mac, encrypt);
}

// --- client callback: the SSL's app data is the TlsSession's IssuedSessions ---

int remember_session(SSL* ssl, SSL_SESSION* session) {
  auto* issued = static_cast<IssuedSessions*>(SSL_get_app_data(ssl));
  if (!issued) return 0;
  issued->take(SslSessionPtr(session, SSL_SESSION_free));
  return 1;  // we keep the reference OpenSSL handed us
}

}  // namespace

Created<ServerContext> ServerContext::create(const ServerSettings& settings, ExpiredCertificates expired) {
  Created<ServerContext> result;
  std::shared_ptr<ServerContext> server(new ServerContext());
  server->settings_ = settings;
  const int64_t now = check_time(expired);

  CertificateLoad main = load_certificate(settings.certificate, now);
  if (!main.certificate) {
    result.error = "cert: " + main.error;
    return result;
  }
  server->default_certificate_ = std::move(*main.certificate);
  for (const CertificateFiles& files : settings.sni_certificates) {
    CertificateLoad extra = load_certificate(files, now);
    if (!extra.certificate) {
      result.error = "sni certificate: " + extra.error;
      return result;
    }
    if (extra.certificate->info.dns_names().empty()) {
      result.error = "sni certificate: " + files.cert + ": has no SAN DNS names to be chosen by";
      return result;
    }
    server->sni_certificates_.push_back(std::move(*extra.certificate));
  }
  server->alpn_wire_ = alpn_wire_format(settings.alpn, result.error);
  if (!result.error.empty()) return result;

  if (settings.session_tickets && !settings.ticket_key_file.empty()) {
    std::optional<std::string> text = read_small_file(settings.ticket_key_file, result.error, 64 * 1024);
    if (!text) {
      result.error = "ticket_key_file: " + result.error;
      return result;
    }
    TicketKeysParse keys = parse_ticket_keys(*text);
    if (!keys.error.empty()) {
      result.error = "ticket_key_file: " + settings.ticket_key_file + ": " + keys.error;
      return result;
    }
    server->ticket_keys_ = std::move(keys.keys);
  }

  ERR_clear_error();
  SSL_CTX* context = SSL_CTX_new(TLS_server_method());
  if (!context) {
    result.error = "cannot create a TLS context: " + take_openssl_errors();
    return result;
  }
  server->context_ = context;
  SSL_CTX_set_app_data(context, server.get());
  SSL_CTX_set_options(context, kCommonOptions | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_mode(context, SSL_MODE_RELEASE_BUFFERS);
  // Stateless tickets only: a server-side cache would be shared mutable state across workers.
  SSL_CTX_set_session_cache_mode(context, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_session_id_context(context, kSessionIdContext, sizeof kSessionIdContext - 1);
  if (!set_versions_and_ciphers(context, settings.min_version, TlsVersion::tls1_3, settings.ciphers,
                                kModernTls12Ciphers, settings.ciphersuites, result.error))
    return result;

  const LoadedCertificate& main_certificate = server->default_certificate_;
  if (SSL_CTX_use_cert_and_key(context, main_certificate.leaf.get(), main_certificate.key.get(),
                               main_certificate.chain.get(), 1) != 1) {
    result.error = "cert: " + settings.certificate.cert + ": " + take_openssl_errors();
    return result;
  }
  if (!server->sni_certificates_.empty()) SSL_CTX_set_cert_cb(context, choose_certificate, nullptr);
  if (!server->alpn_wire_.empty()) SSL_CTX_set_alpn_select_cb(context, select_alpn, nullptr);

  if (!settings.session_tickets) {
    SSL_CTX_set_options(context, SSL_OP_NO_TICKET);
    SSL_CTX_set_num_tickets(context, 0);
  } else if (!server->ticket_keys_.empty()) {
    SSL_CTX_set_tlsext_ticket_key_evp_cb(context, use_ticket_keys);
  }

  if (settings.verify_client != ClientCertificates::none) {
    if (settings.client_ca.empty()) {
      result.error = "verify_client: needs client_ca";
      return result;
    }
    if (!load_ca_bundle(settings.client_ca, context, true, result.error)) {
      result.error = "client_ca: " + result.error;
      return result;
    }
    int mode = SSL_VERIFY_PEER;
    if (settings.verify_client == ClientCertificates::required) mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    SSL_CTX_set_verify(context, mode, nullptr);
  }
  result.context = std::move(server);
  return result;
}

ServerContext::~ServerContext() { SSL_CTX_free(context_); }

std::vector<CertificateInfo> ServerContext::certificates() const {
  std::vector<CertificateInfo> infos{default_certificate_.info};
  for (const LoadedCertificate& certificate : sni_certificates_) infos.push_back(certificate.info);
  return infos;
}

const LoadedCertificate* ServerContext::certificate_for(std::string_view server_name) const {
  for (bool wildcards : {false, true}) {
    for (const LoadedCertificate& certificate : sni_certificates_) {
      for (std::string_view name : certificate.info.subject_alt_names) {
        if (!name.starts_with("DNS:")) continue;
        name.remove_prefix(4);
        if (name.starts_with("*.") == wildcards && certificate_name_matches(name, server_name)) return &certificate;
      }
    }
  }
  return nullptr;
}

Created<ClientContext> ClientContext::create(const ClientSettings& settings, ExpiredCertificates expired) {
  Created<ClientContext> result;
  std::shared_ptr<ClientContext> client(new ClientContext());
  client->settings_ = settings;
  client->fingerprint_ = settings_fingerprint(settings);

  std::string alpn_wire = alpn_wire_format(settings.alpn, result.error);
  if (!result.error.empty()) return result;

  ERR_clear_error();
  SSL_CTX* context = SSL_CTX_new(TLS_client_method());
  if (!context) {
    result.error = "cannot create a TLS context: " + take_openssl_errors();
    return result;
  }
  client->context_ = context;
  SSL_CTX_set_options(context, kCommonOptions);
  SSL_CTX_set_mode(context, SSL_MODE_RELEASE_BUFFERS);
  // Sessions are handed to TlsSession (remember_session), which keeps the
  // latest and, for connect_cached(), puts it in this context's cache under
  // the server's address; OpenSSL's own cache, keyed by session id, is not
  // used (a client must not offer one server's session to another).
  SSL_CTX_set_session_cache_mode(context, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
  SSL_CTX_sess_set_new_cb(context, remember_session);
  if (!set_versions_and_ciphers(context, settings.min_version, settings.max_version, settings.ciphers, nullptr,
                                settings.ciphersuites, result.error))
    return result;

  if (settings.ca.empty()) {
    if (SSL_CTX_set_default_verify_paths(context) != 1) {
      result.error = "ca: the system store: " + take_openssl_errors();
      return result;
    }
  } else if (!load_ca_bundle(settings.ca, context, false, result.error)) {
    result.error = "ca: " + result.error;
    return result;
  }
  SSL_CTX_set_verify(context, settings.verify == ServerVerification::none ? SSL_VERIFY_NONE : SSL_VERIFY_PEER,
                     nullptr);

  if (!alpn_wire.empty() &&
      SSL_CTX_set_alpn_protos(context, reinterpret_cast<const unsigned char*>(alpn_wire.data()),
                              unsigned(alpn_wire.size())) != 0) {
    result.error = "alpn: " + take_openssl_errors();
    return result;
  }

  const CertificateFiles& files = settings.client_certificate;
  if (!files.cert.empty() || !files.key.empty()) {
    CertificateLoad loaded = load_certificate(files, check_time(expired));
    if (!loaded.certificate) {
      result.error = "client certificate: " + loaded.error;
      return result;
    }
    if (SSL_CTX_use_cert_and_key(context, loaded.certificate->leaf.get(), loaded.certificate->key.get(),
                                 loaded.certificate->chain.get(), 1) != 1) {
      result.error = "client certificate: " + files.cert + ": " + take_openssl_errors();
      return result;
    }
  }
  result.context = std::move(client);
  return result;
}

ClientContext::~ClientContext() { SSL_CTX_free(context_); }

}  // namespace sy::tls
