// The Redis 7.0 command table and its lookups; see command_table.hpp.
// Arity, the Redis flags and key positions are those of COMMAND INFO on
// redis-server 7.0 (tests/unit/resp/check_command_table.py compares them with
// a live server); kTransaction, kConnectionState and kUnsupported are the
// proxy's own classification.
#include "resp/command_table.hpp"

#include <algorithm>

#include "resp/line_scan.hpp"

namespace sy::resp {
namespace {

constexpr CommandInfo kCommands[] = {
    {"acl", -2, kContainer, 0, 0, 0},
    {"acl|cat", -2, 0, 0, 0, 0},
    {"acl|deluser", -3, kAdmin, 0, 0, 0},
    {"acl|dryrun", -4, kAdmin, 0, 0, 0},
    {"acl|genpass", -2, 0, 0, 0, 0},
    {"acl|getuser", 3, kAdmin, 0, 0, 0},
    {"acl|help", 2, 0, 0, 0, 0},
    {"acl|list", 2, kAdmin, 0, 0, 0},
    {"acl|load", 2, kAdmin, 0, 0, 0},
    {"acl|log", -2, kAdmin, 0, 0, 0},
    {"acl|save", 2, kAdmin, 0, 0, 0},
    {"acl|setuser", -3, kAdmin, 0, 0, 0},
    {"acl|users", 2, kAdmin, 0, 0, 0},
    {"acl|whoami", 2, 0, 0, 0, 0},
    {"append", 3, kWrite, 1, 1, 1},
    {"asking", 1, kUnsupported, 0, 0, 0},
    {"auth", -2, kConnectionState | kNoAuth, 0, 0, 0},
    {"bgrewriteaof", 1, kAdmin, 0, 0, 0},
    {"bgsave", -1, kAdmin, 0, 0, 0},
    {"bitcount", -2, kReadOnly, 1, 1, 1},
    {"bitfield", -2, kWrite, 1, 1, 1},
    {"bitfield_ro", -2, kReadOnly, 1, 1, 1},
    {"bitop", -4, kWrite, 2, -1, 1},
    {"bitpos", -3, kReadOnly, 1, 1, 1},
    {"blmove", 6, kWrite | kBlocking, 1, 2, 1},
    {"blmpop", -5, kWrite | kBlocking | kMovableKeys, 0, 0, 0, KeySearch::numkeys, 2},
    {"blpop", -3, kWrite | kBlocking, 1, -2, 1},
    {"brpop", -3, kWrite | kBlocking, 1, -2, 1},
    {"brpoplpush", 4, kWrite | kBlocking, 1, 2, 1},
    {"bzmpop", -5, kWrite | kBlocking | kMovableKeys, 0, 0, 0, KeySearch::numkeys, 2},
    {"bzpopmax", -3, kWrite | kBlocking, 1, -2, 1},
    {"bzpopmin", -3, kWrite | kBlocking, 1, -2, 1},
    {"client", -2, kContainer, 0, 0, 0},
    {"client|caching", 3, kConnectionState, 0, 0, 0},
    {"client|getname", 2, 0, 0, 0, 0},
    {"client|getredir", 2, 0, 0, 0, 0},
    {"client|help", 2, 0, 0, 0, 0},
    {"client|id", 2, 0, 0, 0, 0},
    {"client|info", 2, 0, 0, 0, 0},
    {"client|kill", -3, kAdmin, 0, 0, 0},
    {"client|list", -2, kAdmin, 0, 0, 0},
    {"client|no-evict", 3, kAdmin | kConnectionState, 0, 0, 0},
    {"client|pause", -3, kAdmin, 0, 0, 0},
    {"client|reply", 3, kUnsupported, 0, 0, 0},
    {"client|setname", 3, kConnectionState, 0, 0, 0},
    {"client|tracking", -3, kConnectionState, 0, 0, 0},
    {"client|trackinginfo", 2, 0, 0, 0, 0},
    {"client|unblock", -3, kAdmin, 0, 0, 0},
    {"client|unpause", 2, kAdmin, 0, 0, 0},
    {"cluster", -2, kUnsupported | kContainer, 0, 0, 0},
    {"cluster|addslots", -3, kAdmin | kUnsupported, 0, 0, 0},
    {"cluster|addslotsrange", -4, kAdmin | kUnsupported, 0, 0, 0},
    {"cluster|bumpepoch", 2, kAdmin | kUnsupported, 0, 0, 0},
    {"cluster|count-failure-reports", 3, kAdmin | kUnsupported, 0, 0, 0},
    {"cluster|countkeysinslot", 3, kUnsupported, 0, 0, 0},
    {"cluster|delslots", -3, kAdmin | kUnsupported, 0, 0, 0},
    {"cluster|delslotsrange", -4, kAdmin | kUnsupported, 0, 0, 0},
    {"cluster|failover", -2, kAdmin | kUnsupported, 0, 0, 0},
    {"cluster|flushslots", 2, kAdmin | kUnsupported, 0, 0, 0},
    {"cluster|forget", 3, kAdmin | kUnsupported, 0, 0, 0},
    {"cluster|getkeysinslot", 4, kUnsupported, 0, 0, 0},
    {"cluster|help", 2, kUnsupported, 0, 0, 0},
    {"cluster|info", 2, kUnsupported, 0, 0, 0},
    {"cluster|keyslot", 3, kUnsupported, 0, 0, 0},
    {"cluster|links", 2, kUnsupported, 0, 0, 0},
    {"cluster|meet", -4, kAdmin | kUnsupported, 0, 0, 0},
    {"cluster|myid", 2, kUnsupported, 0, 0, 0},
    {"cluster|nodes", 2, kUnsupported, 0, 0, 0},
    {"cluster|replicas", 3, kAdmin | kUnsupported, 0, 0, 0},
    {"cluster|replicate", 3, kAdmin | kUnsupported, 0, 0, 0},
    {"cluster|reset", -2, kAdmin | kUnsupported, 0, 0, 0},
    {"cluster|saveconfig", 2, kAdmin | kUnsupported, 0, 0, 0},
    {"cluster|set-config-epoch", 3, kAdmin | kUnsupported, 0, 0, 0},
    {"cluster|setslot", -4, kAdmin | kUnsupported, 0, 0, 0},
    {"cluster|shards", 2, kUnsupported, 0, 0, 0},
    {"cluster|slaves", 3, kAdmin | kUnsupported, 0, 0, 0},
    {"cluster|slots", 2, kUnsupported, 0, 0, 0},
    {"command", -1, kContainer, 0, 0, 0},
    {"command|count", 2, 0, 0, 0, 0},
    {"command|docs", -2, 0, 0, 0, 0},
    {"command|getkeys", -4, 0, 0, 0, 0},
    {"command|getkeysandflags", -4, 0, 0, 0, 0},
    {"command|help", 2, 0, 0, 0, 0},
    {"command|info", -2, 0, 0, 0, 0},
    {"command|list", -2, 0, 0, 0, 0},
    {"config", -2, kContainer, 0, 0, 0},
    {"config|get", -3, kAdmin, 0, 0, 0},
    {"config|help", 2, 0, 0, 0, 0},
    {"config|resetstat", 2, kAdmin, 0, 0, 0},
    {"config|rewrite", 2, kAdmin, 0, 0, 0},
    {"config|set", -4, kAdmin, 0, 0, 0},
    {"copy", -3, kWrite, 1, 2, 1},
    {"dbsize", 1, kReadOnly, 0, 0, 0},
    {"debug", -2, kAdmin, 0, 0, 0},
    {"decr", 2, kWrite, 1, 1, 1},
    {"decrby", 3, kWrite, 1, 1, 1},
    {"del", -2, kWrite, 1, -1, 1},
    {"discard", 1, kTransaction, 0, 0, 0},
    {"dump", 2, kReadOnly, 1, 1, 1},
    {"echo", 2, 0, 0, 0, 0},
    {"eval", -3, kMovableKeys, 0, 0, 0, KeySearch::numkeys, 2},
    {"eval_ro", -3, kReadOnly | kMovableKeys, 0, 0, 0, KeySearch::numkeys, 2},
    {"evalsha", -3, kMovableKeys, 0, 0, 0, KeySearch::numkeys, 2},
    {"evalsha_ro", -3, kReadOnly | kMovableKeys, 0, 0, 0, KeySearch::numkeys, 2},
    {"exec", 1, kTransaction, 0, 0, 0},
    {"exists", -2, kReadOnly, 1, -1, 1},
    {"expire", -3, kWrite, 1, 1, 1},
    {"expireat", -3, kWrite, 1, 1, 1},
    {"expiretime", 2, kReadOnly, 1, 1, 1},
    {"failover", -1, kAdmin, 0, 0, 0},
    {"fcall", -3, kMovableKeys, 0, 0, 0, KeySearch::numkeys, 2},
    {"fcall_ro", -3, kReadOnly | kMovableKeys, 0, 0, 0, KeySearch::numkeys, 2},
    {"flushall", -1, kWrite, 0, 0, 0},
    {"flushdb", -1, kWrite, 0, 0, 0},
    {"function", -2, kContainer, 0, 0, 0},
    {"function|delete", 3, kWrite, 0, 0, 0},
    {"function|dump", 2, 0, 0, 0, 0},
    {"function|flush", -2, kWrite, 0, 0, 0},
    {"function|help", 2, 0, 0, 0, 0},
    {"function|kill", 2, 0, 0, 0, 0},
    {"function|list", -2, 0, 0, 0, 0},
    {"function|load", -3, kWrite, 0, 0, 0},
    {"function|restore", -3, kWrite, 0, 0, 0},
    {"function|stats", 2, 0, 0, 0, 0},
    {"geoadd", -5, kWrite, 1, 1, 1},
    {"geodist", -4, kReadOnly, 1, 1, 1},
    {"geohash", -2, kReadOnly, 1, 1, 1},
    {"geopos", -2, kReadOnly, 1, 1, 1},
    {"georadius", -6, kWrite | kMovableKeys, 1, 1, 1, KeySearch::store_option, 6},
    {"georadius_ro", -6, kReadOnly, 1, 1, 1},
    {"georadiusbymember", -5, kWrite | kMovableKeys, 1, 1, 1, KeySearch::store_option, 5},
    {"georadiusbymember_ro", -5, kReadOnly, 1, 1, 1},
    {"geosearch", -7, kReadOnly, 1, 1, 1},
    {"geosearchstore", -8, kWrite, 1, 2, 1},
    {"get", 2, kReadOnly, 1, 1, 1},
    {"getbit", 3, kReadOnly, 1, 1, 1},
    {"getdel", 2, kWrite, 1, 1, 1},
    {"getex", -2, kWrite, 1, 1, 1},
    {"getrange", 4, kReadOnly, 1, 1, 1},
    {"getset", 3, kWrite, 1, 1, 1},
    {"hdel", -3, kWrite, 1, 1, 1},
    {"hello", -1, kConnectionState | kNoAuth, 0, 0, 0},
    {"hexists", 3, kReadOnly, 1, 1, 1},
    {"hget", 3, kReadOnly, 1, 1, 1},
    {"hgetall", 2, kReadOnly, 1, 1, 1},
    {"hincrby", 4, kWrite, 1, 1, 1},
    {"hincrbyfloat", 4, kWrite, 1, 1, 1},
    {"hkeys", 2, kReadOnly, 1, 1, 1},
    {"hlen", 2, kReadOnly, 1, 1, 1},
    {"hmget", -3, kReadOnly, 1, 1, 1},
    {"hmset", -4, kWrite, 1, 1, 1},
    {"hrandfield", -2, kReadOnly, 1, 1, 1},
    {"hscan", -3, kReadOnly, 1, 1, 1},
    {"hset", -4, kWrite, 1, 1, 1},
    {"hsetnx", 4, kWrite, 1, 1, 1},
    {"hstrlen", 3, kReadOnly, 1, 1, 1},
    {"hvals", 2, kReadOnly, 1, 1, 1},
    {"incr", 2, kWrite, 1, 1, 1},
    {"incrby", 3, kWrite, 1, 1, 1},
    {"incrbyfloat", 3, kWrite, 1, 1, 1},
    {"info", -1, 0, 0, 0, 0},
    {"keys", 2, kReadOnly, 0, 0, 0},
    {"lastsave", 1, 0, 0, 0, 0},
    {"latency", -2, kContainer, 0, 0, 0},
    {"latency|doctor", 2, kAdmin, 0, 0, 0},
    {"latency|graph", 3, kAdmin, 0, 0, 0},
    {"latency|help", 2, 0, 0, 0, 0},
    {"latency|histogram", -2, kAdmin, 0, 0, 0},
    {"latency|history", 3, kAdmin, 0, 0, 0},
    {"latency|latest", 2, kAdmin, 0, 0, 0},
    {"latency|reset", -2, kAdmin, 0, 0, 0},
    {"lcs", -3, kReadOnly, 1, 2, 1},
    {"lindex", 3, kReadOnly, 1, 1, 1},
    {"linsert", 5, kWrite, 1, 1, 1},
    {"llen", 2, kReadOnly, 1, 1, 1},
    {"lmove", 5, kWrite, 1, 2, 1},
    {"lmpop", -4, kWrite | kMovableKeys, 0, 0, 0, KeySearch::numkeys, 1},
    {"lolwut", -1, kReadOnly, 0, 0, 0},
    {"lpop", -2, kWrite, 1, 1, 1},
    {"lpos", -3, kReadOnly, 1, 1, 1},
    {"lpush", -3, kWrite, 1, 1, 1},
    {"lpushx", -3, kWrite, 1, 1, 1},
    {"lrange", 4, kReadOnly, 1, 1, 1},
    {"lrem", 4, kWrite, 1, 1, 1},
    {"lset", 4, kWrite, 1, 1, 1},
    {"ltrim", 4, kWrite, 1, 1, 1},
    {"memory", -2, kContainer, 0, 0, 0},
    {"memory|doctor", 2, 0, 0, 0, 0},
    {"memory|help", 2, 0, 0, 0, 0},
    {"memory|malloc-stats", 2, 0, 0, 0, 0},
    {"memory|purge", 2, 0, 0, 0, 0},
    {"memory|stats", 2, 0, 0, 0, 0},
    {"memory|usage", -3, kReadOnly, 2, 2, 1},
    {"mget", -2, kReadOnly, 1, -1, 1},
    {"migrate", -6, kWrite | kMovableKeys, 3, 3, 1, KeySearch::migrate, 0},
    {"module", -2, kContainer, 0, 0, 0},
    {"module|help", 2, 0, 0, 0, 0},
    {"module|list", 2, kAdmin, 0, 0, 0},
    {"module|load", -3, kAdmin, 0, 0, 0},
    {"module|loadex", -3, kAdmin, 0, 0, 0},
    {"module|unload", 3, kAdmin, 0, 0, 0},
    {"monitor", 1, kAdmin | kUnsupported, 0, 0, 0},
    {"move", 3, kWrite, 1, 1, 1},
    {"mset", -3, kWrite, 1, -1, 2},
    {"msetnx", -3, kWrite, 1, -1, 2},
    {"multi", 1, kTransaction, 0, 0, 0},
    {"object", -2, kContainer, 0, 0, 0},
    {"object|encoding", 3, kReadOnly, 2, 2, 1},
    {"object|freq", 3, kReadOnly, 2, 2, 1},
    {"object|help", 2, 0, 0, 0, 0},
    {"object|idletime", 3, kReadOnly, 2, 2, 1},
    {"object|refcount", 3, kReadOnly, 2, 2, 1},
    {"persist", 2, kWrite, 1, 1, 1},
    {"pexpire", -3, kWrite, 1, 1, 1},
    {"pexpireat", -3, kWrite, 1, 1, 1},
    {"pexpiretime", 2, kReadOnly, 1, 1, 1},
    {"pfadd", -2, kWrite, 1, 1, 1},
    {"pfcount", -2, kReadOnly, 1, -1, 1},
    {"pfdebug", 3, kWrite | kAdmin, 2, 2, 1},
    {"pfmerge", -2, kWrite, 1, -1, 1},
    {"pfselftest", 1, kAdmin, 0, 0, 0},
    {"ping", -1, 0, 0, 0, 0},
    {"psetex", 4, kWrite, 1, 1, 1},
    {"psubscribe", -2, kPubSub, 0, 0, 0},
    {"psync", -3, kAdmin | kUnsupported, 0, 0, 0},
    {"pttl", 2, kReadOnly, 1, 1, 1},
    {"publish", 3, kPubSub, 0, 0, 0},
    {"pubsub", -2, kContainer, 0, 0, 0},
    {"pubsub|channels", -2, kPubSub, 0, 0, 0},
    {"pubsub|help", 2, 0, 0, 0, 0},
    {"pubsub|numpat", 2, kPubSub, 0, 0, 0},
    {"pubsub|numsub", -2, kPubSub, 0, 0, 0},
    {"pubsub|shardchannels", -2, kPubSub, 0, 0, 0},
    {"pubsub|shardnumsub", -2, kPubSub, 0, 0, 0},
    {"punsubscribe", -1, kPubSub, 0, 0, 0},
    {"quit", -1, kConnectionState | kNoAuth, 0, 0, 0},
    {"randomkey", 1, kReadOnly, 0, 0, 0},
    {"readonly", 1, kUnsupported, 0, 0, 0},
    {"readwrite", 1, kUnsupported, 0, 0, 0},
    {"rename", 3, kWrite, 1, 2, 1},
    {"renamenx", 3, kWrite, 1, 2, 1},
    {"replconf", -1, kAdmin | kUnsupported, 0, 0, 0},
    {"replicaof", 3, kAdmin, 0, 0, 0},
    {"reset", 1, kConnectionState | kNoAuth, 0, 0, 0},
    {"restore", -4, kWrite, 1, 1, 1},
    {"restore-asking", -4, kWrite | kUnsupported, 1, 1, 1},
    {"role", 1, 0, 0, 0, 0},
    {"rpop", -2, kWrite, 1, 1, 1},
    {"rpoplpush", 3, kWrite, 1, 2, 1},
    {"rpush", -3, kWrite, 1, 1, 1},
    {"rpushx", -3, kWrite, 1, 1, 1},
    {"sadd", -3, kWrite, 1, 1, 1},
    {"save", 1, kAdmin, 0, 0, 0},
    {"scan", -2, kReadOnly, 0, 0, 0},
    {"scard", 2, kReadOnly, 1, 1, 1},
    {"script", -2, kContainer, 0, 0, 0},
    {"script|debug", 3, 0, 0, 0, 0},
    {"script|exists", -3, 0, 0, 0, 0},
    {"script|flush", -2, 0, 0, 0, 0},
    {"script|help", 2, 0, 0, 0, 0},
    {"script|kill", 2, 0, 0, 0, 0},
    {"script|load", 3, 0, 0, 0, 0},
    {"sdiff", -2, kReadOnly, 1, -1, 1},
    {"sdiffstore", -3, kWrite, 1, -1, 1},
    {"select", 2, kConnectionState, 0, 0, 0},
    {"set", -3, kWrite, 1, 1, 1},
    {"setbit", 4, kWrite, 1, 1, 1},
    {"setex", 4, kWrite, 1, 1, 1},
    {"setnx", 3, kWrite, 1, 1, 1},
    {"setrange", 4, kWrite, 1, 1, 1},
    {"shutdown", -1, kAdmin, 0, 0, 0},
    {"sinter", -2, kReadOnly, 1, -1, 1},
    {"sintercard", -3, kReadOnly | kMovableKeys, 0, 0, 0, KeySearch::numkeys, 1},
    {"sinterstore", -3, kWrite, 1, -1, 1},
    {"sismember", 3, kReadOnly, 1, 1, 1},
    {"slaveof", 3, kAdmin, 0, 0, 0},
    {"slowlog", -2, kContainer, 0, 0, 0},
    {"slowlog|get", -2, kAdmin, 0, 0, 0},
    {"slowlog|help", 2, 0, 0, 0, 0},
    {"slowlog|len", 2, kAdmin, 0, 0, 0},
    {"slowlog|reset", 2, kAdmin, 0, 0, 0},
    {"smembers", 2, kReadOnly, 1, 1, 1},
    {"smismember", -3, kReadOnly, 1, 1, 1},
    {"smove", 4, kWrite, 1, 2, 1},
    {"sort", -2, kWrite | kMovableKeys, 1, 1, 1, KeySearch::sort_store, 0},
    {"sort_ro", -2, kReadOnly | kMovableKeys, 1, 1, 1},
    {"spop", -2, kWrite, 1, 1, 1},
    {"spublish", 3, kPubSub, 1, 1, 1},
    {"srandmember", -2, kReadOnly, 1, 1, 1},
    {"srem", -3, kWrite, 1, 1, 1},
    {"sscan", -3, kReadOnly, 1, 1, 1},
    {"ssubscribe", -2, kPubSub, 1, -1, 1},
    {"strlen", 2, kReadOnly, 1, 1, 1},
    {"subscribe", -2, kPubSub, 0, 0, 0},
    {"substr", 4, kReadOnly, 1, 1, 1},
    {"sunion", -2, kReadOnly, 1, -1, 1},
    {"sunionstore", -3, kWrite, 1, -1, 1},
    {"sunsubscribe", -1, kPubSub, 1, -1, 1},
    {"swapdb", 3, kWrite, 0, 0, 0},
    {"sync", 1, kAdmin | kUnsupported, 0, 0, 0},
    {"time", 1, 0, 0, 0, 0},
    {"touch", -2, kReadOnly, 1, -1, 1},
    {"ttl", 2, kReadOnly, 1, 1, 1},
    {"type", 2, kReadOnly, 1, 1, 1},
    {"unlink", -2, kWrite, 1, -1, 1},
    {"unsubscribe", -1, kPubSub, 0, 0, 0},
    {"unwatch", 1, kTransaction, 0, 0, 0},
    {"wait", 3, kBlocking, 0, 0, 0},
    {"watch", -2, kTransaction, 1, -1, 1},
    {"xack", -4, kWrite, 1, 1, 1},
    {"xadd", -5, kWrite, 1, 1, 1},
    {"xautoclaim", -6, kWrite, 1, 1, 1},
    {"xclaim", -6, kWrite, 1, 1, 1},
    {"xdel", -3, kWrite, 1, 1, 1},
    {"xgroup", -2, kContainer, 0, 0, 0},
    {"xgroup|create", -5, kWrite, 2, 2, 1},
    {"xgroup|createconsumer", 5, kWrite, 2, 2, 1},
    {"xgroup|delconsumer", 5, kWrite, 2, 2, 1},
    {"xgroup|destroy", 4, kWrite, 2, 2, 1},
    {"xgroup|help", 2, 0, 0, 0, 0},
    {"xgroup|setid", -5, kWrite, 2, 2, 1},
    {"xinfo", -2, kContainer, 0, 0, 0},
    {"xinfo|consumers", 4, kReadOnly, 2, 2, 1},
    {"xinfo|groups", 3, kReadOnly, 2, 2, 1},
    {"xinfo|help", 2, 0, 0, 0, 0},
    {"xinfo|stream", -3, kReadOnly, 2, 2, 1},
    {"xlen", 2, kReadOnly, 1, 1, 1},
    {"xpending", -3, kReadOnly, 1, 1, 1},
    {"xrange", -4, kReadOnly, 1, 1, 1},
    {"xread", -4, kReadOnly | kBlocking | kMovableKeys, 0, 0, 0, KeySearch::streams, 0},
    {"xreadgroup", -7, kWrite | kBlocking | kMovableKeys, 0, 0, 0, KeySearch::streams, 0},
    {"xrevrange", -4, kReadOnly, 1, 1, 1},
    {"xsetid", -3, kWrite, 1, 1, 1},
    {"xtrim", -4, kWrite, 1, 1, 1},
    {"zadd", -4, kWrite, 1, 1, 1},
    {"zcard", 2, kReadOnly, 1, 1, 1},
    {"zcount", 4, kReadOnly, 1, 1, 1},
    {"zdiff", -3, kReadOnly | kMovableKeys, 0, 0, 0, KeySearch::numkeys, 1},
    {"zdiffstore", -4, kWrite | kMovableKeys, 1, 1, 1, KeySearch::numkeys, 2},
    {"zincrby", 4, kWrite, 1, 1, 1},
    {"zinter", -3, kReadOnly | kMovableKeys, 0, 0, 0, KeySearch::numkeys, 1},
    {"zintercard", -3, kReadOnly | kMovableKeys, 0, 0, 0, KeySearch::numkeys, 1},
    {"zinterstore", -4, kWrite | kMovableKeys, 1, 1, 1, KeySearch::numkeys, 2},
    {"zlexcount", 4, kReadOnly, 1, 1, 1},
    {"zmpop", -4, kWrite | kMovableKeys, 0, 0, 0, KeySearch::numkeys, 1},
    {"zmscore", -3, kReadOnly, 1, 1, 1},
    {"zpopmax", -2, kWrite, 1, 1, 1},
    {"zpopmin", -2, kWrite, 1, 1, 1},
    {"zrandmember", -2, kReadOnly, 1, 1, 1},
    {"zrange", -4, kReadOnly, 1, 1, 1},
    {"zrangebylex", -4, kReadOnly, 1, 1, 1},
    {"zrangebyscore", -4, kReadOnly, 1, 1, 1},
    {"zrangestore", -5, kWrite, 1, 2, 1},
    {"zrank", 3, kReadOnly, 1, 1, 1},
    {"zrem", -3, kWrite, 1, 1, 1},
    {"zremrangebylex", 4, kWrite, 1, 1, 1},
    {"zremrangebyrank", 4, kWrite, 1, 1, 1},
    {"zremrangebyscore", 4, kWrite, 1, 1, 1},
    {"zrevrange", -4, kReadOnly, 1, 1, 1},
    {"zrevrangebylex", -4, kReadOnly, 1, 1, 1},
    {"zrevrangebyscore", -4, kReadOnly, 1, 1, 1},
    {"zrevrank", 3, kReadOnly, 1, 1, 1},
    {"zscan", -3, kReadOnly, 1, 1, 1},
    {"zscore", 3, kReadOnly, 1, 1, 1},
    {"zunion", -3, kReadOnly | kMovableKeys, 0, 0, 0, KeySearch::numkeys, 1},
    {"zunionstore", -4, kWrite | kMovableKeys, 1, 1, 1, KeySearch::numkeys, 2},
};

constexpr bool sorted_by_name() {
  for (size_t i = 1; i < std::size(kCommands); ++i) {
    if (!(kCommands[i - 1].name < kCommands[i].name)) return false;
  }
  return true;
}
static_assert(sorted_by_name(), "kCommands must stay sorted by name (binary search), without duplicates");

char lower(char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; }

// Compares a table name with the lookup key `container` + '|' + `subcommand`
// (just `container` when subcommand is empty), the key lowered as it goes.
int compare_with_key(std::string_view name, std::string_view container, std::string_view subcommand) {
  size_t key_size = container.size() + (subcommand.empty() ? 0 : 1 + subcommand.size());
  auto key_at = [&](size_t i) -> char {
    if (i < container.size()) return lower(container[i]);
    if (i == container.size()) return '|';
    return lower(subcommand[i - container.size() - 1]);
  };
  size_t common = std::min(name.size(), key_size);
  for (size_t i = 0; i < common; ++i) {
    unsigned char a = uint8_t(name[i]);
    unsigned char b = uint8_t(key_at(i));
    if (a != b) return a < b ? -1 : 1;
  }
  if (name.size() == key_size) return 0;
  return name.size() < key_size ? -1 : 1;
}

const CommandInfo* lookup(std::string_view container, std::string_view subcommand) {
  if (container.empty() || container.find('|') != std::string_view::npos ||
      subcommand.find('|') != std::string_view::npos) {
    return nullptr;
  }
  size_t low = 0;
  size_t high = std::size(kCommands);
  while (low < high) {
    size_t middle = low + (high - low) / 2;
    int order = compare_with_key(kCommands[middle].name, container, subcommand);
    if (order == 0) return &kCommands[middle];
    if (order < 0) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  return nullptr;
}

void add_range(const CommandInfo& command, size_t argc, std::vector<size_t>& key_indexes) {
  if (command.first_key <= 0 || command.key_step <= 0) return;
  int64_t last = command.last_key < 0 ? int64_t(argc) + command.last_key : command.last_key;
  for (int64_t i = command.first_key; i <= last && i < int64_t(argc); i += command.key_step) {
    key_indexes.push_back(size_t(i));
  }
}

bool add_numkeys(const CommandInfo& command, std::span<const std::string_view> argv, std::vector<size_t>& keys) {
  size_t at = size_t(command.numkeys_index);
  int64_t count = 0;
  if (at >= argv.size() || !parse_integer(argv[at], count) || count < 0 ||
      uint64_t(count) > argv.size() - at - 1) {
    return false;
  }
  for (size_t i = 1; i <= size_t(count); ++i) keys.push_back(at + i);
  return true;
}

// XREAD [COUNT n] [BLOCK ms] STREAMS k... id...; XREADGROUP GROUP g c [COUNT n] [BLOCK ms] [NOACK] STREAMS ...
// Returns the index of STREAMS (argv.size() if absent) and whether BLOCK came before it.
size_t find_streams(std::span<const std::string_view> argv, bool& has_block) {
  has_block = false;
  size_t i = 1;
  while (i < argv.size()) {
    std::string_view word = argv[i];
    if (equals_ignoring_case(word, "streams")) return i;
    if (equals_ignoring_case(word, "group")) {
      i += 3;
    } else if (equals_ignoring_case(word, "count")) {
      i += 2;
    } else if (equals_ignoring_case(word, "block")) {
      has_block = true;
      i += 2;
    } else {
      i += 1;
    }
  }
  return argv.size();
}

bool add_streams(std::span<const std::string_view> argv, std::vector<size_t>& keys) {
  bool has_block = false;
  size_t streams = find_streams(argv, has_block);
  if (streams >= argv.size()) return false;
  size_t after = argv.size() - streams - 1;
  if (after == 0 || after % 2 != 0) return false;
  for (size_t i = 1; i <= after / 2; ++i) keys.push_back(streams + i);
  return true;
}

// SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA] [STORE destination]
void add_sort_store(std::span<const std::string_view> argv, std::vector<size_t>& keys) {
  size_t destination = 0;
  for (size_t i = 2; i < argv.size(); ++i) {
    std::string_view word = argv[i];
    if (equals_ignoring_case(word, "limit")) {
      i += 2;
    } else if (equals_ignoring_case(word, "by") || equals_ignoring_case(word, "get")) {
      i += 1;
    } else if (equals_ignoring_case(word, "store") && i + 1 < argv.size()) {
      destination = ++i;  // the last STORE wins, as in Redis
    }
  }
  if (destination != 0) keys.push_back(destination);
}

void add_store_option(const CommandInfo& command, std::span<const std::string_view> argv,
                      std::vector<size_t>& keys) {
  size_t destination = 0;
  for (size_t i = size_t(command.numkeys_index); i + 1 < argv.size(); ++i) {
    if (equals_ignoring_case(argv[i], "store") || equals_ignoring_case(argv[i], "storedist")) destination = ++i;
  }
  if (destination != 0) keys.push_back(destination);
}

// MIGRATE host port key|"" db timeout [COPY] [REPLACE] [AUTH pw | AUTH2 user pw] [KEYS key ...]
bool add_migrate(std::span<const std::string_view> argv, std::vector<size_t>& keys) {
  if (argv.size() < 6) return false;
  if (!argv[3].empty()) {
    keys.push_back(3);
    return true;
  }
  for (size_t i = 6; i < argv.size(); ++i) {
    if (equals_ignoring_case(argv[i], "auth")) {
      i += 1;
    } else if (equals_ignoring_case(argv[i], "auth2")) {
      i += 2;
    } else if (equals_ignoring_case(argv[i], "keys")) {
      for (size_t key = i + 1; key < argv.size(); ++key) keys.push_back(key);
      return i + 1 < argv.size();
    }
  }
  return false;
}

}  // namespace

std::span<const CommandInfo> command_table() { return kCommands; }

const CommandInfo* find_command(std::string_view name) { return lookup(name, {}); }

const CommandInfo* find_command(std::string_view container, std::string_view subcommand) {
  if (subcommand.empty()) return nullptr;
  return lookup(container, subcommand);
}

const CommandInfo* find_command(std::span<const std::string_view> argv) {
  if (argv.empty()) return nullptr;
  const CommandInfo* command = find_command(argv[0]);
  if (command == nullptr || !command->has(kContainer) || argv.size() < 2) return command;
  const CommandInfo* subcommand = find_command(argv[0], argv[1]);
  return subcommand != nullptr ? subcommand : command;
}

bool find_keys(const CommandInfo& command, std::span<const std::string_view> argv, std::vector<size_t>& key_indexes) {
  key_indexes.clear();
  add_range(command, argv.size(), key_indexes);
  switch (command.key_search) {
    case KeySearch::range: return true;
    case KeySearch::numkeys: return add_numkeys(command, argv, key_indexes);
    case KeySearch::streams: return add_streams(argv, key_indexes);
    case KeySearch::sort_store: add_sort_store(argv, key_indexes); return true;
    case KeySearch::store_option: add_store_option(command, argv, key_indexes); return true;
    case KeySearch::migrate: key_indexes.clear(); return add_migrate(argv, key_indexes);
  }
  return true;
}

bool blocks(const CommandInfo& command, std::span<const std::string_view> argv) {
  if (!command.has(kBlocking)) return false;
  if (command.key_search != KeySearch::streams) return true;
  bool has_block = false;
  find_streams(argv, has_block);
  return has_block;
}

bool equals_ignoring_case(std::string_view text, std::string_view lower_case) {
  if (text.size() != lower_case.size()) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (lower(text[i]) != lower_case[i]) return false;
  }
  return true;
}

}  // namespace sy::resp
