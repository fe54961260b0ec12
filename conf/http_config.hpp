// The HTTP front's part of the configuration: what an http listener does
// with requests ([listener.http], its [[listener.route]] rules) and how a
// backend keeps and judges its servers' HTTP connections ([backend.http],
// [backend.outlier_ejection]). Also the PROXY protocol and hashing choices
// that tcp listeners share.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "conf/source_position.hpp"

namespace sy::conf {

// PROXY protocol header sent to servers before the client's bytes.
enum class ProxyProtocol { none, v1, v2 };
// What `balance = "hash"` hashes.
enum class HashOn { source, path, header, cookie };

// One condition of a route on a request header: present, or equal to `value`.
struct HeaderMatch {
  std::string name;
  std::optional<std::string> value;

  bool operator==(const HeaderMatch&) const = default;
};

// "Name: value" from a set_*_headers list.
struct HeaderSetting {
  std::string name;
  std::string value;

  bool operator==(const HeaderSetting&) const = default;
};

struct HttpRoute {
  std::string name;                  // "route1", "route2"... unless named
  std::vector<std::string> hosts;    // lower case; "*.example.com" matches subdomains
  std::string path_prefix;           // empty: any path
  std::vector<std::string> methods;  // upper case; empty: any method
  std::vector<HeaderMatch> headers;  // all must match
  std::string backend;
  bool strip_prefix = false;                  // drop path_prefix from the path sent on
  std::optional<std::string> rewrite_prefix;  // replace path_prefix by this
  std::vector<HeaderSetting> set_request_headers;
  std::vector<std::string> remove_request_headers;
  std::vector<HeaderSetting> set_response_headers;
  std::vector<std::string> remove_response_headers;
  SourcePosition position;
};

struct HttpListener {
  std::chrono::milliseconds request_timeout = std::chrono::seconds(10);    // whole head, else 408
  std::chrono::milliseconds keepalive_timeout = std::chrono::seconds(60);  // idle between requests
  uint64_t max_header_size = 32 * 1024;  // request line + headers, else 431
  unsigned max_headers = 100;            // else 431
  uint64_t max_body_size = 0;            // 0: no limit; else 413
  bool forwarded_headers = true;         // add X-Forwarded-For/-Proto/-Host
  bool trust_forwarded = false;          // keep (and extend) the incoming ones
  std::string request_id_header = "X-Request-Id";  // empty: none
  std::string health_path;               // answered by the proxy itself; empty: none
  bool access_log = true;
};

struct HttpBackend {
  unsigned max_idle_per_server = 1000;  // idle keep-alive connections, per server and worker
  std::chrono::milliseconds keepalive_timeout = std::chrono::seconds(4);  // idle ones are closed after this
  std::chrono::milliseconds response_timeout = std::chrono::seconds(60);  // request sent -> response head
  std::chrono::milliseconds idle_timeout = std::chrono::seconds(60);      // silence while a body streams
  bool retry_idempotent = true;
  std::string sticky_cookie;  // empty: no stickiness
};

struct OutlierEjection {
  unsigned consecutive_failures = 5;  // 5xx responses or broken exchanges in a row; 0: off
  std::chrono::milliseconds base_ejection_time = std::chrono::seconds(10);
  std::chrono::milliseconds max_ejection_time = std::chrono::minutes(5);
  unsigned max_ejected_percent = 50;
};

}  // namespace sy::conf
