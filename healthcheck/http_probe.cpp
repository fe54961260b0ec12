// HTTP probe: connects, sends one request, feeds the answer to an
// HttpResponseCheck until it has a verdict, and closes. The whole exchange,
// connect included, must finish within the timeout. Reads go into one
// fixed buffer; the check itself bounds what it keeps of the body. Over
// HTTPS the socket carries a TlsSession's ciphertext: the request is
// written once the handshake is done, and a failed handshake is the
// probe's result, with the session's reason ("TLS: certificate verify
// failed ...").
#include "healthcheck/http_probe.hpp"

#include "healthcheck/connecting_probe.hpp"
#include "tls/session.hpp"

namespace sy::health {
namespace {

// One socket write of ciphertext; owns its bytes until libuv is done.
struct CiphertextWrite {
  uv_write_t request;
  std::string bytes;
};

class HttpProbe final : public ConnectingProbe {
 public:
  HttpProbe(uv_loop_t* loop, std::string request, HttpExpectation expectation, conf::Duration timeout,
            HttpInterpret interpret, ProbeTls tls, Done done)
      : ConnectingProbe(loop, timeout, std::move(done)),
        tls_(std::move(tls)),
        interpret_(std::move(interpret)),
        request_(std::move(request)),
        check_(std::move(expectation)) {
    write_.data = this;
  }

 private:
  void on_connected() override {
    if (tls_.context) return start_tls();
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

  void start_tls() {
    session_ = tls::TlsSession::connect(tls_.context, tls_.host);
    int rc = uv_read_start(reinterpret_cast<uv_stream_t*>(&tcp_), &HttpProbe::on_alloc, &HttpProbe::on_read);
    if (rc != 0) return finish({false, std::string("TLS: ") + uv_strerror(rc)});
    flush_ciphertext();
  }

  // Whatever the session has for the socket (handshake flights, the
  // request, alerts) goes out in one write.
  void flush_ciphertext() {
    if (closing() || session_->pending_ciphertext() == 0) return;
    auto* write = new CiphertextWrite;
    write->request.data = write;
    session_->take_ciphertext(write->bytes);
    uv_buf_t buffer = uv_buf_init(write->bytes.data(), static_cast<unsigned>(write->bytes.size()));
    int rc = uv_write(&write->request, reinterpret_cast<uv_stream_t*>(&tcp_), &buffer, 1,
                      [](uv_write_t* request, int) { delete static_cast<CiphertextWrite*>(request->data); });
    if (rc != 0) {
      delete write;
      finish({false, std::string("TLS: sending: ") + uv_strerror(rc)});
    }
  }

  // Ciphertext from the socket: advance the handshake, send the request
  // once it is done, and hand the decrypted answer to the check.
  void on_ciphertext(std::string_view bytes) {
    session_->feed_ciphertext(bytes);
    if (session_->handshake_done() && sent_ < request_.size())
      sent_ += session_->write_plaintext(std::string_view(request_).substr(sent_));
    HttpResponseCheck::Verdict verdict = HttpResponseCheck::Verdict::need_more;
    while (!session_->failed() && verdict == HttpResponseCheck::Verdict::need_more) {
      tls::ReadResult read = session_->read_plaintext(plaintext_);
      if (read.status == tls::ReadStatus::data) verdict = check_.feed({plaintext_, read.bytes});
      else if (read.status == tls::ReadStatus::closed) verdict = check_.finish();
      else break;
    }
    flush_ciphertext();  // also the alert of a failed handshake
    if (session_->failed()) return finish({false, "TLS: " + session_->error_message()});
    if (verdict != HttpResponseCheck::Verdict::need_more) decided();
  }

  static void on_alloc(uv_handle_t* handle, size_t, uv_buf_t* buffer) {
    auto* self = from<HttpProbe>(handle);
    *buffer = uv_buf_init(self->read_buffer_, sizeof self->read_buffer_);
  }

  static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buffer) {
    auto* self = from<HttpProbe>(reinterpret_cast<uv_handle_t*>(stream));
    if (self->closing()) return;
    if (self->session_ && nread > 0) return self->on_ciphertext({buffer->base, static_cast<size_t>(nread)});
    if (self->session_ && nread == UV_EOF && !self->session_->handshake_done())
      return self->finish({false, "TLS: the server closed the connection during the handshake"});
    HttpResponseCheck::Verdict verdict;
    if (nread > 0) verdict = self->check_.feed({buffer->base, static_cast<size_t>(nread)});
    else if (nread == UV_EOF) verdict = self->check_.finish();
    else if (nread < 0) return self->finish({false, std::string("reading the response: ") + uv_strerror(static_cast<int>(nread))});
    else return;
    if (verdict != HttpResponseCheck::Verdict::need_more) self->decided();
  }

  std::string timeout_reason() const override {
    std::string reason = ConnectingProbe::timeout_reason();
    if (session_ && !session_->handshake_done()) return reason + " (TLS handshake not done)";
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

  ProbeTls tls_;
  std::unique_ptr<tls::TlsSession> session_;  // HTTPS only
  size_t sent_ = 0;                           // request bytes the session has taken
  char plaintext_[16 * 1024];
  HttpInterpret interpret_;
  std::string request_;  // must outlive the write
  HttpResponseCheck check_;
  uv_write_t write_;
  char read_buffer_[16 * 1024];
};

}  // namespace

Probe* start_http_probe(uv_loop_t* loop, const conf::Address& address, std::string request,
                        HttpExpectation expectation, conf::Duration timeout, HttpInterpret interpret,
                        ProbeTls tls, Probe::Done done) {
  auto* probe = new HttpProbe(loop, std::move(request), std::move(expectation), timeout, std::move(interpret),
                              std::move(tls), std::move(done));
  probe->start(address);
  return probe;
}

}  // namespace sy::health
