// sy-sentinel-watch: follows one master through its Sentinels with
// SentinelFollower and prints one line per event, for the integration tests
// (the backend wiring into switchyard itself is the control plane's job):
//   <unix ms> master <host:port> replicas <a,b|-> reason <text>
//   <unix ms> problem <text>
//   <unix ms> sentinels <ip:port,...>     (whenever the known set changes)
// Usage: sy-sentinel-watch MASTER_NAME HOST:PORT... [--password P] [--server-password P] [--poll-interval MS]
// Runs until SIGTERM or SIGINT.
#include <uv.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <variant>

#include "sentinel/follower.hpp"

namespace {

long long unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int usage() {
  std::fprintf(stderr,
               "usage: sy-sentinel-watch MASTER_NAME HOST:PORT... [--password P] [--server-password P] "
               "[--poll-interval MS]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace sy;
  if (argc < 3) return usage();
  sentinel::FollowerSettings settings;
  settings.master_name = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.starts_with("--")) {
      if (i + 1 >= argc) return usage();
      std::string value = argv[++i];
      if (arg == "--password") settings.password = value;
      else if (arg == "--server-password") settings.server_password = value;
      else if (arg == "--poll-interval") settings.poll_interval = conf::Duration(std::stoll(value));
      else return usage();
      continue;
    }
    auto parsed = conf::parse_address(arg);
    if (auto* problem = std::get_if<std::string>(&parsed)) {
      std::fprintf(stderr, "sy-sentinel-watch: %s: %s\n", arg.c_str(), problem->c_str());
      return 2;
    }
    settings.sentinels.push_back(std::get<conf::Address>(parsed));
  }
  if (settings.sentinels.empty()) return usage();

  uv_loop_t* loop = uv_default_loop();
  auto* follower = sentinel::SentinelFollower::start(
      loop, settings,
      [](const sentinel::MasterChange& change) {
        std::string replicas;
        for (const auto& replica : change.replicas) replicas += (replicas.empty() ? "" : ",") + replica.to_string();
        std::printf("%lld master %s replicas %s reason %s\n", unix_ms(), change.master.to_string().c_str(),
                    replicas.empty() ? "-" : replicas.c_str(), change.reason.c_str());
        std::fflush(stdout);
      },
      [](const std::string& text) {
        std::printf("%lld problem %s\n", unix_ms(), text.c_str());
        std::fflush(stdout);
      });

  // The follower learns Sentinels as it goes; show the set when it changes.
  struct Known {
    sentinel::SentinelFollower* follower;
    std::string shown;
  } known{follower, {}};
  uv_timer_t known_timer;
  uv_timer_init(loop, &known_timer);
  known_timer.data = &known;
  uv_timer_start(&known_timer, [](uv_timer_t* timer) {
    auto* k = static_cast<Known*>(timer->data);
    std::string list;
    for (const auto& key : k->follower->known_sentinels()) list += (list.empty() ? "" : ",") + key;
    if (list == k->shown) return;
    k->shown = list;
    std::printf("%lld sentinels %s\n", unix_ms(), list.c_str());
    std::fflush(stdout);
  }, 0, 50);

  uv_signal_t signals[2];
  for (int i = 0; i < 2; ++i) {
    uv_signal_init(loop, &signals[i]);
    signals[i].data = follower;
    uv_signal_start(&signals[i], [](uv_signal_t* handle, int) {
      static_cast<sentinel::SentinelFollower*>(handle->data)->stop();
      uv_stop(handle->loop);
    }, i == 0 ? SIGTERM : SIGINT);
  }
  uv_run(loop, UV_RUN_DEFAULT);
  for (auto& handle : signals) uv_close(reinterpret_cast<uv_handle_t*>(&handle), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&known_timer), nullptr);
  uv_run(loop, UV_RUN_DEFAULT);  // the follower's close callbacks
  return 0;
}
