// What a request brings to server selection: the hash key of `balance =
// "hash"` (client address, path, a header or a cookie, as the backend's
// hash_on says) and the sticky-session cookie that names its server.
#pragma once

#include <netinet/in.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "conf/config.hpp"
#include "proxy/http/message_head.hpp"

namespace sy::http {

// The value of cookie `name` among the request's Cookie headers.
std::optional<std::string_view> find_cookie(const MessageHead& request, std::string_view name);

// The hash key for `backend`'s hash_on. A request without the header or
// cookie hashes its client address instead, so it still sticks somewhere.
uint64_t request_hash_key(const conf::Backend& backend, const MessageHead& request, std::string_view path,
                          const sockaddr_storage& client);

// The sticky cookie value of a server: a hash of its names, so the cookie
// neither reveals them nor changes when the server's address does.
std::string sticky_token(std::string_view backend, std::string_view server);

// "NAME=TOKEN; Path=/; HttpOnly"
std::string sticky_set_cookie(std::string_view cookie_name, std::string_view token);

}  // namespace sy::http
