// Admin socket plumbing; the commands themselves are in commands.cpp.
#include "proxy/admin/admin_server.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "proxy/admin/command_line.hpp"
#include "proxy/admin/commands.hpp"
#include "proxy/core/log.hpp"

namespace sy::admin {
namespace {
// Limits of one admin connection (docs/operations.md, "Limits"): a command
// line longer than kMaxCommandLength (command_line.hpp) is refused, and one
// that has not ended with a newline this long after connecting is refused too.
constexpr uint64_t kCommandTimeoutMs = 10'000;
// How long a refused client's further bytes are read and dropped.
constexpr uint64_t kLingerMs = 1'000;

// Whether a process accepts connections on the Unix socket at `path`.
bool socket_is_live(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof address.sun_path) return false;
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  bool live = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return live;
}
}  // namespace

struct AdminServer::Client {
  AdminServer* server;
  uv_pipe_t pipe{};
  uv_timer_t timer{};  // the command deadline, then the linger after an error
  int open_handles = 0;
  std::string input;
  char read_buffer[1024];
  uv_write_t write_req{};
  uv_shutdown_t shutdown_req{};
  std::string output;
  bool answered = false;
  bool closing = false;

  void start(uv_loop_t* loop) {
    uv_pipe_init(loop, &pipe, 0);
    pipe.data = this;
    uv_timer_init(loop, &timer);
    timer.data = this;
    open_handles = 2;
    uv_timer_start(&timer, [](uv_timer_t* t) { static_cast<Client*>(t->data)->on_deadline(); },
                   kCommandTimeoutMs, 0);
  }

  void on_deadline() {
    if (answered) close();  // the linger after a refusal ran out
    else refuse(log::concat("command not received within ", kCommandTimeoutMs / 1000, " s (no newline)"));
  }

  void answer(std::string reply) {
    answered = true;
    uv_timer_stop(&timer);
    uv_read_stop(reinterpret_cast<uv_stream_t*>(&pipe));
    output = std::move(reply);
    uv_buf_t buf = uv_buf_init(output.data(), static_cast<unsigned>(output.size()));
    write_req.data = this;
    if (uv_write(&write_req, reinterpret_cast<uv_stream_t*>(&pipe), &buf, 1,
                 [](uv_write_t* req, int) { static_cast<Client*>(req->data)->close(); }) != 0)
      close();
  }

  // An error line, then the end of the reply; what the client still sends
  // is read and dropped for a moment, so that closing with unread bytes does
  // not reset the connection before the client has read the line.
  void refuse(const std::string& why) {
    answered = true;
    uv_timer_stop(&timer);
    output = "error\n" + why + "\n";
    uv_buf_t buf = uv_buf_init(output.data(), static_cast<unsigned>(output.size()));
    write_req.data = this;
    if (uv_write(&write_req, reinterpret_cast<uv_stream_t*>(&pipe), &buf, 1, [](uv_write_t* req, int status) {
          auto* c = static_cast<Client*>(req->data);
          if (status != 0) return c->close();
          c->shutdown_req.data = c;
          if (uv_shutdown(&c->shutdown_req, reinterpret_cast<uv_stream_t*>(&c->pipe),
                          [](uv_shutdown_t*, int) {}) != 0)
            return c->close();
          uv_timer_start(&c->timer, [](uv_timer_t* t) { static_cast<Client*>(t->data)->close(); }, kLingerMs, 0);
        }) != 0)
      close();
  }

  void close() {
    if (closing) return;
    closing = true;
    auto closed = [](uv_handle_t* handle) {
      auto* c = static_cast<Client*>(handle->data);
      if (--c->open_handles == 0) delete c;
    };
    uv_close(reinterpret_cast<uv_handle_t*>(&timer), closed);
    uv_close(reinterpret_cast<uv_handle_t*>(&pipe), closed);
  }
};

AdminServer::AdminServer(uv_loop_t* loop, sy::control::Control& control) : loop_(loop), control_(control) {
  uv_pipe_init(loop_, &pipe_, 0);
  pipe_.data = this;
}

AdminServer::~AdminServer() = default;  // the owner closes the loop's handles first

std::string AdminServer::listen(const std::string& path) {
  std::error_code ec;
  auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  // A socket left behind by a process that died is in the way; a live one is not ours to take.
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) {
    if (socket_is_live(path)) return "in use by another running switchyard";
    ::unlink(path.c_str());
  }
  mode_t old_mask = ::umask(0077);  // owner-only from the moment it exists
  int rc = uv_pipe_bind(&pipe_, path.c_str());
  ::umask(old_mask);
  if (rc != 0) return uv_strerror(rc);
  ::chmod(path.c_str(), 0600);
  rc = uv_listen(reinterpret_cast<uv_stream_t*>(&pipe_), 16, &AdminServer::on_connection);
  if (rc != 0) return uv_strerror(rc);
  path_ = path;
  listening_ = true;
  return {};
}

void AdminServer::close() {
  if (uv_is_closing(reinterpret_cast<uv_handle_t*>(&pipe_))) return;
  uv_close(reinterpret_cast<uv_handle_t*>(&pipe_), nullptr);
  if (listening_) ::unlink(path_.c_str());
  listening_ = false;
}

void AdminServer::on_connection(uv_stream_t* stream, int status) {
  auto* self = static_cast<AdminServer*>(stream->data);
  if (status < 0) return;
  auto* client = new Client{};
  client->server = self;
  client->start(self->loop_);
  if (uv_accept(stream, reinterpret_cast<uv_stream_t*>(&client->pipe)) != 0) {
    client->close();
    return;
  }
  uv_read_start(
      reinterpret_cast<uv_stream_t*>(&client->pipe),
      [](uv_handle_t* handle, size_t, uv_buf_t* buf) {
        auto* c = static_cast<Client*>(handle->data);
        *buf = uv_buf_init(c->read_buffer, sizeof c->read_buffer);
      },
      [](uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
        auto* c = static_cast<Client*>(s->data);
        if (nread < 0) {
          // EOF or error; a command being executed still gets its reply written.
          if (!c->answered || c->output.size() > 0) c->close();
          return;
        }
        if (c->answered) return;  // a refused client's leftovers
        c->input.append(buf->base, static_cast<size_t>(nread));
        LineStep step = take_command_line(c->input);
        if (step.kind == LineStep::Kind::too_long) {
          c->refuse(log::concat("command too long (limit ", kMaxCommandLength, " bytes)"));
          return;
        }
        if (step.kind == LineStep::Kind::need_more) return;
        std::string line(step.line);
        c->answered = true;  // from now on the client waits for the reply
        uv_timer_stop(&c->timer);
        uv_read_stop(s);
        execute(c->server->control_, line,
                [c](Reply reply) { c->answer((reply.ok ? "ok\n" : "error\n") + reply.text); });
      });
}

}  // namespace sy::admin
