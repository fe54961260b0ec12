// The admin socket: a Unix stream socket (mode 0600) on the control loop.
// A client sends one command line and gets one reply; the first reply line
// is "ok" or "error", the rest is the command's output.
#pragma once

#include <uv.h>

#include <string>

namespace sy::control {
class Control;
}

namespace sy::admin {

class AdminServer {
 public:
  AdminServer(uv_loop_t* loop, sy::control::Control& control);
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;
  ~AdminServer();

  std::string listen(const std::string& path);  // empty on success
  void close();

 private:
  struct Client;
  static void on_connection(uv_stream_t* server, int status);

  uv_loop_t* loop_;
  sy::control::Control& control_;
  uv_pipe_t pipe_;
  std::string path_;
  bool listening_ = false;
};

}  // namespace sy::admin
