// Chunk allocation and recycling; see buffer.hpp.
#include "proxy/core/buffer.hpp"

#include <cstdlib>
#include <new>

namespace sy::core {

void ChunkRef::reset() {
  if (chunk_ && --chunk_->refs == 0) chunk_->pool->release(chunk_);
  chunk_ = nullptr;
}

BufferPool::~BufferPool() {
  for (Chunk* chunk : free_) std::free(chunk);
}

ChunkRef BufferPool::acquire() {
  Chunk* chunk;
  if (!free_.empty()) {
    chunk = free_.back();
    free_.pop_back();
  } else {
    chunk = static_cast<Chunk*>(std::malloc(sizeof(Chunk) + chunk_size_));
    if (!chunk) throw std::bad_alloc();
    chunk->pool = this;
    chunk->capacity = chunk_size_;
  }
  chunk->refs = 1;
  ++in_use_;
  return ChunkRef(chunk);
}

void BufferPool::release(Chunk* chunk) {
  --in_use_;
  if (free_.size() < max_free_) free_.push_back(chunk);
  else std::free(chunk);
}

}  // namespace sy::core
