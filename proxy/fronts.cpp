// Registers every protocol's front; see fronts.hpp.
#include "proxy/fronts.hpp"

#include "proxy/http/http_front.hpp"
#include "proxy/postgres/postgres_front.hpp"
#include "proxy/proxy_protocol/reader.hpp"
#include "proxy/redis/redis_front.hpp"
#include "proxy/tcp/tcp_front.hpp"

namespace sy {

std::unique_ptr<core::FrontRegistry> make_front_registry() {
  auto fronts = std::make_unique<core::FrontRegistry>();
  fronts->add(conf::Protocol::tcp, std::make_unique<tcp::TcpFrontFactory>());
  fronts->add(conf::Protocol::http, std::make_unique<http::HttpFrontFactory>());
  fronts->add(conf::Protocol::postgres, std::make_unique<postgres::PostgresFrontFactory>());
  fronts->add(conf::Protocol::redis, std::make_unique<redis::RedisFrontFactory>());
  fronts->set_proxy_header_stage([](core::Worker& worker, core::Socket* client, const conf::Listener& listener,
                                    std::shared_ptr<core::ListenerCounters> counters) {
    proxy_protocol::Reader::start(worker, client, worker.snapshot(), listener, std::move(counters));
  });
  return fronts;
}

}  // namespace sy
