// Writing the heads switchyard sends: the request head toward a server and
// the response head toward a client, each rebuilt from the parsed head with
// the hop-by-hop headers dropped, the route's header rules and the
// forwarding headers applied, and the framing the proxy chose. Pure
// functions appending to a caller's (reused) buffer.
#pragma once

#include <string>
#include <string_view>

#include "conf/http_config.hpp"
#include "proxy/http/message_head.hpp"

namespace sy::http {

struct RequestHeadPlan {
  std::string_view target;                // origin-form, already rewritten
  std::string_view host;                  // non-empty: the Host to send instead of the client's
  const conf::HttpRoute* route = nullptr;
  bool add_forwarded = true;              // X-Forwarded-For/-Proto/-Host
  bool trust_forwarded = false;           // keep the client's, appending to X-Forwarded-For
  std::string_view client_ip;
  std::string_view scheme = "http";       // X-Forwarded-Proto: "https" behind TLS
  // Non-empty name: the client certificate's subject goes in this header
  // (empty subject: no header), and clients' own copies are dropped.
  std::string_view client_subject_header;
  std::string_view client_subject;
  std::string_view request_id_header;     // empty: no request id
  std::string_view request_id;            // added when the request has no such header
  bool upgrade = false;                   // keep Upgrade and say Connection: Upgrade
};

void write_request_head(const MessageHead& request, const RequestHeadPlan& plan, std::string& out);

// How a response body reaches the client.
enum class BodyFraming {
  none,     // no body (HEAD, 1xx, 204, 304)
  length,   // Content-Length, as the server sent it
  chunked,  // chunked (the server's chunks, or a close-delimited body chunked by us)
  close,    // raw bytes, ended by closing (an HTTP/1.0 client and no length)
};

BodyFraming choose_framing(const MessageHead& response, bool head_request, bool client_http10);

struct ResponseHeadPlan {
  const conf::HttpRoute* route = nullptr;
  BodyFraming framing = BodyFraming::length;
  bool close_connection = false;   // "Connection: close"
  bool keep_alive_http10 = false;  // "Connection: keep-alive" to an HTTP/1.0 client
  bool upgrade = false;            // a 101: keep Upgrade, "Connection: Upgrade"
  std::string_view set_cookie;     // a Set-Cookie value to add (sticky sessions)
};

void write_response_head(const MessageHead& response, const ResponseHeadPlan& plan, std::string& out);

// Headers that describe one connection, not the message (RFC 9110 7.6.1),
// plus any the message's Connection header names.
bool is_hop_by_hop(std::string_view name, const MessageHead& head);

// "1a3f\r\n": the line before a chunk of `size` bytes.
void append_chunk_size(std::string& out, size_t size);

}  // namespace sy::http
