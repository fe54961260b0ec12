// The command table: lookups (case, subcommands, unknown names), the flags the
// Redis front routes by, and key positions for range and movable-key commands
// (the expected keys are what COMMAND GETKEYS answers on redis-server 7.0.15).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "resp/command_table.hpp"

using namespace sy::resp;

namespace {

using Argv = std::vector<std::string_view>;
using Indexes = std::vector<size_t>;

const CommandInfo& command(std::string_view name) {
  const CommandInfo* info = find_command(name);
  REQUIRE_MESSAGE(info != nullptr, name);
  return *info;
}

// The key indexes for argv, or {999} when find_keys refuses argv.
Indexes keys_of(const Argv& argv) {
  const CommandInfo* info = find_command(argv);
  REQUIRE(info != nullptr);
  Indexes indexes = {12345};  // find_keys must clear what was there
  if (!find_keys(*info, argv, indexes)) return {999};
  return indexes;
}

}  // namespace

TEST_CASE("command table: the common commands of Redis 7.0 are all there, sorted, lower case") {
  CHECK(command_table().size() >= 360);  // 240 commands and their subcommands
  size_t top_level = 0;
  for (const CommandInfo& info : command_table()) {
    if (info.name.find('|') == std::string_view::npos) ++top_level;
    for (char c : info.name) CHECK_FALSE((c >= 'A' && c <= 'Z'));
    CHECK(find_command(info.name) == (info.name.find('|') == std::string_view::npos ? &info : nullptr));
  }
  CHECK(top_level == 240);
}

TEST_CASE("command table: lookup ignores case and allocates nothing it returns") {
  CHECK(&command("get") == find_command("GET"));
  CHECK(&command("get") == find_command("gEt"));
  CHECK(find_command("GETX") == nullptr);
  CHECK(find_command("GE") == nullptr);
  CHECK(find_command("") == nullptr);
  CHECK(find_command("client|setname") == nullptr);  // subcommands only through their container
  CHECK(command("get").name == "get");
  CHECK(command("restore-asking").name == "restore-asking");
}

TEST_CASE("command table: subcommands resolve through argv, falling back to the container") {
  const CommandInfo* setname = find_command(Argv{"CLIENT", "SetName", "app"});
  REQUIRE(setname != nullptr);
  CHECK(setname->name == "client|setname");
  CHECK(setname->has(kConnectionState));
  CHECK(setname->arity == 3);
  CHECK(find_command("client", "SETNAME") == setname);
  const CommandInfo* unknown = find_command(Argv{"client", "nosuch"});
  REQUIRE(unknown != nullptr);
  CHECK(unknown->name == "client");
  CHECK(unknown->has(kContainer));
  CHECK(find_command(Argv{"client"})->name == "client");
  CHECK(find_command(Argv{"get", "key"})->name == "get");  // not a container: argv[1] is a key
  CHECK(find_command(Argv{}) == nullptr);
  CHECK(find_command("config", "") == nullptr);
  CHECK(find_command(Argv{"CONFIG", "get", "maxmemory"})->name == "config|get");
  CHECK(find_command(Argv{"xinfo", "STREAM", "s"})->first_key == 2);
}

TEST_CASE("command table: arity as Redis counts it") {
  CHECK(command("get").arity_ok(2));
  CHECK_FALSE(command("get").arity_ok(1));
  CHECK_FALSE(command("get").arity_ok(3));
  CHECK(command("set").arity == -3);
  CHECK(command("set").arity_ok(3));
  CHECK(command("set").arity_ok(7));
  CHECK_FALSE(command("set").arity_ok(2));
  CHECK(command("ping").arity == -1);
}

TEST_CASE("command table: flags the Redis front routes by") {
  CHECK(command("get").has(kReadOnly));
  CHECK_FALSE(command("get").has(kWrite));
  CHECK(command("set").has(kWrite));
  CHECK_FALSE(command("set").has(kReadOnly));
  for (std::string_view name : {"multi", "exec", "discard", "watch", "unwatch"}) {
    CAPTURE(name);
    CHECK(command(name).has(kTransaction));
  }
  for (std::string_view name : {"blpop", "brpop", "blmove", "brpoplpush", "blmpop", "bzpopmin", "bzpopmax", "bzmpop",
                                "xread", "xreadgroup", "wait"}) {
    CAPTURE(name);
    CHECK(command(name).has(kBlocking));
  }
  for (std::string_view name : {"subscribe", "psubscribe", "ssubscribe", "unsubscribe", "publish"}) {
    CAPTURE(name);
    CHECK(command(name).has(kPubSub));
  }
  for (std::string_view name : {"select", "auth", "hello", "reset", "quit"}) {
    CAPTURE(name);
    CHECK(command(name).has(kConnectionState));
  }
  CHECK(find_command("client", "tracking")->has(kConnectionState));
  for (std::string_view name : {"monitor", "sync", "psync", "cluster", "readonly", "asking"}) {
    CAPTURE(name);
    CHECK(command(name).has(kUnsupported));
  }
  CHECK(find_command("cluster", "slots")->has(kUnsupported));
  CHECK(find_command("client", "reply")->has(kUnsupported));  // OFF/SKIP would unpair replies from commands
  CHECK(command("shutdown").has(kAdmin));
  CHECK(command("auth").has(kNoAuth));
  CHECK_FALSE(command("get").has(kNoAuth));
  CHECK(command("ping").flags == 0);
}

