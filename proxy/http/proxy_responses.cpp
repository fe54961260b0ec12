// The table of generated responses; see proxy_responses.hpp.
#include "proxy/http/proxy_responses.hpp"

namespace sy::http {
namespace {

// clang-format off
constexpr ProxyResponseRow kRows[] = {
    {200, "OK",                              "ok\n"},
    {400, "Bad Request",                     "400 Bad Request: the request is malformed\n"},
    {404, "Not Found",                       "404 Not Found: no route matches this request\n"},
    {405, "Method Not Allowed",              "405 Method Not Allowed: CONNECT is not served here\n"},
    {408, "Request Timeout",                 "408 Request Timeout: the request did not arrive in time\n"},
    {413, "Content Too Large",               "413 Content Too Large: the request body is larger than allowed\n"},
    {414, "URI Too Long",                    "414 URI Too Long: the request target is longer than allowed\n"},
    {417, "Expectation Failed",              "417 Expectation Failed: only Expect: 100-continue is understood\n"},
    {431, "Request Header Fields Too Large", "431 Request Header Fields Too Large: the request head is larger than allowed\n"},
    {500, "Internal Server Error",           "500 Internal Server Error\n"},
    {501, "Not Implemented",                 "501 Not Implemented: the request method is not served here\n"},
    {502, "Bad Gateway",                     "502 Bad Gateway: the server failed or sent an invalid response\n"},
    {503, "Service Unavailable",             "503 Service Unavailable: no server is available to take the request\n"},
    {504, "Gateway Timeout",                 "504 Gateway Timeout: the server did not answer in time\n"},
};
// clang-format on

}  // namespace

const ProxyResponseRow& proxy_response_row(int status) {
  for (const auto& row : kRows)
    if (row.status == status) return row;
  return proxy_response_row(500);
}

void append_proxy_response(std::string& out, const ProxyResponse& response) {
  const ProxyResponseRow& row = proxy_response_row(response.status);
  std::string_view body = response.body_override.empty() ? row.body : response.body_override;
  out += "HTTP/1.1 ";
  out += std::to_string(row.status);
  out += ' ';
  out += row.reason;
  out += "\r\nContent-Type: text/plain; charset=utf-8\r\nCache-Control: no-store\r\nContent-Length: ";
  out += std::to_string(body.size());
  out += "\r\n";
  if (!response.request_id_header.empty() && !response.request_id.empty()) {
    out += response.request_id_header;
    out += ": ";
    out += response.request_id;
    out += "\r\n";
  }
  if (response.close) out += "Connection: close\r\n";
  out += "\r\n";
  if (!response.head_request) out += body;
}

}  // namespace sy::http
