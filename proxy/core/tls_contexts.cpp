// Building the TLS contexts of a configuration; see tls_contexts.hpp.
#include "proxy/core/tls_contexts.hpp"

namespace sy::core {

tls::ServerSettings server_settings(const conf::ListenerTls& tls) {
  tls::ServerSettings settings;
  settings.certificate = {tls.cert, tls.key};
  for (const auto& more : tls.certificates) settings.sni_certificates.push_back({more.cert, more.key});
  settings.alpn = tls.alpn;
  settings.min_version = tls.min_version == conf::TlsMinVersion::tls1_3 ? tls::TlsVersion::tls1_3
                                                                        : tls::TlsVersion::tls1_2;
  settings.ciphers = tls.ciphers;
  settings.ciphersuites = tls.ciphersuites;
  settings.session_tickets = tls.session_tickets;
  settings.ticket_key_file = tls.ticket_key_file;
  settings.client_ca = tls.client_ca;
  switch (tls.verify_client) {
    case conf::VerifyClient::none: settings.verify_client = tls::ClientCertificates::none; break;
    case conf::VerifyClient::optional: settings.verify_client = tls::ClientCertificates::optional; break;
    case conf::VerifyClient::required: settings.verify_client = tls::ClientCertificates::required; break;
  }
  return settings;
}

tls::ClientSettings client_settings(const conf::BackendTls& tls) {
  tls::ClientSettings settings;
  settings.ca = tls.ca;
  switch (tls.verify) {
    case conf::VerifyServer::none: settings.verify = tls::ServerVerification::none; break;
    case conf::VerifyServer::ca: settings.verify = tls::ServerVerification::ca; break;
    case conf::VerifyServer::full: settings.verify = tls::ServerVerification::full; break;
  }
  settings.server_name = tls.server_name;
  settings.alpn = tls.alpn;
  settings.client_certificate = {tls.cert, tls.key};
  settings.min_version = tls.min_version == conf::TlsMinVersion::tls1_3 ? tls::TlsVersion::tls1_3
                                                                        : tls::TlsVersion::tls1_2;
  settings.ciphers = tls.ciphers;
  settings.ciphersuites = tls.ciphersuites;
  return settings;
}

TlsContexts::Built TlsContexts::build(const conf::Config& config) {
  auto contexts = std::make_shared<TlsContexts>();
  Built built;
  for (const auto& listener : config.listeners) {
    if (!listener.tls.enabled) continue;
    auto created = tls::ServerContext::create(server_settings(listener.tls));
    if (!created) {
      built.errors.push_back({config.source_path, listener.tls.position.line, listener.tls.position.column,
                              "listener \"" + listener.name + "\" tls: " + created.error});
      continue;
    }
    contexts->listeners_[listener.name] = std::move(created.context);
  }
  for (const auto& backend : config.backends) {
    if (!backend.tls.enabled) continue;
    auto created = tls::ClientContext::create(client_settings(backend.tls));
    if (!created) {
      built.errors.push_back({config.source_path, backend.tls.position.line, backend.tls.position.column,
                              "backend \"" + backend.name + "\" tls: " + created.error});
      continue;
    }
    contexts->backends_[backend.name] = std::move(created.context);
  }
  if (built.errors.empty()) built.contexts = std::move(contexts);
  return built;
}

std::shared_ptr<const tls::ServerContext> TlsContexts::listener(std::string_view name) const {
  auto it = listeners_.find(name);
  return it == listeners_.end() ? nullptr : it->second;
}

std::shared_ptr<const tls::ClientContext> TlsContexts::backend(std::string_view name) const {
  auto it = backends_.find(name);
  return it == backends_.end() ? nullptr : it->second;
}

}  // namespace sy::core
