// Gathering slices and copies for one write; see write_batch.hpp.
#include "proxy/core/write_batch.hpp"

#include <cstring>

namespace sy::core {

void WriteBatch::add(const Slice& slice) {
  if (slice.length == 0) return;
  size_ += slice.length;
  if (!parts_.empty()) {
    Slice& last = parts_.back();
    if (last.chunk.data() == slice.chunk.data() && last.offset + last.length == slice.offset) {
      last.length += slice.length;  // the next message of the same read
      return;
    }
  }
  parts_.push_back(slice);
}

void WriteBatch::add(std::string_view bytes) {
  while (!bytes.empty()) {
    if (!scratch_ || scratch_used_ == scratch_.capacity()) {
      scratch_ = pool_.acquire();
      scratch_used_ = 0;
    }
    uint32_t room = scratch_.capacity() - scratch_used_;
    uint32_t count = bytes.size() < room ? static_cast<uint32_t>(bytes.size()) : room;
    std::memcpy(scratch_.data() + scratch_used_, bytes.data(), count);
    add(Slice{scratch_, scratch_used_, count});
    scratch_used_ += count;
    bytes.remove_prefix(count);
  }
}

std::vector<Slice> WriteBatch::take() {
  size_ = 0;
  // The written slices keep the chunk alive while they need it; an idle
  // connection should not.
  scratch_.reset();
  scratch_used_ = 0;
  std::vector<Slice> parts;
  parts.swap(parts_);
  return parts;
}

}  // namespace sy::core
