// Admin commands of the Redis front; see redis_commands.hpp.
#include "proxy/admin/redis_commands.hpp"

#include "proxy/admin/request.hpp"
#include "proxy/control/control.hpp"

namespace sy::admin {

std::optional<Reply> pause_redis_backend(Request& request) {
  std::string backend(request.args[0]);
  if (auto problem = request.control.set_redis_paused(backend, true); !problem.empty()) return error(problem);
  const conf::Backend* settings = request.control.runtime().config().find_backend(backend);
  request.control.wait_until_idle(
      control::Control::commands_in(backend), settings->redis.failover_timeout,
      [backend, respond = request.respond](size_t busy) {
        if (busy == 0) respond(Reply{true, "redis backend " + backend + " paused; no command in flight\n"});
        else respond(Reply{true, "redis backend " + backend + " paused; " + std::to_string(busy) +
                                     " command(s) still in flight after failover_timeout\n"});
      });
  return std::nullopt;
}

std::optional<Reply> resume_redis_backend(Request& request) {
  std::string backend(request.args[0]);
  if (auto problem = request.control.set_redis_paused(backend, false); !problem.empty()) return error(problem);
  return Reply{true, "redis backend " + backend + " resumed\n"};
}

}  // namespace sy::admin
