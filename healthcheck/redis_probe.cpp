// One Redis check over a fresh connection; see redis_probe.hpp. A connection
// per check keeps no state between checks and notices a dead server at once
// (a refused connect), at the cost of one connect per interval.
#include "healthcheck/redis_probe.hpp"

#include <hiredis/hiredis.h>

#include "healthcheck/redis_client.hpp"
#include "healthcheck/redis_role.hpp"

namespace sy::health {
namespace {

class RedisProbe final : public Probe {
 public:
  RedisProbe(uv_loop_t* loop, const conf::Address& address, const conf::HealthCheck& settings, Done done)
      : loop_(loop), done_(std::move(done)) {
    started_ = uv_now(loop);
    client_ = RedisClient::connect(loop, address, settings.timeout,
                                   [this](const std::string& reason) { finish({false, reason}); });
    if (!settings.password.empty()) {
      auto on_auth = [this](const redisReply& reply) {
        if (is_error(reply)) finish({false, "AUTH failed: " + std::string(reply_text(reply))});
      };
      if (settings.user.empty()) client_->command({"AUTH", settings.password}, on_auth);
      else client_->command({"AUTH", settings.user, settings.password}, on_auth);
    }
    client_->command({"PING"}, [this](const redisReply& reply) {
      // NOAUTH, LOADING, MASTERDOWN... say what is wrong in Redis' own words.
      if (is_error(reply)) return finish({false, "PING: " + std::string(reply_text(reply))});
      if (reply_text(reply) != "PONG") finish({false, "PING: unexpected answer \"" + std::string(reply_text(reply)) + "\""});
    });
    client_->command({"ROLE"}, [this](const redisReply& reply) {
      RedisRole role = parse_role_reply(reply);
      if (!role.valid) return finish({false, role.problem});
      if (role.kind == RedisRole::Kind::sentinel) return finish({false, role.summary()});
      finish({true, role.summary() + ", answered in " + std::to_string(uv_now(loop_) - started_) + "ms",
              role.role_report()});
    });
  }

  void cancel() override {
    done_ = nullptr;
    finish({});
  }

 private:
  ~RedisProbe() override = default;

  // The first outcome counts; the connection ends with it.
  void finish(ProbeResult result) {
    if (client_) client_->close();
    client_ = nullptr;
    Done done = std::move(done_);
    delete this;
    if (done) done(std::move(result));
  }

  uv_loop_t* loop_;
  Done done_;
  RedisClient* client_ = nullptr;
  uint64_t started_ = 0;
};

}  // namespace

Probe* start_redis_probe(uv_loop_t* loop, const conf::Address& address, const conf::HealthCheck& settings,
                         Probe::Done done) {
  return new RedisProbe(loop, address, settings, std::move(done));
}

}  // namespace sy::health
