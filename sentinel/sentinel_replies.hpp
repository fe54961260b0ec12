// What the Sentinels say, read from their replies and messages: the master's
// address (SENTINEL get-master-addr-by-name), the replicas and the other
// Sentinels (SENTINEL master / replicas / sentinels: field-value lists), and the
// +switch-master / +sdown / -sdown / +odown messages they publish. Pure: parsed
// replies and message texts in, plain data out.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct redisReply;

namespace sy::sentinel {

struct Endpoint {
  std::string host;  // as Sentinel writes it: an IP address
  uint16_t port = 0;
  auto operator<=>(const Endpoint&) const = default;
  std::string to_string() const;  // "host:port", brackets around IPv6
};

// The reply to SENTINEL get-master-addr-by-name: [ip, port], or nil when the
// Sentinel does not monitor that name. An error reply or a malformed one
// gives nullopt and `problem`.
std::optional<Endpoint> parse_master_address(const redisReply& reply, std::string& problem);

struct Instance {
  Endpoint endpoint;
  std::string flags;  // "slave", "slave,s_down,disconnected", "sentinel"...
  // Neither down (subjectively or objectively) nor disconnected.
  bool usable() const;
  // A master this Sentinel is failing over (it leads the failover): from
  // its +try-failover until it switches to the promoted replica or gives up.
  bool failing_over() const;
};

// One flat [field, value, ...] array, as SENTINEL master <name> answers and
// SENTINEL replicas lists; nullopt without ip or port.
std::optional<Instance> parse_instance(const redisReply& fields);

// The reply to SENTINEL replicas / SENTINEL sentinels <name>: one flat
// [field, value, ...] array per instance; entries without ip or port are
// skipped. An error reply gives nothing and `problem`.
std::vector<Instance> parse_instances(const redisReply& reply, std::string& problem);

// +switch-master: "<name> <old ip> <old port> <new ip> <new port>".
struct SwitchMaster {
  std::string master_name;
  Endpoint from;
  Endpoint to;
};
std::optional<SwitchMaster> parse_switch_master(std::string_view payload);

// Whether an instance event (+sdown, -sdown, +odown) is about `master_name`'s
// group: "master <name> <ip> <port>" or "<kind> <id> <ip> <port> @ <name> <ip> <port>".
bool event_concerns(std::string_view payload, std::string_view master_name);

}  // namespace sy::sentinel
