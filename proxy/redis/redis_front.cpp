// The Redis front; see redis_front.hpp.
#include "proxy/redis/redis_front.hpp"

#include <algorithm>

#include "proxy/redis/client_session.hpp"
#include "proxy/redis/server_connection.hpp"
#include "proxy/redis/server_pool.hpp"

namespace sy::redis {

RedisFront::RedisFront(core::Worker& worker, RedisCounters& counters) : worker_(worker), counters_(counters) {
  uv_idle_init(worker.loop(), &idle_);
  idle_.data = this;
  uv_check_init(worker.loop(), &check_);
  check_.data = this;
  uv_prepare_init(worker.loop(), &prepare_);
  prepare_.data = this;
}

RedisFront::~RedisFront() = default;

void RedisFront::start_session(const conf::Listener& listener, core::Socket* client,
                               std::shared_ptr<core::ListenerCounters> counters,
                               const core::ClientAddresses& addresses, core::Slice initial) {
  ClientSession::start(*this, client, listener, std::move(counters), addresses, std::move(initial));
}

void RedisFront::on_snapshot() {
  for (auto& [name, pool] : pools_) pool->on_snapshot();
}

void RedisFront::shutdown() {
  for (auto& [name, pool] : pools_) pool->shutdown();
  if (idle_open_) {
    idle_open_ = false;
    uv_close(reinterpret_cast<uv_handle_t*>(&idle_), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&check_), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&prepare_), nullptr);
  }
}

ServerPool& RedisFront::pool(const std::string& backend) {
  auto& slot = pools_[backend];
  if (!slot) slot = std::make_unique<ServerPool>(worker_, backend, counters_.add(backend));
  return *slot;
}

size_t RedisFront::commands_in_flight(const std::string& backend) const {
  auto found = pools_.find(backend);
  return found == pools_.end() ? 0 : found->second->commands_in_flight();
}

void RedisFront::schedule(ClientSession* client) {
  if (std::find(scheduled_.begin(), scheduled_.end(), client) != scheduled_.end()) return;
  scheduled_.push_back(client);
  if (idle_open_) uv_idle_start(&idle_, &RedisFront::on_idle);
}

void RedisFront::unschedule(ClientSession* client) {
  std::erase(scheduled_, client);
  if (running_) std::replace(running_->begin(), running_->end(), client, static_cast<ClientSession*>(nullptr));
}

void RedisFront::on_idle(uv_idle_t* idle) {
  auto* self = static_cast<RedisFront*>(idle->data);
  uv_idle_stop(idle);
  std::vector<ClientSession*> due;
  due.swap(self->scheduled_);
  // A client run here may schedule itself or others again: the next turn.
  for (size_t i = 0; i < due.size(); ++i) {
    ClientSession* client = due[i];
    if (!client) continue;
    // Running one client may free another that was due: its unschedule()
    // clears it from `due` too.
    self->running_ = &due;
    client->run_scheduled();
    self->running_ = nullptr;
  }
}

void RedisFront::write_soon(ServerConnection* connection) {
  if (to_write_.empty() && idle_open_) {
    uv_check_start(&check_, [](uv_check_t* check) { static_cast<RedisFront*>(check->data)->write_due(); });
    uv_prepare_start(&prepare_, [](uv_prepare_t* prepare) { static_cast<RedisFront*>(prepare->data)->write_due(); });
  }
  to_write_.push_back(connection);
}

void RedisFront::cancel_write(ServerConnection* connection) { std::erase(to_write_, connection); }

void RedisFront::write_due() {
  uv_check_stop(&check_);
  uv_prepare_stop(&prepare_);
  std::vector<ServerConnection*> due;
  due.swap(to_write_);
  // A write that fails at once closes its connection; one closed so, or by
  // an earlier one's failure, stays allocated until its handles close and
  // writes nothing (write_queued checks its state).
  for (ServerConnection* connection : due) connection->write_queued();
}

uint64_t RedisFront::next_client_id() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace sy::redis
