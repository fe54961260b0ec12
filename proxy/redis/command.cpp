// Writing queued commands or replies; see command.hpp.
#include "proxy/redis/command.hpp"

namespace sy::redis {

void write_commands(core::Socket& socket, std::vector<Command>& queue) {
  std::vector<core::Slice> batch;
  auto write_batch = [&] {
    if (batch.size() == 1) socket.write(std::move(batch.front()));
    else if (!batch.empty()) socket.write(std::move(batch));
    batch.clear();
  };
  for (Command& command : queue) {
    if (!command.owned.empty()) {
      write_batch();
      socket.write(std::move(command.owned));
      continue;
    }
    if (!batch.empty()) {
      core::Slice& last = batch.back();
      if (last.chunk.data() == command.slice.chunk.data() && last.offset + last.length == command.slice.offset) {
        last.length += command.slice.length;
        continue;
      }
    }
    batch.push_back(std::move(command.slice));
  }
  write_batch();
  queue.clear();
}

}  // namespace sy::redis
