// Hash keys and sticky cookies; see balancing_keys.hpp.
#include "proxy/http/balancing_keys.hpp"

#include <span>

#include "balancer/consistent_hash.hpp"

namespace sy::http {

std::optional<std::string_view> find_cookie(const MessageHead& request, std::string_view name) {
  for (size_t i = 0; i < request.header_count(); ++i) {
    HeaderView header = request.header(i);
    if (!equals_ignoring_case(header.name, "cookie")) continue;
    std::string_view pairs = header.value;
    while (!pairs.empty()) {
      auto semicolon = pairs.find(';');
      std::string_view pair = pairs.substr(0, semicolon);
      pairs = semicolon == std::string_view::npos ? std::string_view() : pairs.substr(semicolon + 1);
      while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
      auto equals = pair.find('=');
      if (equals == std::string_view::npos || pair.substr(0, equals) != name) continue;
      std::string_view value = pair.substr(equals + 1);
      while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
      return value;
    }
  }
  return std::nullopt;
}

namespace {

uint64_t address_key(const sockaddr_storage& client) {
  if (client.ss_family == AF_INET6) {
    const auto& a = reinterpret_cast<const sockaddr_in6&>(client).sin6_addr;
    return balancer::hash_bytes(std::as_bytes(std::span(a.s6_addr)));
  }
  if (client.ss_family != AF_INET) return 0;
  const auto& a = reinterpret_cast<const sockaddr_in&>(client).sin_addr;
  return balancer::hash_bytes(std::as_bytes(std::span(&a.s_addr, 1)));
}

}  // namespace

uint64_t request_hash_key(const conf::Backend& backend, const MessageHead& request, std::string_view path,
                          const sockaddr_storage& client) {
  switch (backend.hash_on) {
    case conf::HashOn::path: return balancer::hash_string(path);
    case conf::HashOn::header:
      if (auto value = request.find(backend.hash_name)) return balancer::hash_string(*value);
      break;
    case conf::HashOn::cookie:
      if (auto value = find_cookie(request, backend.hash_name)) return balancer::hash_string(*value);
      break;
    case conf::HashOn::source: break;
  }
  return address_key(client);
}

std::string sticky_token(std::string_view backend, std::string_view server) {
  std::string identity(backend);
  identity += '/';
  identity += server;
  uint64_t hash = balancer::hash_string(identity);
  char text[17];
  for (int i = 15; i >= 0; --i, hash >>= 4) text[i] = "0123456789abcdef"[hash & 15];
  return std::string(text, 16);
}

std::string sticky_set_cookie(std::string_view cookie_name, std::string_view token) {
  std::string value(cookie_name);
  value += '=';
  value += token;
  value += "; Path=/; HttpOnly";
  return value;
}

}  // namespace sy::http
