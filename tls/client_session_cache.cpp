// The client-side session cache; see client_session_cache.hpp.
#include "tls/client_session_cache.hpp"

#include <ctime>

namespace sy::tls {

namespace {

// Whether a saved session can still be offered: OpenSSL keeps its issue time
// and lifetime (the ticket's lifetime hint in TLS 1.3) with it.
bool still_resumable(const SSL_SESSION* session) {
  if (SSL_SESSION_is_resumable(session) != 1) return false;
  int64_t expires = int64_t(SSL_SESSION_get_time(session)) + int64_t(SSL_SESSION_get_timeout(session));
  return expires > int64_t(std::time(nullptr));
}

}  // namespace

SslSessionPtr ClientSessionCache::find(const std::string& server) {
  std::lock_guard lock(mutex_);
  auto found = entries_.find(server);
  if (found == entries_.end()) return nullptr;
  if (!still_resumable(found->second.session.get())) {
    entries_.erase(found);
    return nullptr;
  }
  // Several connections may offer the same session at once: OpenSSL only
  // reads a session it resumes from and copies it before changing anything.
  return found->second.session;
}

void ClientSessionCache::store(const std::string& server, SslSessionPtr session) {
  if (!session) return;
  std::lock_guard lock(mutex_);
  auto found = entries_.find(server);
  if (found == entries_.end()) {
    if (entries_.size() >= capacity_) evict_oldest();
    found = entries_.emplace(server, Entry{}).first;
  }
  found->second = Entry{std::move(session), ++clock_};
}

void ClientSessionCache::forget(const std::string& server, const SSL_SESSION* offered) {
  std::lock_guard lock(mutex_);
  auto found = entries_.find(server);
  if (found != entries_.end() && found->second.session.get() == offered) entries_.erase(found);
}

size_t ClientSessionCache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

void ClientSessionCache::evict_oldest() {
  // A linear scan: it runs only when a new server arrives at a full cache.
  auto oldest = entries_.begin();
  for (auto it = entries_.begin(); it != entries_.end(); ++it)
    if (it->second.stored_at < oldest->second.stored_at) oldest = it;
  if (oldest != entries_.end()) entries_.erase(oldest);
}

}  // namespace sy::tls
