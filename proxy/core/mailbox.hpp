// Hands work to a loop from another thread: post() queues a function and
// wakes the loop, which runs the queued functions in order on its own thread.
// This is how snapshots reach workers and how workers report to the control
// thread; it is never on the per-byte data path.
#pragma once

#include <uv.h>

#include <functional>
#include <mutex>
#include <vector>

namespace sy::core {

class Mailbox {
 public:
  using Message = std::function<void()>;

  explicit Mailbox(uv_loop_t* loop);
  Mailbox(const Mailbox&) = delete;
  Mailbox& operator=(const Mailbox&) = delete;

  void post(Message message);  // any thread
  // Closes the wake-up handle (loop thread); `done` runs after its close
  // callback. Messages posted afterwards are dropped.
  void close(std::function<void()> done = {});

 private:
  static void on_wake(uv_async_t*);
  void drain();

  uv_async_t async_;
  std::mutex mutex_;
  std::vector<Message> pending_;
  bool closed_ = false;
  std::function<void()> on_closed_;
};

}  // namespace sy::core
