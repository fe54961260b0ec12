// The access log: one line per request, in the process's log format (text
// key=value or JSON), with what an operator asks of a request: where it
// came in and went, what it was, how it ended, and where the time went.
#pragma once

#include <cstdint>
#include <string_view>

namespace sy::http {

struct AccessRecord {
  std::string_view listener;
  std::string_view route;    // "" when no route matched
  std::string_view backend;  // "" when none was chosen
  std::string_view server;   // "" when no server answered
  std::string_view client;   // the client's address
  std::string_view method;
  std::string_view target;
  int status = 0;            // sent to the client; 0 when none was
  uint64_t bytes_in = 0;     // request body bytes from the client
  uint64_t bytes_out = 0;    // response bytes to the client, head included
  int64_t queue_ms = -1;     // request head complete -> server chosen
  int64_t connect_ms = -1;   // connecting to the server (0: a kept-alive connection); -1: none
  int64_t response_ms = -1;  // request sent -> response head; -1: none
  int64_t total_ms = 0;      // first byte of the request -> last byte of the response
  std::string_view request_id;
  unsigned retries = 0;
  std::string_view reason;   // why it ended abnormally (timeouts, failures); "" when it did not
};

void write_access_log(const AccessRecord& record);

}  // namespace sy::http
