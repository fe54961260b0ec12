// Sentinel reports as server lists; see discovered_servers.hpp.
#include "sentinel/discovered_servers.hpp"

#include <algorithm>
#include <variant>

namespace sy::sentinel {

std::vector<conf::Server> discovered_servers(const MasterChange& change) {
  std::vector<conf::Server> servers;
  std::vector<Endpoint> endpoints{change.master};
  endpoints.insert(endpoints.end(), change.replicas.begin(), change.replicas.end());
  for (const Endpoint& endpoint : endpoints) {
    auto parsed = conf::parse_address(endpoint.to_string());
    auto* address = std::get_if<conf::Address>(&parsed);
    if (!address) continue;
    conf::Server server;
    server.name = endpoint.to_string();
    server.address = *address;
    servers.push_back(std::move(server));
  }
  return servers;
}

std::shared_ptr<const conf::Config> with_discovered_servers(const conf::Config& config,
                                                            const std::map<std::string, MasterChange>& reports) {
  auto merged = std::make_shared<conf::Config>(config);
  for (conf::Backend& backend : merged->backends) {
    auto report = reports.find(backend.name);
    if (!backend.sentinel || report == reports.end()) continue;
    for (conf::Server& server : discovered_servers(report->second)) {
      bool configured = std::any_of(backend.servers.begin(), backend.servers.end(), [&](const conf::Server& s) {
        return conf::format_sockaddr(s.address.sockaddr_ptr()) == conf::format_sockaddr(server.address.sockaddr_ptr());
      });
      if (!configured) backend.servers.push_back(std::move(server));
    }
  }
  return merged;
}

}  // namespace sy::sentinel
