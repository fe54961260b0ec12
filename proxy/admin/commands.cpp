// Admin commands: the table of what operators can do and the handlers.
#include "proxy/admin/commands.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <functional>
#include <optional>
#include <vector>

#include "proxy/admin/command_line.hpp"
#include "proxy/admin/postgres_commands.hpp"
#include "proxy/admin/redis_commands.hpp"
#include "proxy/admin/request.hpp"
#include "proxy/admin/table.hpp"
#include "proxy/admin/tls_commands.hpp"
#include "proxy/control/control.hpp"

namespace sy::admin {
namespace {

// Handlers answer at once (a Reply) or later through request.respond
// (std::nullopt: they took it).
using Handler = std::function<std::optional<Reply>(Request&)>;

struct Command {
  std::string_view words;  // "show servers"
  std::string_view usage;  // arguments
  std::string_view help;
  size_t min_args;
  size_t max_args;
  Handler handler;
};


// A PostgreSQL database's handler, or a Redis backend's when the name is
// not a database but a backend a redis listener serves.
Handler for_database_or_redis(Handler database, Handler redis) {
  return [database, redis](Request& request) {
    std::string name(request.args[0]);
    bool is_redis = !request.control.runtime().config().find_database(name) && request.control.is_redis_backend(name);
    return is_redis ? redis(request) : database(request);
  };
}

// "backend/server" -> the two names, or an error.
bool split_server(std::string_view text, std::string_view& backend, std::string_view& server) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == text.size()) return false;
  backend = text.substr(0, slash);
  server = text.substr(slash + 1);
  return true;
}

std::optional<Reply> show_servers(Request& request) {
  Table table{{"backend", "server", "address", "admin", "health", "ejected_for_s", "role", "timeline", "weight", "backup",
               "active", "total",
               "connect_failures", "bytes_in", "bytes_out", "health_since_s", "health_reason", "last_check"}, {}};
  const auto& snapshot = request.control.published();
  auto now = std::chrono::system_clock::now();
  auto steady_now = std::chrono::steady_clock::now();
  for (const auto& backend : snapshot->backends) {
    if (!request.args.empty() && backend.name() != request.args[0]) continue;
    for (const auto& server : backend.servers) {
      const auto& runtime = *request.control.runtime().find(backend.name(), server.name());
      const auto& c = *server.counters;
      auto since = std::chrono::duration_cast<std::chrono::seconds>(now - runtime.health_changed_at).count();
      int64_t ejected_for = 0;
      if (runtime.ejection.ejected)
        ejected_for = std::max<int64_t>(
            1, std::chrono::duration_cast<std::chrono::seconds>(runtime.ejection.until - steady_now).count());
      table.rows.push_back({backend.name(), server.name(), server.config->address.to_string(),
                            balancer::to_string(server.admin), balancer::to_string(server.health), ejected_for,
                            backend.roles_known() ? balancer::to_string(server.role) : "-",
                            static_cast<unsigned>(server.timeline), server.weight,
                            server.backup ? "yes" : "no", static_cast<int64_t>(c.active.load()),
                            static_cast<uint64_t>(c.total.load()), static_cast<uint64_t>(c.connect_failures.load()),
                            static_cast<uint64_t>(c.bytes_in.load()), static_cast<uint64_t>(c.bytes_out.load()),
                            static_cast<int64_t>(since), runtime.health_reason,
                            request.control.health().last_result(backend.name(), server.name())});
    }
  }
  if (!request.args.empty() && table.rows.empty()) return error("no backend \"" + std::string(request.args[0]) + "\"");
  return render(table, request.json);
}

std::optional<Reply> show_listeners(Request& request) {
  Table table{{"listener", "bind", "port", "protocol", "backend", "active", "accepted", "rejected", "max_connections"}, {}};
  const conf::Config& config = request.control.runtime().config();
  for (const auto& listener : config.listeners) {
    auto it = request.control.listeners().find(listener.name);
    if (it == request.control.listeners().end()) continue;
    const auto& counters = *it->second.counters;
    table.rows.push_back({listener.name, listener.bind.to_string(), static_cast<unsigned>(it->second.port),
                          conf::to_string(listener.protocol), listener.backend,
                          static_cast<int64_t>(counters.active.load()), static_cast<uint64_t>(counters.accepted.load()),
                          static_cast<uint64_t>(counters.rejected.load()), listener.max_connections});
  }
  return render(table, request.json);
}

std::optional<Reply> set_state(Request& request, balancer::AdminState state) {
  std::string_view backend, server;
  if (!split_server(request.args[0], backend, server)) return error("expected BACKEND/SERVER, got \"" + std::string(request.args[0]) + "\"");
  if (auto message = request.control.set_admin_state(backend, server, state); !message.empty()) return error(message);
  return Reply{true, std::string(backend) + "/" + std::string(server) + " is now " + std::string(balancer::to_string(state)) + "\n"};
}

