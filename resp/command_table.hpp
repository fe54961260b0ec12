// The Redis commands the proxy must know about (Redis 7.0): arity, what kind
// of command each is (read-only, write, blocking, transaction, connection
// state, pub/sub, unsupported through a proxy...) and where its keys are.
// The Redis front classifies every command it frames with one lookup here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace sy::resp {

enum CommandFlag : uint32_t {
  kReadOnly = 1u << 0,         // Redis "readonly": reads data only, may go to a replica
  kWrite = 1u << 1,            // Redis "write": must go to the master
  kAdmin = 1u << 2,            // Redis "admin"
  kPubSub = 1u << 3,           // Redis "pubsub": (UN)SUBSCRIBE & co. switch to subscriber mode; PUBLISH does not
  kBlocking = 1u << 4,         // may hold its connection: BLPOP & co., WAIT; XREAD(GROUP) only with BLOCK
  kTransaction = 1u << 5,      // MULTI, EXEC, DISCARD, WATCH, UNWATCH
  kConnectionState = 1u << 6,  // changes what the connection is: SELECT, AUTH, HELLO, CLIENT SETNAME/TRACKING...
  kUnsupported = 1u << 7,      // cannot work over a multiplexed connection: MONITOR, SYNC, PSYNC, CLUSTER...
  kNoAuth = 1u << 8,           // Redis "no_auth": allowed before authentication (AUTH, HELLO, QUIT, RESET)
  kMovableKeys = 1u << 9,      // Redis "movablekeys": first/last/step miss some keys; see KeySearch
  kContainer = 1u << 10,       // has subcommands (CLIENT, CONFIG, XINFO...), listed as "container|sub"
};

// How the keys of a command are found beyond first/last/step.
enum class KeySearch : uint8_t {
  range,         // first/last/step say it all
  numkeys,       // a count at argv[numkeys_index], then that many keys (EVAL, ZUNION, LMPOP, BLMPOP...)
  streams,       // XREAD, XREADGROUP: after STREAMS, the first half of what follows
  sort_store,    // SORT: the key, and the destination after STORE (BY/GET/LIMIT arguments skipped)
  store_option,  // GEORADIUS(BYMEMBER): the key, and the destination after STORE or STOREDIST, options
                 // starting at argv[numkeys_index]
  migrate,       // MIGRATE: argv[3], or when that is empty the arguments after KEYS
};

struct CommandInfo {
  std::string_view name;  // lower case; subcommands as "client|setname"
  int16_t arity;          // as Redis: N = exactly N arguments (name included), -N = at least N
  uint32_t flags;
  // Keys by position, as COMMAND INFO reports them: argv[first_key] to
  // argv[last_key] (negative: counted from the end, -1 the last) every
  // key_step; first_key 0 means none.
  int8_t first_key;
  int8_t last_key;
  int8_t key_step;
  KeySearch key_search = KeySearch::range;
  int8_t numkeys_index = 0;  // numkeys: where the count is; store_option: where options start

  bool has(CommandFlag flag) const { return (flags & flag) != 0; }
  bool arity_ok(size_t argc) const {
    return arity >= 0 ? argc == size_t(arity) : argc >= size_t(-arity);
  }
};

// Every command and subcommand, sorted by name.
std::span<const CommandInfo> command_table();

// Case-insensitive, without allocation. nullptr for an unknown name.
const CommandInfo* find_command(std::string_view name);
const CommandInfo* find_command(std::string_view container, std::string_view subcommand);
// For argv as sent: a container's subcommand when argv[1] names one, else
// the entry for argv[0] itself (a container with a missing or unknown
// subcommand comes back as the container: Redis answers those with an error).
const CommandInfo* find_command(std::span<const std::string_view> argv);

// The argv indexes of the keys of this call, in order, into `key_indexes`
// (cleared first). Returns false when argv does not have the shape the
// command needs to locate its keys (a bad numkeys, no STREAMS, an odd count
// after it): Redis will refuse that call too.
bool find_keys(const CommandInfo& command, std::span<const std::string_view> argv, std::vector<size_t>& key_indexes);

// A command's word argument (an option like BLOCK or AUTH) as Redis matches
// it: case-insensitively, against the lower-case spelling.
bool equals_ignoring_case(std::string_view text, std::string_view lower_case);

// Whether this call may block its connection: a kBlocking command, except
// XREAD/XREADGROUP without a BLOCK option.
bool blocks(const CommandInfo& command, std::span<const std::string_view> argv);

}  // namespace sy::resp
