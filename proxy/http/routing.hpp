// Picking the route of a request (first match wins) and the target it is
// sent on with. Pure functions over the request's facts and the listener's
// configured routes; the client session calls them once per request.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "conf/http_config.hpp"
#include "proxy/http/message_head.hpp"

namespace sy::http {

// A request target cut into its parts. Absolute-form
// ("http://host:8080/p?q") gives an authority; origin-form ("/p?q") none.
struct RequestTarget {
  std::string_view authority;
  std::string_view path;   // "/p"; "*" for OPTIONS *
  std::string_view query;  // "q", without the "?"
  bool has_query = false;  // a "?" was there, even with nothing after it
  bool valid = true;
};
RequestTarget split_target(std::string_view target);

// The host a request is for, without its port: from the absolute-form
// target if there is one, else from the Host header.
std::string_view host_without_port(std::string_view authority);

struct RequestFacts {
  std::string_view host;  // without port, any case
  std::string_view path;
  const MessageHead* head;
};

bool host_matches(std::string_view pattern, std::string_view host);
bool route_matches(const conf::HttpRoute& route, const RequestFacts& request);
// The first route that matches, or null.
const conf::HttpRoute* match_route(std::span<const conf::HttpRoute> routes, const RequestFacts& request);

// The origin-form target to send: the path after the route's prefix
// rewrite, then the query. Appends to `out`.
void append_forwarded_target(const conf::HttpRoute* route, const RequestTarget& target, std::string& out);

}  // namespace sy::http
