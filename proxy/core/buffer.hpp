// Fixed-size read buffers recycled through a per-worker free list, shared by
// reference so that bytes read from one socket can be written to another (or
// kept while a frame is parsed) without copying. Single-threaded: a chunk
// never leaves the worker loop that allocated it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

namespace sy::core {

class BufferPool;

struct Chunk {
  BufferPool* pool;
  uint32_t refs;
  uint32_t capacity;
  char* data() { return reinterpret_cast<char*>(this + 1); }
};

// An owning reference to a chunk (intrusive, non-atomic count).
class ChunkRef {
 public:
  ChunkRef() = default;
  explicit ChunkRef(Chunk* chunk) : chunk_(chunk) {}  // adopts one reference
  ChunkRef(const ChunkRef& other) : chunk_(other.chunk_) { if (chunk_) ++chunk_->refs; }
  ChunkRef(ChunkRef&& other) noexcept : chunk_(std::exchange(other.chunk_, nullptr)) {}
  ChunkRef& operator=(ChunkRef other) noexcept { std::swap(chunk_, other.chunk_); return *this; }
  ~ChunkRef() { reset(); }

  void reset();
  char* data() const { return chunk_->data(); }
  uint32_t capacity() const { return chunk_->capacity; }
  explicit operator bool() const { return chunk_ != nullptr; }

 private:
  Chunk* chunk_ = nullptr;
};

// A run of bytes inside a chunk, kept alive by the reference it holds.
struct Slice {
  ChunkRef chunk;
  uint32_t offset = 0;
  uint32_t length = 0;

  const char* data() const { return chunk.data() + offset; }
  std::string_view view() const { return {data(), length}; }
};

class BufferPool {
 public:
  explicit BufferPool(uint32_t chunk_size, size_t max_free = 512) : chunk_size_(chunk_size), max_free_(max_free) {}
  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;
  ~BufferPool();

  ChunkRef acquire();
  uint32_t chunk_size() const { return chunk_size_; }
  size_t chunks_in_use() const { return in_use_; }

 private:
  friend class ChunkRef;
  void release(Chunk* chunk);

  uint32_t chunk_size_;
  size_t max_free_;
  size_t in_use_ = 0;
  std::vector<Chunk*> free_;
};

}  // namespace sy::core
