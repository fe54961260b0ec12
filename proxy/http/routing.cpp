// Route matching and target rewriting; see routing.hpp.
#include "proxy/http/routing.hpp"

#include <algorithm>

namespace sy::http {

RequestTarget split_target(std::string_view target) {
  RequestTarget parts;
  if (target == "*") {
    parts.path = target;
    return parts;
  }
  if (!target.starts_with("/")) {
    // Absolute-form: scheme "://" authority [path]. Only http is proxied.
    auto scheme_end = target.find("://");
    if (scheme_end == std::string_view::npos || !equals_ignoring_case(target.substr(0, scheme_end), "http")) {
      parts.valid = false;
      return parts;
    }
    target.remove_prefix(scheme_end + 3);
    auto authority_end = target.find_first_of("/?");
    parts.authority = target.substr(0, authority_end);
    target = authority_end == std::string_view::npos ? std::string_view() : target.substr(authority_end);
    if (parts.authority.empty() || parts.authority.find('@') != std::string_view::npos) {
      parts.valid = false;  // userinfo is not allowed in http(s) URIs
      return parts;
    }
  }
  auto question = target.find('?');
  parts.path = target.substr(0, question);
  if (question != std::string_view::npos) {
    parts.query = target.substr(question + 1);
    parts.has_query = true;
  }
  if (parts.path.empty()) parts.path = "/";
  return parts;
}

std::string_view host_without_port(std::string_view authority) {
  if (authority.starts_with("[")) {  // [v6]:port
    auto close = authority.find(']');
    return close == std::string_view::npos ? authority : authority.substr(0, close + 1);
  }
  return authority.substr(0, authority.rfind(':'));
}

bool host_matches(std::string_view pattern, std::string_view host) {
  if (pattern.starts_with("*.")) {
    std::string_view suffix = pattern.substr(1);  // ".example.com"
    return host.size() > suffix.size() && equals_ignoring_case(host.substr(host.size() - suffix.size()), suffix);
  }
  return equals_ignoring_case(pattern, host);
}

bool route_matches(const conf::HttpRoute& route, const RequestFacts& request) {
  if (!route.hosts.empty() &&
      std::none_of(route.hosts.begin(), route.hosts.end(),
                   [&](const std::string& pattern) { return host_matches(pattern, request.host); }))
    return false;
  if (!route.path_prefix.empty() && !request.path.starts_with(route.path_prefix)) return false;
  if (!route.methods.empty() &&
      std::find(route.methods.begin(), route.methods.end(), request.head->method) == route.methods.end())
    return false;
  for (const conf::HeaderMatch& condition : route.headers) {
    if (!condition.value) {
      if (!request.head->find(condition.name)) return false;
      continue;
    }
    // Any occurrence of the header with that exact value will do.
    bool found = false;
    for (size_t i = 0; i < request.head->header_count() && !found; ++i) {
      HeaderView header = request.head->header(i);
      found = equals_ignoring_case(header.name, condition.name) && header.value == *condition.value;
    }
    if (!found) return false;
  }
  return true;
}

const conf::HttpRoute* match_route(std::span<const conf::HttpRoute> routes, const RequestFacts& request) {
  for (const conf::HttpRoute& route : routes)
    if (route_matches(route, request)) return &route;
  return nullptr;
}

void append_forwarded_target(const conf::HttpRoute* route, const RequestTarget& target, std::string& out) {
  std::string_view path = target.path;
  if (route && (route->strip_prefix || route->rewrite_prefix) && path.starts_with(route->path_prefix)) {
    std::string_view rest = path.substr(route->path_prefix.size());
    if (route->rewrite_prefix) {
      std::string_view prefix = *route->rewrite_prefix;
      // "/v2/" + "/x" would double the slash.
      if (prefix.ends_with("/") && rest.starts_with("/")) rest.remove_prefix(1);
      out += prefix;
      out += rest;
    } else {
      if (!rest.starts_with("/")) out += '/';
      out += rest;
    }
  } else {
    out += path;
  }
  if (target.has_query) {
    out += '?';
    out += target.query;
  }
}

}  // namespace sy::http
