// The layer-4 front; see tcp_front.hpp.
#include "proxy/tcp/tcp_front.hpp"

#include <vector>

#include "proxy/tcp/tcp_session.hpp"

namespace sy::tcp {

void TcpFront::start_session(const conf::Listener& listener, core::Socket* client,
                             std::shared_ptr<core::ListenerCounters> counters, const core::ClientAddresses& addresses,
                             core::Slice initial) {
  TcpSession::start(worker_, client, listener, std::move(counters), addresses, std::move(initial));
}

void TcpFront::on_snapshot() {
  std::vector<TcpSession*> lost;
  for (TcpSession* session : role_bound_)
    if (!session->server_keeps_role(*worker_.snapshot())) lost.push_back(session);
  for (TcpSession* session : lost) session->close_for_role_change();
}

}  // namespace sy::tcp
