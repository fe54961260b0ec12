// HTTP probe: connects, sends one request, feeds the answer to an
// HttpResponseCheck until it has a verdict, and closes. The whole exchange,
// connect included, must finish within the timeout. Reads go into one
// fixed buffer; the check itself bounds what it keeps of the body.
#include "healthcheck/http_probe.hpp"

#include "conf/durations.hpp"

namespace sy::health {
namespace {

class HttpProbe final : public Probe {
 public:
  HttpProbe(uv_loop_t* loop, const conf::Address& address, std::string request, HttpExpectation expectation,
            conf::Duration timeout, HttpInterpret interpret, Done done)
      : done_(std::move(done)),
        interpret_(std::move(interpret)),
        request_(std::move(request)),
        check_(std::move(expectation)),
        timeout_(timeout) {
    uv_tcp_init(loop, &tcp_);
    uv_timer_init(loop, &timer_);
    tcp_.data = this;
    timer_.data = this;
    connect_.data = this;
    write_.data = this;
    started_ = uv_now(loop);
    int rc = uv_tcp_connect(&connect_, &tcp_, address.sockaddr_ptr(), &HttpProbe::on_connect);
    if (rc != 0) {
      // Report from the loop, never from inside start_http_probe().
      immediate_failure_ = uv_strerror(rc);
      uv_timer_start(&timer_, &HttpProbe::on_timeout, 0, 0);
      return;
    }
    uv_timer_start(&timer_, &HttpProbe::on_timeout, timeout.count(), 0);
  }

  void cancel() override {
    done_ = nullptr;
    close();
  }

 private:
  static void on_connect(uv_connect_t* req, int status) {
    auto* self = static_cast<HttpProbe*>(req->data);
    if (status == UV_ECANCELED || self->closing_) return;
    if (status != 0) return self->finish({false, uv_strerror(status)});
    uv_buf_t buffer = uv_buf_init(self->request_.data(), static_cast<unsigned>(self->request_.size()));
    int rc = uv_write(&self->write_, reinterpret_cast<uv_stream_t*>(&self->tcp_), &buffer, 1, &HttpProbe::on_written);
    if (rc == 0) rc = uv_read_start(reinterpret_cast<uv_stream_t*>(&self->tcp_), &HttpProbe::on_alloc, &HttpProbe::on_read);
    if (rc != 0) self->finish({false, std::string("sending the request: ") + uv_strerror(rc)});
  }

  static void on_written(uv_write_t* req, int status) {
    auto* self = static_cast<HttpProbe*>(req->data);
    // A server may answer and close before reading all of the request: the
    // answer, if any, still arrives through on_read.
    if (status != 0 && status != UV_ECANCELED && !self->closing_ && status != UV_EPIPE && status != UV_ECONNRESET)
      self->finish({false, std::string("sending the request: ") + uv_strerror(status)});
  }

  static void on_alloc(uv_handle_t* handle, size_t, uv_buf_t* buffer) {
    auto* self = static_cast<HttpProbe*>(handle->data);
    *buffer = uv_buf_init(self->read_buffer_, sizeof self->read_buffer_);
  }

  static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buffer) {
    auto* self = static_cast<HttpProbe*>(stream->data);
    if (self->closing_) return;
    HttpResponseCheck::Verdict verdict;
    if (nread > 0) verdict = self->check_.feed({buffer->base, static_cast<size_t>(nread)});
    else if (nread == UV_EOF) verdict = self->check_.finish();
    else if (nread < 0) return self->finish({false, std::string("reading the response: ") + uv_strerror(static_cast<int>(nread))});
    else return;
    if (verdict != HttpResponseCheck::Verdict::need_more) self->decided();
  }

  static void on_timeout(uv_timer_t* timer) {
    auto* self = static_cast<HttpProbe*>(timer->data);
    if (!self->immediate_failure_.empty()) return self->finish({false, self->immediate_failure_});
    std::string reason = "timeout after " + conf::format_duration(self->timeout_);
    if (self->check_.status() != 0) reason += " (HTTP " + std::to_string(self->check_.status()) + ", body incomplete)";
    self->finish({false, reason});
  }

  void decided() {
    uint64_t elapsed = uv_now(tcp_.loop) - started_;
    if (interpret_) return finish(interpret_(check_, elapsed));
    if (check_.verdict() == HttpResponseCheck::Verdict::passed)
      return finish({true, check_.reason() + " in " + std::to_string(elapsed) + "ms"});
    finish({false, check_.reason()});
  }

  void finish(ProbeResult result) {
    Done done = std::move(done_);
    done_ = nullptr;
    close();
    if (done) done(std::move(result));
  }

  void close() {
    if (closing_) return;
    closing_ = true;
    uv_close(reinterpret_cast<uv_handle_t*>(&timer_), &HttpProbe::on_closed);
    uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), &HttpProbe::on_closed);
  }

  static void on_closed(uv_handle_t* handle) {
    auto* self = static_cast<HttpProbe*>(handle->data);
    if (--self->open_handles_ == 0) delete self;
  }

  Done done_;
  HttpInterpret interpret_;
  std::string request_;  // must outlive the write
  HttpResponseCheck check_;
  conf::Duration timeout_;
  uv_tcp_t tcp_;
  uv_timer_t timer_;
  uv_connect_t connect_;
  uv_write_t write_;
  char read_buffer_[16 * 1024];
  uint64_t started_ = 0;
  std::string immediate_failure_;
  int open_handles_ = 2;
  bool closing_ = false;
};

}  // namespace

Probe* start_http_probe(uv_loop_t* loop, const conf::Address& address, std::string request,
                        HttpExpectation expectation, conf::Duration timeout, HttpInterpret interpret,
                        Probe::Done done) {
  return new HttpProbe(loop, address, std::move(request), std::move(expectation), timeout, std::move(interpret),
                       std::move(done));
}

}  // namespace sy::health
