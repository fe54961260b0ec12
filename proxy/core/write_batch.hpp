// Bytes gathered while handling one read, written with one writev: slices of
// read chunks are referenced (and merged when contiguous), bytes the proxy
// makes itself are copied into pooled chunks. Protocol fronts that forward
// message by message use it so a burst of messages costs one write.
#pragma once

#include <string_view>
#include <vector>

#include "proxy/core/buffer.hpp"

namespace sy::core {

class WriteBatch {
 public:
  explicit WriteBatch(BufferPool& pool) : pool_(pool) {}

  void add(const Slice& slice);
  void add(std::string_view bytes);
  bool empty() const { return parts_.empty(); }
  size_t size() const { return size_; }
  std::vector<Slice> take();

 private:
  BufferPool& pool_;
  std::vector<Slice> parts_;
  size_t size_ = 0;
  // The chunk copies go into, and how much of it is used.
  ChunkRef scratch_;
  uint32_t scratch_used_ = 0;
};

}  // namespace sy::core
