// The base of every client-side session a worker runs (a TCP relay, later an
// HTTP, PostgreSQL or Redis client). The worker keeps them on a list so that
// shutdown can ask them to finish and, after the timeout, close them.
#pragma once

namespace sy::core {

class Worker;

class Session {
 public:
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Shutdown began: finish what is in flight, take nothing new.
  virtual void finish_gracefully() {}
  // Shutdown timed out (or the listener was removed forcefully): close now.
  virtual void force_close() = 0;

 protected:
  explicit Session(Worker& worker);
  // Sessions are freed by themselves once every handle they own is closed.
  virtual ~Session();

  Worker& worker_;

 private:
  friend class Worker;
  Session* prev_ = nullptr;
  Session* next_ = nullptr;
};

}  // namespace sy::core