TEST_CASE("command table: blocking calls, XREAD only with BLOCK") {
  CHECK(blocks(command("blpop"), Argv{"blpop", "q", "0"}));
  CHECK(blocks(command("wait"), Argv{"wait", "1", "100"}));
  CHECK_FALSE(blocks(command("lpop"), Argv{"lpop", "q"}));
  CHECK_FALSE(blocks(command("xread"), Argv{"XREAD", "COUNT", "2", "STREAMS", "s", "0"}));
  CHECK(blocks(command("xread"), Argv{"XREAD", "block", "0", "STREAMS", "s", "$"}));
  CHECK(blocks(command("xreadgroup"), Argv{"XREADGROUP", "GROUP", "g", "c", "BLOCK", "5", "STREAMS", "s", ">"}));
  // A group named "block" is not the option.
  CHECK_FALSE(blocks(command("xreadgroup"), Argv{"XREADGROUP", "GROUP", "block", "c", "STREAMS", "s", ">"}));
}

TEST_CASE("command table: key positions by first/last/step") {
  CHECK(keys_of({"GET", "k"}) == Indexes{1});
  CHECK(keys_of({"MGET", "a", "b", "c"}) == Indexes{1, 2, 3});
  CHECK(keys_of({"DEL", "a", "b"}) == Indexes{1, 2});
  CHECK(keys_of({"MSET", "a", "1", "b", "2", "c", "3"}) == Indexes{1, 3, 5});
  CHECK(keys_of({"BLPOP", "a", "b", "0"}) == Indexes{1, 2});  // the timeout is not a key
  CHECK(keys_of({"RENAME", "a", "b"}) == Indexes{1, 2});
  CHECK(keys_of({"BITOP", "AND", "dest", "a", "b"}) == Indexes{2, 3, 4});
  CHECK(keys_of({"PING"}) == Indexes{});
  CHECK(keys_of({"OBJECT", "ENCODING", "k"}) == Indexes{2});
  CHECK(command("mset").first_key == 1);
  CHECK(command("mset").last_key == -1);
  CHECK(command("mset").key_step == 2);
  CHECK_FALSE(command("mset").has(kMovableKeys));
}

TEST_CASE("command table: commands whose keys first/last/step cannot find are marked, and found") {
  for (const CommandInfo& info : command_table()) {
    CAPTURE(info.name);
    // Every movable-key command says how its keys are found (SORT_RO's only key is in the range).
    if (info.key_search != KeySearch::range) CHECK(info.has(kMovableKeys));
  }
  CHECK(command("eval").has(kMovableKeys));
  CHECK(command("eval").key_search == KeySearch::numkeys);
  CHECK(keys_of({"EVAL", "return 1", "2", "a", "b", "arg"}) == Indexes{3, 4});
  CHECK(keys_of({"EVALSHA", "abc", "0", "arg"}) == Indexes{});
  CHECK(keys_of({"FCALL", "f", "1", "k"}) == Indexes{3});
  CHECK(keys_of({"EVAL", "s", "3", "a", "b"}) == Indexes{999});  // numkeys beyond argv
  CHECK(keys_of({"EVAL", "s", "-1"}) == Indexes{999});
  CHECK(keys_of({"EVAL", "s", "x"}) == Indexes{999});
  CHECK(keys_of({"ZUNIONSTORE", "dest", "2", "a", "b", "WEIGHTS", "1", "2"}) == Indexes{1, 3, 4});
  CHECK(keys_of({"ZUNION", "2", "a", "b", "WITHSCORES"}) == Indexes{2, 3});
  CHECK(keys_of({"LMPOP", "2", "a", "b", "LEFT"}) == Indexes{2, 3});
  CHECK(keys_of({"BLMPOP", "0", "1", "a", "LEFT"}) == Indexes{3});
  CHECK(keys_of({"SINTERCARD", "2", "a", "b", "LIMIT", "1"}) == Indexes{2, 3});

  CHECK(command("xread").has(kMovableKeys));
  CHECK(keys_of({"XREAD", "COUNT", "10", "STREAMS", "s1", "s2", "0", "0"}) == Indexes{4, 5});
  CHECK(keys_of({"xread", "streams", "s", "$"}) == Indexes{2});
  CHECK(keys_of({"XREADGROUP", "GROUP", "g", "c", "NOACK", "STREAMS", "a", ">"}) == Indexes{6});
  CHECK(keys_of({"XREADGROUP", "GROUP", "streams", "c", "STREAMS", "a", ">"}) == Indexes{5});
  CHECK(keys_of({"XREAD", "STREAMS", "s1", "s2", "0"}) == Indexes{999});  // odd: keys and ids do not pair
  CHECK(keys_of({"XREAD", "COUNT", "1"}) == Indexes{999});

  CHECK(keys_of({"SORT", "list", "BY", "w_*", "GET", "#", "LIMIT", "0", "5", "STORE", "dest"}) == Indexes{1, 10});
  CHECK(keys_of({"SORT", "list", "GET", "store"}) == Indexes{1});  // a pattern named "store" is not STORE
  CHECK(keys_of({"SORT_RO", "list", "ALPHA"}) == Indexes{1});
  CHECK(keys_of({"GEORADIUS", "g", "0", "0", "10", "km", "STORE", "d"}) == Indexes{1, 7});
  CHECK(keys_of({"GEORADIUSBYMEMBER", "g", "m", "10", "km", "COUNT", "3", "STOREDIST", "d"}) == Indexes{1, 8});
  CHECK(keys_of({"GEORADIUS", "g", "0", "0", "10", "km", "WITHDIST"}) == Indexes{1});
  CHECK(keys_of({"MIGRATE", "h", "6379", "k", "0", "1000"}) == Indexes{3});
  CHECK(keys_of({"MIGRATE", "h", "6379", "", "0", "1000", "AUTH2", "u", "p", "KEYS", "a", "b"}) == Indexes{10, 11});
  CHECK(keys_of({"MIGRATE", "h", "6379", "", "0", "1000"}) == Indexes{999});
}
