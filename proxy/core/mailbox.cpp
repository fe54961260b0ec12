// Cross-thread message queue on uv_async_t; see mailbox.hpp.
#include "proxy/core/mailbox.hpp"

namespace sy::core {

Mailbox::Mailbox(uv_loop_t* loop) {
  uv_async_init(loop, &async_, &Mailbox::on_wake);
  async_.data = this;
}

void Mailbox::post(Message message) {
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    pending_.push_back(std::move(message));
  }
  uv_async_send(&async_);
}

void Mailbox::on_wake(uv_async_t* handle) { static_cast<Mailbox*>(handle->data)->drain(); }

void Mailbox::drain() {
  std::vector<Message> batch;
  {
    std::lock_guard lock(mutex_);
    batch.swap(pending_);
  }
  for (auto& message : batch) message();
}

void Mailbox::close(std::function<void()> done) {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    pending_.clear();
  }
  on_closed_ = std::move(done);
  uv_close(reinterpret_cast<uv_handle_t*>(&async_), [](uv_handle_t* handle) {
    auto* self = static_cast<Mailbox*>(handle->data);
    if (self->on_closed_) self->on_closed_();
  });
}

}  // namespace sy::core
