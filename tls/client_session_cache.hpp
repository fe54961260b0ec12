// The sessions servers issued to switchyard, kept per ClientContext and keyed
// by the server dialled ("host:port"), so the next connection to that server
// offers one and resumes instead of doing a full handshake. A context, and
// so its cache, is shared by every worker thread: a mutex guards it, taken
// once per new server connection and per ticket received, never per byte.
// A reload makes new contexts, and with them empty caches.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "tls/openssl_error.hpp"

namespace sy::tls {

class ClientSessionCache {
 public:
  // Servers per context (a backend has that many at most, in practice far
  // fewer); past it the server whose session is oldest is forgotten.
  static constexpr size_t kDefaultCapacity = 1024;

  explicit ClientSessionCache(size_t capacity = kDefaultCapacity) : capacity_(capacity == 0 ? 1 : capacity) {}
  ClientSessionCache(const ClientSessionCache&) = delete;
  ClientSessionCache& operator=(const ClientSessionCache&) = delete;

  // The session to offer `server`, or null. One that expired, or that
  // OpenSSL says cannot resume, is dropped here instead.
  SslSessionPtr find(const std::string& server);
  // The newest session `server` issued; it replaces the one kept for it.
  void store(const std::string& server, SslSessionPtr session);
  // Drops `offered` if it is still the one kept for `server`: the server
  // did not resume it (a restart, rotated ticket keys), so offering it again
  // only costs bytes. A newer session stored meanwhile stays.
  void forget(const std::string& server, const SSL_SESSION* offered);

  size_t size() const;

 private:
  struct Entry {
    SslSessionPtr session;
    uint64_t stored_at = 0;  // a counter, for choosing whom to evict
  };
  void evict_oldest();  // with mutex_ held

  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  size_t capacity_;
  uint64_t clock_ = 0;
};

// Where OpenSSL's new-session callback puts what a server issued on one
// client connection: the connection keeps the latest (TlsSession::
// saved_session()), and a connection made to a named server also hands it
// to its context's cache. The SSL's app data points at one of these.
struct IssuedSessions {
  SslSessionPtr latest;
  ClientSessionCache* cache = nullptr;  // null: the connection is not cached
  std::string server;                   // the cache key

  void take(SslSessionPtr session) {
    if (cache && session) cache->store(server, session);
    latest = std::move(session);
  }
};

}  // namespace sy::tls
