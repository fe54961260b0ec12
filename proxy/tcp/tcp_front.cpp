// The layer-4 front; see tcp_front.hpp.
#include "proxy/tcp/tcp_front.hpp"

#include "proxy/tcp/tcp_session.hpp"

namespace sy::tcp {

void TcpFront::start_session(const conf::Listener& listener, core::Socket* client,
                             std::shared_ptr<core::ListenerCounters> counters, const core::ClientAddresses& addresses,
                             core::Slice initial) {
  TcpSession::start(worker_, client, listener, std::move(counters), addresses, std::move(initial));
}

}  // namespace sy::tcp
