// switchyard's entry point: run with a config, check a config, or talk to a
// running instance through its admin socket.
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

int run(const std::string& path) {
  auto loaded = sy::conf::load_file(path);
  if (!loaded.ok()) {
    for (const auto& error : loaded.errors) sy::log::error(error.to_string());
    return 1;
  }
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
