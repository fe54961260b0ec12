// The responses switchyard writes itself: a correct status line, a length
// that matches the body, Connection: close only when asked, nothing after
// the head for HEAD, the request id echoed.
#include <doctest/doctest.h>

#include "proxy/http/parser.hpp"
#include "proxy/http/proxy_responses.hpp"

using namespace sy::http;

TEST_CASE("generated responses parse as what they claim to be") {
  for (int status : {200, 400, 404, 405, 408, 413, 414, 417, 431, 501, 502, 503, 504}) {
    CAPTURE(status);
    std::string out;
    append_proxy_response(out, {.status = status, .close = status == 400, .request_id_header = "X-Request-Id",
                                .request_id = "r-1"});
    Parser parser(Parser::Kind::response, {});
    auto head = parser.parse(out);
    REQUIRE(head.event == Parser::Event::head);
    CHECK(parser.head().status == status);
    CHECK(parser.head().reason() == proxy_response_row(status).reason);
    CHECK(parser.head().find("x-request-id") == "r-1");
    CHECK(parser.head().keep_alive == (status != 400));
    auto end = parser.parse(std::string_view(out).substr(head.consumed));
    CHECK(end.event == Parser::Event::message_end);
    CHECK(end.body == proxy_response_row(status).body);
    CHECK(head.consumed + end.consumed == out.size());
  }
}

TEST_CASE("generated responses: HEAD gets the head only, bodies can be replaced") {
  std::string out;
  append_proxy_response(out, {.status = 503, .head_request = true});
  CHECK(out.ends_with("\r\n\r\n"));
  CHECK(out.find("Content-Length: " + std::to_string(proxy_response_row(503).body.size())) != std::string::npos);
  out.clear();
  append_proxy_response(out, {.status = 503, .body_override = "stopping\n"});
  CHECK(out.ends_with("Content-Length: 9\r\n\r\nstopping\n"));
  CHECK(proxy_response_row(599).status == 500);  // unknown statuses fall back to 500
}
