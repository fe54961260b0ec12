// The responses switchyard writes itself (errors, the health endpoint):
// one table row per status with its reason phrase and a short body, so
// every generated response reads the same and the docs can list them.
#pragma once

#include <string>
#include <string_view>

namespace sy::http {

struct ProxyResponseRow {
  int status;
  std::string_view reason;
  std::string_view body;  // one line, what a person reading it needs to know
};

const ProxyResponseRow& proxy_response_row(int status);

struct ProxyResponse {
  int status = 500;
  bool close = false;                  // "Connection: close": the connection ends after it
  bool head_request = false;           // HEAD: the headers only
  std::string_view body_override;      // instead of the table's body
  std::string_view request_id_header;  // echo the request id, if any
  std::string_view request_id;
};

// Appends the complete response: status line, Content-Type, Content-Length,
// Cache-Control, Connection when closing, the request id, the body.
void append_proxy_response(std::string& out, const ProxyResponse& response);

}  // namespace sy::http
