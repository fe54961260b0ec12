// Replies the Redis front writes itself; see local_replies.hpp.
#include "proxy/redis/local_replies.hpp"

#include <cctype>

#include "resp/writer.hpp"

namespace sy::redis {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Redis cuts client-supplied text in errors at 128 bytes.
std::string_view cut(std::string_view text, size_t limit = 128) { return text.substr(0, limit); }

}  // namespace

std::string hello_reply(const ClientFacts& client) {
  std::string out;
  // RESP3: a map of 7 pairs; RESP2: the same as a flat array of 14.
  if (client.protocol == 3) out += "%7\r\n";
  else resp::append_array_header(out, 14);
  resp::append_bulk(out, "server");
  resp::append_bulk(out, "redis");
  resp::append_bulk(out, "version");
  resp::append_bulk(out, kReportedVersion);
  resp::append_bulk(out, "proto");
  resp::append_integer(out, client.protocol);
  resp::append_bulk(out, "id");
  resp::append_integer(out, static_cast<int64_t>(client.id));
  resp::append_bulk(out, "mode");
  resp::append_bulk(out, "standalone");
  resp::append_bulk(out, "role");
  resp::append_bulk(out, "master");
  resp::append_bulk(out, "modules");
  resp::append_array_header(out, 0);
  return out;
}

std::string client_info_line(const ClientFacts& client) {
  std::string line = "id=" + std::to_string(client.id) + " addr=" + std::string(client.address) +
                     " name=" + std::string(client.name) + " db=" + std::to_string(client.db) +
                     " user=" + std::string(client.user) + " resp=" + std::to_string(client.protocol) +
                     " lib-name=" + std::string(client.lib_name) + " lib-ver=" + std::string(client.lib_version);
  return line;
}

std::string unknown_command_error(std::span<const std::string_view> argv) {
  std::string args;
  for (size_t i = 1; i < argv.size() && args.size() < 128; ++i)
    args += "'" + std::string(cut(argv[i], 128 - args.size())) + "' ";
  return "ERR unknown command '" + std::string(cut(argv.empty() ? std::string_view() : argv[0])) +
         "', with args beginning with: " + args;
}

std::string arity_error(std::string_view name) {
  return "ERR wrong number of arguments for '" + lower(cut(name)) + "' command";
}

bool valid_client_name(std::string_view name) {
  for (char c : name)
    if (c < '!' || c > '~') return false;
  return true;
}

}  // namespace sy::redis
