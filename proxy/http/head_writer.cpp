// Rebuilding request and response heads; see head_writer.hpp.
#include "proxy/http/head_writer.hpp"

#include <algorithm>

namespace sy::http {
namespace {

constexpr std::string_view kHopByHop[] = {"connection", "keep-alive", "proxy-connection", "te",
                                          "transfer-encoding", "upgrade"};

bool named_in(std::string_view name, const std::vector<std::string>& names) {
  return std::any_of(names.begin(), names.end(), [&](const std::string& n) { return equals_ignoring_case(n, name); });
}

bool set_by(std::string_view name, const std::vector<conf::HeaderSetting>& settings) {
  return std::any_of(settings.begin(), settings.end(),
                     [&](const conf::HeaderSetting& s) { return equals_ignoring_case(s.name, name); });
}

void append_header(std::string& out, std::string_view name, std::string_view value) {
  out += name;
  out += ": ";
  out += value;
  out += "\r\n";
}

void append_settings(std::string& out, const std::vector<conf::HeaderSetting>& settings) {
  for (const auto& setting : settings) append_header(out, setting.name, setting.value);
}

bool is_forwarded_header(std::string_view name) {
  return equals_ignoring_case(name, "x-forwarded-for") || equals_ignoring_case(name, "x-forwarded-proto") ||
         equals_ignoring_case(name, "x-forwarded-host");
}

}  // namespace

namespace {

// `connection_listed`: the message has a Connection header at all (most
// have none, which spares a scan of the headers for each header).
bool hop_by_hop(std::string_view name, const MessageHead& head, bool connection_listed) {
  for (std::string_view hop : kHopByHop)
    if (equals_ignoring_case(name, hop)) return true;
  if (!connection_listed) return false;
  // Content-Length and Host are never connection-specific, whatever a
  // Connection header says: dropping them would change the framing.
  if (equals_ignoring_case(name, "content-length") || equals_ignoring_case(name, "host")) return false;
  return head.has_token("connection", name);
}

}  // namespace

bool is_hop_by_hop(std::string_view name, const MessageHead& head) {
  return hop_by_hop(name, head, head.count("connection") > 0);
}

void write_request_head(const MessageHead& request, const RequestHeadPlan& plan, std::string& out) {
  out += request.method;
  out += ' ';
  out += plan.target;
  out += " HTTP/1.1\r\n";  // what we speak to servers, whatever the client spoke

  const conf::HttpRoute* route = plan.route;
  std::string_view incoming_proto, incoming_host;
  std::string joined_for;  // several X-Forwarded-For headers, trusted: one list
  bool has_request_id = false;
  const bool connection_listed = request.count("connection") > 0;
  for (size_t i = 0; i < request.header_count(); ++i) {
    HeaderView header = request.header(i);
    if (equals_ignoring_case(header.name, "transfer-encoding")) {
      // The body goes on chunked as it came (our own chunks, its codings).
      if (request.chunked) append_header(out, header.name, header.value);
      continue;
    }
    if (hop_by_hop(header.name, request, connection_listed)) continue;
    if (!plan.host.empty() && equals_ignoring_case(header.name, "host")) continue;
    if (!plan.client_subject_header.empty() && equals_ignoring_case(header.name, plan.client_subject_header)) continue;
    if (plan.add_forwarded && is_forwarded_header(header.name)) {
      if (!plan.trust_forwarded) continue;
      if (equals_ignoring_case(header.name, "x-forwarded-for")) {
        if (!joined_for.empty()) joined_for += ", ";
        joined_for += header.value;
        continue;
      }
      if (equals_ignoring_case(header.name, "x-forwarded-proto")) incoming_proto = header.value;
      if (equals_ignoring_case(header.name, "x-forwarded-host")) incoming_host = header.value;
    }
    if (route && (named_in(header.name, route->remove_request_headers) || set_by(header.name, route->set_request_headers)))
      continue;
    if (!plan.request_id_header.empty() && equals_ignoring_case(header.name, plan.request_id_header))
      has_request_id = true;
    append_header(out, header.name, header.value);
  }
  if (!plan.host.empty()) append_header(out, "Host", plan.host);
  if (plan.add_forwarded) {
    if (!joined_for.empty()) joined_for += ", ";
    joined_for += plan.client_ip;
    append_header(out, "X-Forwarded-For", joined_for);
    if (incoming_proto.empty()) append_header(out, "X-Forwarded-Proto", plan.scheme);
    if (incoming_host.empty()) {
      std::string_view host = !plan.host.empty() ? plan.host : request.find("host").value_or("");
      if (!host.empty()) append_header(out, "X-Forwarded-Host", host);
    }
  }
  if (!plan.client_subject_header.empty() && !plan.client_subject.empty())
    append_header(out, plan.client_subject_header, plan.client_subject);
  if (!plan.request_id_header.empty() && !has_request_id) append_header(out, plan.request_id_header, plan.request_id);
  if (route) append_settings(out, route->set_request_headers);
  if (plan.upgrade) {
    if (auto upgrade = request.find("upgrade")) append_header(out, "Upgrade", *upgrade);
    out += "Connection: Upgrade\r\n";
  }
  out += "\r\n";
}

BodyFraming choose_framing(const MessageHead& response, bool head_request, bool client_http10) {
  int status = response.status;
  if (head_request || status / 100 == 1 || status == 204 || status == 304) return BodyFraming::none;
  if (response.content_length && !response.chunked) return BodyFraming::length;
  // Chunked, or delimited by the server closing: a 1.1 client gets chunks
  // (so its connection can stay open), a 1.0 client the raw bytes and a close.
  return client_http10 ? BodyFraming::close : BodyFraming::chunked;
}

void write_response_head(const MessageHead& response, const ResponseHeadPlan& plan, std::string& out) {
  out += "HTTP/1.1 ";
  out += std::to_string(response.status);
  out += ' ';
  out += response.reason();
  out += "\r\n";
  const conf::HttpRoute* route = plan.route;
  const bool connection_listed = response.count("connection") > 0;
  for (size_t i = 0; i < response.header_count(); ++i) {
    HeaderView header = response.header(i);
    if (hop_by_hop(header.name, response, connection_listed)) continue;
    // A body we send raw to an HTTP/1.0 client has neither length nor trailers.
    if (plan.framing == BodyFraming::close && equals_ignoring_case(header.name, "trailer")) continue;
    if (plan.framing == BodyFraming::chunked && equals_ignoring_case(header.name, "content-length")) continue;
    if (route && (named_in(header.name, route->remove_response_headers) || set_by(header.name, route->set_response_headers)))
      continue;
    append_header(out, header.name, header.value);
  }
  if (route) append_settings(out, route->set_response_headers);
  if (!plan.set_cookie.empty()) append_header(out, "Set-Cookie", plan.set_cookie);
  if (plan.framing == BodyFraming::chunked) {
    // The server's codings stay (gzip...), with chunked last.
    auto codings = response.find("transfer-encoding");
    if (!codings) append_header(out, "Transfer-Encoding", "chunked");
    else if (response.chunked) append_header(out, "Transfer-Encoding", *codings);
    else append_header(out, "Transfer-Encoding", std::string(*codings) + ", chunked");
  }
  if (plan.upgrade) {
    if (auto upgrade = response.find("upgrade")) append_header(out, "Upgrade", *upgrade);
    out += "Connection: Upgrade\r\n";
  } else if (plan.close_connection) {
    out += "Connection: close\r\n";
  } else if (plan.keep_alive_http10) {
    out += "Connection: keep-alive\r\n";
  }
  out += "\r\n";
}

void append_chunk_size(std::string& out, size_t size) {
  char text[20];
  int length = 0;
  do {
    text[length++] = "0123456789abcdef"[size & 15];
    size >>= 4;
  } while (size);
  while (length) out += text[--length];
  out += "\r\n";
}

}  // namespace sy::http