std::optional<Reply> set_weight(Request& request) {
  std::string_view backend, server;
  if (!split_server(request.args[0], backend, server)) return error("expected BACKEND/SERVER, got \"" + std::string(request.args[0]) + "\"");
  unsigned weight = 0;
  auto text = request.args[1];
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), weight);
  if (ec != std::errc() || end != text.data() + text.size()) return error("weight must be a number from 0 to 1000");
  if (auto message = request.control.set_weight(backend, server, weight); !message.empty()) return error(message);
  return Reply{true, std::string(backend) + "/" + std::string(server) + " weight is now " + std::to_string(weight) + "\n"};
}

std::optional<Reply> reload(Request& request) {
  auto outcome = request.control.reload();
  std::string text = outcome.ok ? "configuration reloaded\n" : "reload rejected; the running configuration stays\n";
  for (const auto& message : outcome.messages) text += message + "\n";
  return Reply{outcome.ok, text};
}

std::optional<Reply> help(Request&);

const std::vector<Command>& commands() {
  static const std::vector<Command> table = {
      {"help", "", "list the commands", 0, 0, help},
      {"show servers", "[BACKEND]", "servers with state, weight, connections and last health reason", 0, 1, show_servers},
      {"show listeners", "", "listeners with their actual port and connection counts", 0, 0, show_listeners},
      {"set weight", "BACKEND/SERVER N", "override a server's weight (0-1000) until the next restart", 2, 2, set_weight},
      {"drain", "BACKEND/SERVER", "no new connections; established ones go on; checks continue", 1, 1,
       [](Request& r) { return set_state(r, balancer::AdminState::drain); }},
      {"maint", "BACKEND/SERVER", "no traffic and no health checks", 1, 1,
       [](Request& r) { return set_state(r, balancer::AdminState::maint); }},
      {"ready", "BACKEND/SERVER", "back to normal after drain or maint", 1, 1,
       [](Request& r) { return set_state(r, balancer::AdminState::ready); }},
      {"reload", "", "re-read the configuration file (same as SIGHUP)", 0, 0, reload},
      {"show certificates", "", "certificates TLS listeners serve: subject, names, issuer, serial, expiry", 0, 0,
       show_certificates},
      {"show pools", "", "PostgreSQL pools: clients active/waiting, servers active/idle/opening, longest wait", 0, 0,
       show_pools},
      {"show clients", "", "PostgreSQL clients: user, database, state, address, linked server", 0, 0, show_clients},
      {"show databases", "", "PostgreSQL databases: backend, real name, pool mode and limits, connections", 0, 0,
       show_databases},
      {"show clusters", "", "role-checked clusters (PostgreSQL, Patroni, Redis): each server's role, timeline, position and replica lag", 0, 0, show_clusters},
      {"pause", "DATABASE|BACKEND",
       "new transactions (Redis: commands) wait; answers when those in flight have finished", 1, 1,
       for_database_or_redis(pause_database, pause_redis_backend)},
      {"resume", "DATABASE|BACKEND", "end a pause: waiting clients go on", 1, 1,
       for_database_or_redis(resume_database, resume_redis_backend)},
      {"switchover", "CLUSTER [SERVER]",
       "pause the cluster's databases (Redis: the backend), wait for a new primary (SERVER if given) to be "
       "promoted (Redis with Sentinel: SENTINEL FAILOVER), resume",
       1, 2, switchover},
  };
  return table;
}

std::optional<Reply> help(Request&) {
  Table table{{"command", "arguments", "what it does"}, {}};
  for (const auto& command : commands()) table.rows.push_back({command.words, command.usage, command.help});
  return Reply{true, table.to_text() + "add --json to a show command for JSON output\n"};
}

// The table's rows as the line parser (command_line.hpp) sees them, in the same order.
const std::vector<CommandSyntax>& syntax() {
  static const std::vector<CommandSyntax> rows = [] {
    std::vector<CommandSyntax> out;
    for (const auto& command : commands())
      out.push_back({command.words, command.usage, command.min_args, command.max_args});
    return out;
  }();
  return rows;
}

std::optional<Reply> dispatch(Request& request, std::string_view line) {
  ParsedCommand parsed = parse_command(line, syntax());
  request.json = parsed.json;
  if (!parsed.error.empty()) return error(std::move(parsed.error));
  request.args = std::move(parsed.args);
  return commands()[parsed.index].handler(request);
}

}  // namespace

void execute(sy::control::Control& control, std::string_view line, Respond respond) {
  Request request{control, {}, false, respond};
  if (auto reply = dispatch(request, line)) respond(std::move(*reply));
}

}  // namespace sy::admin
