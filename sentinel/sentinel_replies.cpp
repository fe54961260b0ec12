// Reading Sentinel replies and messages; see sentinel_replies.hpp.
#include "sentinel/sentinel_replies.hpp"

#include <hiredis/hiredis.h>

#include <charconv>

namespace sy::sentinel {
namespace {

std::string_view text_of(const redisReply& reply) {
  if (reply.type == REDIS_REPLY_STRING || reply.type == REDIS_REPLY_STATUS || reply.type == REDIS_REPLY_ERROR)
    return {reply.str, reply.len};
  return {};
}

std::optional<uint16_t> port_of(std::string_view text) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value == 0 || value > 65535) return std::nullopt;
  return static_cast<uint16_t>(value);
}

std::vector<std::string_view> words_of(std::string_view text) {
  std::vector<std::string_view> words;
  size_t at = 0;
  while (at < text.size()) {
    size_t end = text.find(' ', at);
    if (end == std::string_view::npos) end = text.size();
    if (end > at) words.push_back(text.substr(at, end - at));
    at = end + 1;
  }
  return words;
}

}  // namespace

std::string Endpoint::to_string() const {
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::optional<Endpoint> parse_master_address(const redisReply& reply, std::string& problem) {
  if (reply.type == REDIS_REPLY_NIL) return std::nullopt;
  if (reply.type == REDIS_REPLY_ERROR) {
    problem = text_of(reply);
    return std::nullopt;
  }
  std::optional<uint16_t> port;
  if (reply.type == REDIS_REPLY_ARRAY && reply.elements == 2 && reply.element[0]->type == REDIS_REPLY_STRING)
    port = port_of(text_of(*reply.element[1]));
  if (!port) {
    problem = "malformed get-master-addr-by-name reply";
    return std::nullopt;
  }
  return Endpoint{std::string(text_of(*reply.element[0])), *port};
}

bool Instance::failing_over() const { return flags.find("failover_in_progress") != std::string::npos; }

bool Instance::usable() const {
  for (std::string_view word : {"s_down", "o_down", "disconnected"})
    if (flags.find(word) != std::string::npos) return false;
  return true;
}

std::optional<Instance> parse_instance(const redisReply& fields) {
  if (fields.type != REDIS_REPLY_ARRAY) return std::nullopt;
  Instance instance;
  std::optional<uint16_t> port;
  for (size_t f = 0; f + 1 < fields.elements; f += 2) {
    std::string_view name = text_of(*fields.element[f]);
    std::string_view value = text_of(*fields.element[f + 1]);
    if (name == "ip") instance.endpoint.host = value;
    else if (name == "port") port = port_of(value);
    else if (name == "flags") instance.flags = value;
  }
  if (instance.endpoint.host.empty() || !port) return std::nullopt;
  instance.endpoint.port = *port;
  return instance;
}

std::vector<Instance> parse_instances(const redisReply& reply, std::string& problem) {
  std::vector<Instance> instances;
  if (reply.type != REDIS_REPLY_ARRAY) {
    problem = reply.type == REDIS_REPLY_ERROR ? std::string(text_of(reply)) : "malformed instance list";
    return instances;
  }
  for (size_t i = 0; i < reply.elements; ++i)
    if (auto instance = parse_instance(*reply.element[i])) instances.push_back(std::move(*instance));
  return instances;
}

std::optional<SwitchMaster> parse_switch_master(std::string_view payload) {
  auto words = words_of(payload);
  if (words.size() != 5) return std::nullopt;
  auto from_port = port_of(words[2]);
  auto to_port = port_of(words[4]);
  if (!from_port || !to_port) return std::nullopt;
  return SwitchMaster{std::string(words[0]), {std::string(words[1]), *from_port}, {std::string(words[3]), *to_port}};
}

bool event_concerns(std::string_view payload, std::string_view master_name) {
  auto words = words_of(payload);
  if (words.size() >= 4 && words[0] == "master") return words[1] == master_name;
  return words.size() >= 6 && words[4] == "@" && words[5] == master_name;
}

}  // namespace sy::sentinel
