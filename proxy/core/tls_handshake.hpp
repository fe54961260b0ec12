// The TLS handshake of a client on a listener with [listener.tls], run
// before the listener's front sees the client (after its PROXY header, if
// any): the front's session then starts on a socket whose bytes are already
// plaintext. Bounded by the listener's handshake_timeout. A failed
// handshake is counted by reason and logged, rate-limited, with the
// client's address and (escaped) SNI name; the client gets the TLS alert.
// PostgreSQL does not come here: its front negotiates TLS itself
// (SSLRequest) and installs the transport mid-stream.
#pragma once

#include <uv.h>

#include <memory>
#include <string>

#include "balancer/snapshot.hpp"
#include "conf/config.hpp"
#include "proxy/core/client_addresses.hpp"
#include "proxy/core/listener_counters.hpp"
#include "proxy/core/session.hpp"
#include "proxy/core/socket.hpp"
#include "tls/context.hpp"

namespace sy::core {

class TlsHandshake final : public Session, private SocketHandler {
 public:
  // Takes `client`; `already_read` holds its bytes read so far (behind a PROXY header).
  static void start(Worker& worker, Socket* client, std::shared_ptr<const tls::ServerContext> context,
                    const conf::Listener& listener, std::shared_ptr<ListenerCounters> counters,
                    const ClientAddresses& addresses, Slice already_read);

  void force_close() override { fail(ListenerCounters::kTlsTimeout, "closed by shutdown", false); }

 private:
  TlsHandshake(Worker& worker, Socket* client, const conf::Listener& listener,
               std::shared_ptr<ListenerCounters> counters, const ClientAddresses& addresses);
  class TlsTransport* transport() const;
  ~TlsHandshake() override;

  void on_data(Socket&, Slice data) override;
  void on_eof(Socket&) override;
  void on_error(Socket&, int status) override;
  void on_transport_ready(Socket&) override;
  void on_closed(Socket&) override;

  void hand_over();
  // Counts the failure under `reason` (a tls::TlsError index or kTlsTimeout),
  // logs it when `log` (rate-limited), and closes the client.
  void fail(size_t reason, std::string_view why, bool log = true);
  void finish();

  Socket* client_;
  std::shared_ptr<const balancer::Snapshot> snapshot_;  // keeps listener_ alive
  const conf::Listener& listener_;
  std::shared_ptr<ListenerCounters> counters_;
  ClientAddresses addresses_;
  uv_timer_t timer_;
  bool done_ = false;
};

}  // namespace sy::core
