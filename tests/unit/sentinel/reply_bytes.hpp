// Replies for the tests as a server writes them: RESP bytes parsed by
// hiredis' reader, the same way the follower's client gets them.
#pragma once

#include <doctest/doctest.h>
#include <hiredis/hiredis.h>

#include <memory>
#include <string>

namespace sy::sentinel::testing {

struct ReplyDeleter {
  void operator()(redisReply* reply) const { freeReplyObject(reply); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

inline ReplyPtr parse(const std::string& bytes) {
  redisReader* reader = redisReaderCreate();
  REQUIRE(redisReaderFeed(reader, bytes.data(), bytes.size()) == REDIS_OK);
  void* reply = nullptr;
  REQUIRE(redisReaderGetReply(reader, &reply) == REDIS_OK);
  redisReaderFree(reader);
  REQUIRE(reply != nullptr);
  return ReplyPtr(static_cast<redisReply*>(reply));
}

inline std::string bulk(const std::string& text) { return "$" + std::to_string(text.size()) + "\r\n" + text + "\r\n"; }

// One instance of SENTINEL replicas / sentinels: a flat field-value array.
inline std::string instance(const std::string& ip, const std::string& port, const std::string& flags) {
  return "*8\r\n" + bulk("name") + bulk(ip + ":" + port) + bulk("ip") + bulk(ip) + bulk("port") + bulk(port) +
         bulk("flags") + bulk(flags);
}

}  // namespace sy::sentinel::testing
