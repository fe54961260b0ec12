// What a Sentinel-followed backend's server list becomes: the configured
// servers (if any) plus the master and replicas the follower last reported,
// each named "ip:port" so that its runtime state (health, drain, weight)
// stays with it for as long as its address does. Pure: the control plane
// calls it when the follower reports a change and on every reload, then
// adopts the result like a reloaded configuration.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "conf/config.hpp"
#include "sentinel/follower.hpp"

namespace sy::sentinel {

// The master first, then the replicas; an endpoint that is no address is left out.
std::vector<conf::Server> discovered_servers(const MasterChange& change);

// `config` with, for each backend named in `reports` that has [backend.sentinel],
// the discovered servers appended to its configured ones (a configured server
// at the same address stays as configured, under its own name).
std::shared_ptr<const conf::Config> with_discovered_servers(const conf::Config& config,
                                                            const std::map<std::string, MasterChange>& reports);

}  // namespace sy::sentinel
