// The auth_query lookup connection; see auth_query.hpp.
#include "proxy/postgres/auth_query.hpp"

#include "pgwire/backend_messages.hpp"
#include "pgwire/message.hpp"
#include "pgwire/startup.hpp"
#include "proxy/core/log.hpp"
#include "proxy/core/log_guard.hpp"
#include "proxy/core/socket.hpp"
#include "proxy/postgres/message_stream.hpp"
#include "proxy/postgres/server_authenticator.hpp"

namespace sy::postgres {
namespace {

class AuthQuery final : private core::SocketHandler, private MessageSink {
 public:
  AuthQuery(core::Worker& worker, core::ServerPick server, ServerLogin login, std::string query, std::string user,
            std::function<void(std::optional<std::string>)> done)
      : server_(std::move(server)),
        login_(std::move(login)),
        authenticator_(login_),
        query_(std::move(query)),
        user_(std::move(user)),
        done_(std::move(done)),
        socket_(new core::Socket(worker.loop(), worker.message_buffers(), this)) {
    uv_timer_init(worker.loop(), &timer_);
    timer_.data = this;
  }

  void start() {
    // The whole lookup, login included, must fit in the backend's connect timeout (at least 1s).
    auto limit = std::max<int64_t>(1000, server_.backend->config->connect_timeout.count());
    uv_timer_start(&timer_, [](uv_timer_t* t) { static_cast<AuthQuery*>(t->data)->finish("timeout"); },
                   static_cast<uint64_t>(limit), 0);
    if (int rc = socket_->connect(server_.server().config->address.sockaddr_ptr()); rc != 0) finish(uv_strerror(rc));
  }

 private:
  void finish(std::string_view problem) {
    if (finished_) return;
    finished_ = true;
    if (!problem.empty()) {
      log::warn("auth_query for user \"", core::printable(user_), "\" on ", server_.backend->name(), "/", server_.server().name(),
                " failed: ", problem);
      password_.reset();
    }
    auto done = std::move(done_);
    uv_timer_stop(&timer_);
    uv_close(reinterpret_cast<uv_handle_t*>(&timer_), [](uv_handle_t* h) {
      auto* self = static_cast<AuthQuery*>(h->data);
      if (--self->open_handles_ == 0) delete self;
    });
    socket_->close();
    done(password_);
  }

  void send_query() {
    std::string out;
    pgwire::MessageBuilder(out, 'P').cstring("").cstring(query_).int16(0);
    pgwire::MessageBuilder(out, 'B').cstring("").cstring("").int16(0).int16(1).int32(static_cast<int32_t>(user_.size())).bytes(user_).int16(0);
    pgwire::MessageBuilder(out, 'E').cstring("").int32(0);
    pgwire::MessageBuilder(out, 'S');
    socket_->write(std::move(out));
    querying_ = true;
  }

  void on_connect(core::Socket& socket, int status) override {
    if (status != 0) return finish(uv_strerror(status));
    socket.read_start();
    socket.write(pgwire::build_startup({{"user", login_.user}, {"database", login_.database}}));
  }
  void on_data(core::Socket&, core::Slice data) override {
    stream_.push(std::move(data));
    stream_.run(*this);
  }
  void on_eof(core::Socket&) override { finish("server closed the connection"); }
  void on_error(core::Socket&, int status) override { finish(uv_strerror(status)); }
  void on_closed(core::Socket&) override {
    if (--open_handles_ == 0) delete this;
  }

  bool streamable(char) override { return false; }
  StreamVerdict on_message_piece(std::string_view, const core::Slice*, bool, bool) override { return StreamVerdict::close; }
  void on_malformed(std::string_view reason) override { finish(reason); }
  StreamVerdict on_message(std::string_view message, const core::Slice*) override {
    if (finished_) return StreamVerdict::close;
    std::string_view payload = message.substr(pgwire::kHeaderSize);
    switch (message[0]) {
      case 'R': {
        auto step = authenticator_.answer(payload);
        if (!step.ok) {
          finish(step.error);
          return StreamVerdict::close;
        }
        if (!step.reply.empty()) socket_->write(std::move(step.reply));
        return StreamVerdict::proceed;
      }
      case 'E':
        finish(pgwire::parse_error_fields(payload).message);
        return StreamVerdict::close;
      case 'D': {
        // (user name, password); a NULL password is no password. A row cut
        // short used to give an empty password: it is the server's fault now.
        auto columns = pgwire::parse_data_row(payload);
        if (!columns) {
          finish("malformed DataRow from the server");
          return StreamVerdict::close;
        }
        if (columns->size() >= 2 && (*columns)[1]) password_ = std::string(*(*columns)[1]);
        break;
      }
      case 'Z':
        if (!querying_) {
          send_query();
          break;
        }
        finish({});
        return StreamVerdict::close;
      default:
        break;  // ParameterStatus, BackendKeyData, ParseComplete, ...
    }
    return StreamVerdict::proceed;
  }

  core::ServerPick server_;
  ServerLogin login_;
  ServerAuthenticator authenticator_;
  std::string query_;
  std::string user_;
  std::function<void(std::optional<std::string>)> done_;
  core::Socket* socket_;
  uv_timer_t timer_;
  MessageStream stream_;
  std::optional<std::string> password_;
  bool querying_ = false;
  bool finished_ = false;
  int open_handles_ = 2;
};

}  // namespace

void run_auth_query(core::Worker& worker, core::ServerPick server, ServerLogin login, std::string query,
                    std::string user, std::function<void(std::optional<std::string>)> done) {
  (new AuthQuery(worker, std::move(server), std::move(login), std::move(query), std::move(user), std::move(done)))
      ->start();
}

}  // namespace sy::postgres
