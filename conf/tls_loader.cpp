// Reading the TLS sections of a listener; see tls_loader.hpp.
#include "conf/tls_loader.hpp"

namespace sy::conf {
namespace {

TlsCertificate read_certificate(const toml::table& table, const std::string& subject, Diagnostics& diagnostics) {
  TlsCertificate certificate;
  certificate.position = position_of(table);
  TableReader reader(table, "listener.tls.certificate", diagnostics);
  reader.set_subject(subject + " tls certificate");
  reader.read_keys(certificate);
  report_unknown_keys(table, "listener.tls.certificate", diagnostics);
  return certificate;
}

// The rules between the keys, once each is read, and the protocol's defaults.
void check_tls(const toml::table& table, const Listener& listener, ListenerTls& tls, TableReader& reader) {
  if (tls.verify_client != VerifyClient::none && tls.client_ca.empty())
    reader.error_at("verify_client", "verify_client = " + quoted(table["verify_client"].value_or(std::string())) +
                                         " needs client_ca, the CAs that sign client certificates");
  if (table.contains("required") && listener.protocol != Protocol::postgres)
    reader.error_at("required", "required is for postgres listeners (tcp, http and redis TLS listeners speak only TLS)");
  if (table.contains("client_subject_header") && listener.protocol != Protocol::http)
    reader.error_at("client_subject_header", "client_subject_header is for http listeners");
  if (!tls.client_subject_header.empty() && tls.verify_client == VerifyClient::none)
    reader.error_at("client_subject_header", "client_subject_header needs verify_client = \"optional\" or \"required\"");
  if (!table.contains("alpn")) {
    if (listener.protocol == Protocol::http) tls.alpn = {"http/1.1"};
    if (listener.protocol == Protocol::postgres) tls.alpn = {"postgresql"};
  }
  for (const std::string& name : tls.alpn)
    if (name.empty() || name.size() > 255) reader.error_at("alpn", "an ALPN name is 1 to 255 bytes long");
}

}  // namespace

void read_listener_tls(const toml::table& table, const std::string& subject, Listener& listener,
                       Diagnostics& diagnostics) {
  const toml::table* settings = single_table(table, "listener.tls", subject + ": ", diagnostics);
  if (!settings) return;
  ListenerTls& tls = listener.tls;
  tls.enabled = true;
  tls.position = position_of(*settings);
  TableReader reader(*settings, "listener.tls", diagnostics);
  reader.set_subject(subject + " tls");
  reader.read_keys(tls);
  for (const toml::table* certificate :
       repeated_tables(*settings, "listener.tls.certificate", reader.subject() + ": ", diagnostics))
    tls.certificates.push_back(read_certificate(*certificate, reader.subject(), diagnostics));
  check_tls(*settings, listener, tls, reader);
  report_unknown_keys(*settings, "listener.tls", diagnostics);
}

void read_backend_tls(const toml::table& table, const std::string& subject, Backend& backend,
                      Diagnostics& diagnostics) {
  const toml::table* settings = single_table(table, "backend.tls", subject + ": ", diagnostics);
  if (!settings) return;
  BackendTls& tls = backend.tls;
  tls.enabled = true;
  tls.position = position_of(*settings);
  TableReader reader(*settings, "backend.tls", diagnostics);
  reader.set_subject(subject + " tls");
  reader.read_keys(tls);
  if (tls.cert.empty() != tls.key.empty())
    reader.error_at(tls.cert.empty() ? "key" : "cert", "a client certificate needs both cert and key");
  report_unknown_keys(*settings, "backend.tls", diagnostics);
}

}  // namespace sy::conf
