// The loaded TLS contexts of one configuration: one server context per
// listener with [listener.tls], one client context per backend with
// [backend.tls]. Built when a configuration is adopted (at
// start, on every reload, and by --check), so a certificate that is
// missing, does not match its key or has expired rejects that
// configuration and the running one stays. Immutable and shared: workers
// take the context of a listener when a handshake starts, and a session
// keeps its context alive, so a reload never disturbs a live connection.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "conf/config.hpp"
#include "conf/loader.hpp"
#include "tls/context.hpp"

namespace sy::core {

class TlsContexts {
 public:
  struct Built {
    std::shared_ptr<const TlsContexts> contexts;  // null when errors is not empty
    std::vector<conf::Diagnostic> errors;         // at the [listener.tls] they concern
  };

  // Loads every listener's files (a reload reads them again: that is how
  // renewed certificates are picked up).
  static Built build(const conf::Config& config);

  // nullptr when the listener has no TLS.
  std::shared_ptr<const tls::ServerContext> listener(std::string_view name) const;
  const std::map<std::string, std::shared_ptr<const tls::ServerContext>, std::less<>>& listeners() const {
    return listeners_;
  }
  // nullptr when the backend has no TLS.
  std::shared_ptr<const tls::ClientContext> backend(std::string_view name) const;

 private:
  std::map<std::string, std::shared_ptr<const tls::ServerContext>, std::less<>> listeners_;
  std::map<std::string, std::shared_ptr<const tls::ClientContext>, std::less<>> backends_;
};

// What [listener.tls] and [backend.tls] mean to the TLS library.
tls::ServerSettings server_settings(const conf::ListenerTls& tls);
tls::ClientSettings client_settings(const conf::BackendTls& tls);

}  // namespace sy::core
