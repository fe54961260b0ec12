// switchyard's entry point: run with a config, check a config, or talk to a
// running instance through its admin socket.
#include <sys/resource.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <string>

#include "conf/loader.hpp"
#include "proxy/admin/ctl_client.hpp"
#include "proxy/admin/operator_access.hpp"
#include "proxy/control/control.hpp"
#include "proxy/core/log.hpp"
#include "proxy/core/tls_contexts.hpp"
#include "proxy/fronts.hpp"

namespace {

constexpr const char* kUsage =
    "usage: switchyard --config FILE        run with the configuration in FILE\n"
    "       switchyard --check FILE         validate FILE; print file:line:col: message per error\n"
    "       switchyard ctl [--socket PATH | --config FILE] [--json] COMMAND...\n"
    "                                       talk to a running switchyard (try: ctl help)\n"
    "       switchyard --version\n"
    "       switchyard --help\n";

int check(const std::string& path) {
  auto loaded = sy::conf::load_file(path);
  if (!loaded.ok()) {
    for (const auto& error : loaded.errors) std::cerr << error.to_string() << "\n";
    return 1;
  }
  // Loading the certificates is part of the check: a start would fail on them.
  if (auto tls = sy::core::TlsContexts::build(*loaded.config); !tls.contexts) {
    for (const auto& error : tls.errors) std::cerr << error.to_string() << "\n";
    return 1;
  }
  std::cout << path << ": ok (" << loaded.config->listeners.size() << " listeners, " << loaded.config->backends.size()
            << " backends)\n";
  return 0;
}

// The default soft limit (1024) is far below what a proxy needs; the hard
// limit is what the operator allows, so take all of it.
void raise_fd_limit(const sy::conf::Config& config) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  rlim_t before = limit.rlim_cur;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
      sy::log::warn("cannot raise the open file limit from ", before, " to ", limit.rlim_max, ": ",
                    std::strerror(errno));
      limit.rlim_cur = before;
    }
  }
  sy::log::info("open file limit ", limit.rlim_cur, " (was ", before, ", hard limit ", limit.rlim_max, ")");
  // Each proxied connection holds a client and usually a server descriptor.
  uint64_t needed = 0;
  for (const auto& listener : config.listeners) needed += 2 * static_cast<uint64_t>(listener.max_connections);
  if (limit.rlim_cur != RLIM_INFINITY && needed > limit.rlim_cur)
    sy::log::warn("open file limit ", limit.rlim_cur, " is below the ", needed,
                  " descriptors the listeners' max_connections may need (2 per connection)");
}

int run(const std::string& path) {
  auto loaded = sy::conf::load_file(path);
  if (!loaded.ok()) {
    for (const auto& error : loaded.errors) sy::log::error(error.to_string());
    return 1;
  }
  // The format is known now: the first lines must already be in it.
  sy::log::configure(loaded.config->global.log_level, loaded.config->global.log_format);
  raise_fd_limit(*loaded.config);
  auto fronts = sy::make_front_registry();
  sy::admin::OperatorAccess access;
  sy::control::Control control(loaded.config, *fronts, access);
  return control.run();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "ctl") == 0) return sy::admin::run_ctl(argc - 2, argv + 2);
  if (argc == 2 && (std::strcmp(argv[1], "--version") == 0 || std::strcmp(argv[1], "-V") == 0)) {
    std::cout << "switchyard " << SWITCHYARD_VERSION << "\n";
    return 0;
  }
  if (argc == 2 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0)) {
    std::cout << kUsage;
    return 0;
  }
  if (argc == 3 && std::strcmp(argv[1], "--check") == 0) return check(argv[2]);
  if (argc == 3 && (std::strcmp(argv[1], "--config") == 0 || std::strcmp(argv[1], "-c") == 0)) return run(argv[2]);
  std::cerr << kUsage;
  return 2;
}
