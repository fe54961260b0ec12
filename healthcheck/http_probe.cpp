// HTTP probe: connects, sends one request, feeds the answer to an
// HttpResponseCheck until it has a verdict, and closes. The whole exchange,
// connect included, must finish within the timeout. Reads go into one
// fixed buffer; the check itself bounds what it keeps of the body.
#include "healthcheck/http_probe.hpp"

#include "healthcheck/connecting_probe.hpp"

namespace sy::health {
namespace {

class HttpProbe final : public ConnectingProbe {
 public:
  HttpProbe(uv_loop_t* loop, std::string request, HttpExpectation expectation, conf::Duration timeout,
            HttpInterpret interpret, Done done)
      : ConnectingProbe(loop, timeout, std::move(done)),
        interpret_(std::move(interpret)),
        request_(std::move(request)),
        check_(std::move(expectation)) {
    write_.data = this;
  }

 private:
  void on_connected() override {
    uv_buf_t buffer = uv_buf_init(request_.data(), static_cast<unsigned>(request_.size()));
    auto* stream = reinterpret_cast<uv_stream_t*>(&tcp_);
    int rc = uv_write(&write_, stream, &buffer, 1, &HttpProbe::on_written);
    if (rc == 0) rc = uv_read_start(stream, &HttpProbe::on_alloc, &HttpProbe::on_read);
    if (rc != 0) finish({false, std::string("sending the request: ") + uv_strerror(rc)});
  }

  static void on_written(uv_write_t* req, int status) {
    auto* self = static_cast<HttpProbe*>(req->data);
    // A server may answer and close before reading all of the request: the
    // answer, if any, still arrives through on_read.
    if (status != 0 && status != UV_ECANCELED && !self->closing() && status != UV_EPIPE && status != UV_ECONNRESET)
      self->finish({false, std::string("sending the request: ") + uv_strerror(status)});
  }

  static void on_alloc(uv_handle_t* handle, size_t, uv_buf_t* buffer) {
    auto* self = from<HttpProbe>(handle);
    *buffer = uv_buf_init(self->read_buffer_, sizeof self->read_buffer_);
  }

  static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buffer) {
    auto* self = from<HttpProbe>(reinterpret_cast<uv_handle_t*>(stream));
    if (self->closing()) return;
    HttpResponseCheck::Verdict verdict;
    if (nread > 0) verdict = self->check_.feed({buffer->base, static_cast<size_t>(nread)});
    else if (nread == UV_EOF) verdict = self->check_.finish();
    else if (nread < 0) return self->finish({false, std::string("reading the response: ") + uv_strerror(static_cast<int>(nread))});
    else return;
    if (verdict != HttpResponseCheck::Verdict::need_more) self->decided();
  }

  std::string timeout_reason() const override {
    std::string reason = ConnectingProbe::timeout_reason();
    if (check_.status() != 0) reason += " (HTTP " + std::to_string(check_.status()) + ", body incomplete)";
    return reason;
  }

  void decided() {
    uint64_t elapsed = elapsed_ms();
    if (interpret_) return finish(interpret_(check_, elapsed));
    if (check_.verdict() == HttpResponseCheck::Verdict::passed)
      return finish({true, check_.reason() + " in " + std::to_string(elapsed) + "ms"});
    finish({false, check_.reason()});
  }

  HttpInterpret interpret_;
  std::string request_;  // must outlive the write
  HttpResponseCheck check_;
  uv_write_t write_;
  char read_buffer_[16 * 1024];
};

}  // namespace

Probe* start_http_probe(uv_loop_t* loop, const conf::Address& address, std::string request,
                        HttpExpectation expectation, conf::Duration timeout, HttpInterpret interpret,
                        Probe::Done done) {
  auto* probe = new HttpProbe(loop, std::move(request), std::move(expectation), timeout, std::move(interpret),
                              std::move(done));
  probe->start(address);
  return probe;
}

}  // namespace sy::health
