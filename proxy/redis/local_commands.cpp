// The commands the Redis front answers itself; see local_commands.hpp.
#include "proxy/redis/local_commands.hpp"

#include <charconv>

#include "proxy/redis/local_replies.hpp"
#include "resp/writer.hpp"

namespace sy::redis {
namespace {

using resp::equals_ignoring_case;

LocalReply reply(std::string bytes) {
  LocalReply out;
  out.handled = true;
  out.reply = std::move(bytes);
  return out;
}

LocalReply error(std::string_view message) {
  std::string out;
  resp::append_error(out, message);
  return reply(std::move(out));
}

LocalReply ok() { return reply("+OK\r\n"); }

constexpr std::string_view kWrongPass = "WRONGPASS invalid username-password pair or user is disabled.";
constexpr std::string_view kBadName = "ERR Client names cannot contain spaces, newlines or special characters.";

}  // namespace

LocalReply LocalCommands::run(const resp::CommandInfo& info, std::span<const std::string_view> argv,
                              ClientIdentity& client) const {
  std::string_view name = info.name;
  std::string out;
  if (name == "ping") {
    if (argv.size() > 2) return error(arity_error("ping"));
    if (argv.size() == 2) resp::append_bulk(out, argv[1]);
    else out = "+PONG\r\n";
    return reply(std::move(out));
  }
  if (name == "echo") {
    resp::append_bulk(out, argv[1]);
    return reply(std::move(out));
  }
  if (name == "quit") {
    LocalReply quit = ok();
    quit.quit = true;
    return quit;
  }
  if (name == "auth") return auth(argv, client);
  if (name == "hello") return hello(argv, client);
  if (name == "select") {
    unsigned db = 0;
    std::string problem;
    if (!parse_db(argv[1], db, problem)) return error(problem);
    client.db = db;
    return ok();
  }
  if (name == "reset") {
    client.db = 0;
    client.protocol = 2;
    client.name.clear();
    client.authenticated = settings_.password.empty();
    LocalReply reset = reply("+RESET\r\n");
    reset.reset = true;
    return reset;
  }
  if (name.starts_with("client|") || name == "client") return client_command(name, argv, client);
  return {};
}

bool LocalCommands::parse_db(std::string_view text, unsigned& db, std::string& problem) const {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), db);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
    problem = "ERR value is not an integer or out of range";
    return false;
  }
  if (db >= databases_) {
    problem = "ERR DB index is out of range";
    return false;
  }
  return true;
}

bool LocalCommands::authenticate(std::string_view user, std::string_view password, LocalReply& out) const {
  // Without a password only the default user exists, with nopass (Redis without requirepass).
  if (settings_.password.empty() ? user == "default" : user == settings_.user && password == settings_.password)
    return true;
  if (!settings_.password.empty())
    for (const conf::RedisUser& other : settings_.users)
      if (user == other.name && password == other.password) return true;
  out = error(kWrongPass);
  out.failed_user = user;
  return false;
}

LocalReply LocalCommands::auth(std::span<const std::string_view> argv, ClientIdentity& client) const {
  if (argv.size() == 2 && settings_.password.empty())
    return error("ERR AUTH <password> called without any password configured for the default user. "
                 "Are you sure your configuration is correct?");
  if (argv.size() > 3) return error("ERR syntax error");
  std::string_view user = argv.size() == 3 ? argv[1] : std::string_view(settings_.user);
  LocalReply out;
  if (!authenticate(user, argv.back(), out)) return out;
  client.authenticated = true;
  return ok();
}

LocalReply LocalCommands::hello(std::span<const std::string_view> argv, ClientIdentity& client) const {
  int protocol = client.protocol;
  size_t i = 1;
  if (argv.size() > 1) {
    int asked = 0;
    auto [end, ec] = std::from_chars(argv[1].data(), argv[1].data() + argv[1].size(), asked);
    if (ec != std::errc() || end != argv[1].data() + argv[1].size())
      return error("ERR Protocol version is not an integer or out of range");
    if (asked != 2 && asked != 3) return error("NOPROTO unsupported protocol version");
    protocol = asked;
    i = 2;
  }
  std::string name = client.name;
  bool setname = false;
  for (; i < argv.size(); ++i) {
    if (equals_ignoring_case(argv[i], "auth") && i + 2 < argv.size()) {
      LocalReply out;
      if (!authenticate(argv[i + 1], argv[i + 2], out)) return out;
      client.authenticated = true;
      i += 2;
    } else if (equals_ignoring_case(argv[i], "setname") && i + 1 < argv.size()) {
      if (!valid_client_name(argv[i + 1])) return error(kBadName);
      name = argv[i + 1];
      setname = true;
      ++i;
    } else {
      return error("ERR Syntax error in HELLO option '" + std::string(argv[i].substr(0, 128)) + "'");
    }
  }
  if (!client.authenticated)
    return error("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> "
                 "AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol "
                 "version at the same time");
  if (setname) client.name = name;
  // Replies still due come in the old protocol: they were asked for in it.
  client.protocol = protocol;
  return reply(hello_reply(ClientFacts{.id = client.id, .protocol = client.protocol, .db = client.db,
                                       .name = client.name}));
}

LocalReply LocalCommands::client_command(std::string_view name, std::span<const std::string_view> argv,
                                         ClientIdentity& client) const {
  std::string out;
  if (name == "client|setname") {
    if (!valid_client_name(argv[2])) return error(kBadName);
    client.name = argv[2];
    return ok();
  }
  if (name == "client|getname") {
    if (client.name.empty()) out = client.protocol == 3 ? "_\r\n" : "$-1\r\n";
    else resp::append_bulk(out, client.name);
    return reply(std::move(out));
  }
  if (name == "client|id") {
    resp::append_integer(out, static_cast<int64_t>(client.id));
    return reply(std::move(out));
  }
  if (name == "client|info") {
    std::string user = client.authenticated ? settings_.user : "";
    resp::append_bulk(out, client_info_line(ClientFacts{.id = client.id, .protocol = client.protocol,
                                                        .db = client.db, .name = client.name,
                                                        .address = client.address, .user = user,
                                                        .lib_name = client.lib_name,
                                                        .lib_version = client.lib_version}) +
                               "\n");
    return reply(std::move(out));
  }
  // Redis 7.2's CLIENT SETINFO, which drivers send at connect: kept here
  // for CLIENT INFO, whatever the server's version.
  if (name == "client" && argv.size() == 4 && equals_ignoring_case(argv[1], "setinfo")) {
    if (equals_ignoring_case(argv[2], "lib-name")) client.lib_name = argv[3];
    else if (equals_ignoring_case(argv[2], "lib-ver")) client.lib_version = argv[3];
    else return error("ERR Unrecognized option '" + std::string(argv[2].substr(0, 128)) + "'");
    return ok();
  }
  // These act on the proxy's own server connections, which others share.
  if (name == "client|kill" || name == "client|pause" || name == "client|unpause" || name == "client|unblock" ||
      name == "client|no-evict" || name == "client|caching" || name == "client|getredir")
    return error(unknown_command_error(argv));
  return {};  // CLIENT LIST, TRACKING, TRACKINGINFO, HELP: the server's
}

}  // namespace sy::redis
