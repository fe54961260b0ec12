// Framing, payload reading and message building; see message.hpp.
#include "pgwire/message.hpp"

#include <cstring>

namespace sy::pgwire {
namespace {

uint32_t read_be32(const char* p) {
  return (uint32_t(uint8_t(p[0])) << 24) | (uint32_t(uint8_t(p[1])) << 16) | (uint32_t(uint8_t(p[2])) << 8) |
         uint32_t(uint8_t(p[3]));
}

void write_be32(char* p, uint32_t value) {
  p[0] = char(value >> 24);
  p[1] = char(value >> 16);
  p[2] = char(value >> 8);
  p[3] = char(value);
}

}  // namespace

Scan scan_message(std::string_view bytes, uint32_t max_length) {
  Scan scan;
  if (bytes.size() < kHeaderSize) return scan;
  scan.type = bytes[0];
  scan.length = read_be32(bytes.data() + 1);
  if (scan.length < 4 || scan.length > max_length) {
    scan.status = ScanStatus::malformed;
    return scan;
  }
  scan.status = bytes.size() >= scan.total_size() ? ScanStatus::complete : ScanStatus::partial;
  return scan;
}

bool PayloadReader::need(size_t count) {
  if (!ok_ || data_.size() - position_ < count) {
    ok_ = false;
    return false;
  }
  return true;
}

uint8_t PayloadReader::byte() {
  if (!need(1)) return 0;
  return uint8_t(data_[position_++]);
}

int16_t PayloadReader::int16() {
  if (!need(2)) return 0;
  auto value = int16_t((uint16_t(uint8_t(data_[position_])) << 8) | uint8_t(data_[position_ + 1]));
  position_ += 2;
  return value;
}

int32_t PayloadReader::int32() {
  if (!need(4)) return 0;
  auto value = int32_t(read_be32(data_.data() + position_));
  position_ += 4;
  return value;
}

std::string_view PayloadReader::cstring() {
  if (!ok_) return {};
  auto end = data_.find('\0', position_);
  if (end == std::string_view::npos) {
    ok_ = false;
    return {};
  }
  auto text = data_.substr(position_, end - position_);
  position_ = end + 1;
  return text;
}

std::string_view PayloadReader::bytes(size_t count) {
  if (!need(count)) return {};
  auto data = data_.substr(position_, count);
  position_ += count;
  return data;
}

std::string_view PayloadReader::rest() {
  if (!ok_) return {};
  auto data = data_.substr(position_);
  position_ = data_.size();
  return data;
}

MessageBuilder::MessageBuilder(std::string& out, char type) : out_(out) {
  if (type != 0) out_.push_back(type);  // startup-phase packets have no type byte
  start_ = out_.size();
  out_.append(4, '\0');
}

MessageBuilder& MessageBuilder::byte(uint8_t value) {
  out_.push_back(char(value));
  return *this;
}

MessageBuilder& MessageBuilder::int16(int16_t value) {
  out_.push_back(char(uint16_t(value) >> 8));
  out_.push_back(char(value));
  return *this;
}

MessageBuilder& MessageBuilder::int32(int32_t value) {
  char buffer[4];
  write_be32(buffer, uint32_t(value));
  out_.append(buffer, 4);
  return *this;
}

MessageBuilder& MessageBuilder::cstring(std::string_view text) {
  out_.append(text);
  out_.push_back('\0');
  return *this;
}

MessageBuilder& MessageBuilder::bytes(std::string_view data) {
  out_.append(data);
  return *this;
}

void MessageBuilder::finish() {
  if (finished_) return;
  finished_ = true;
  write_be32(out_.data() + start_, uint32_t(out_.size() - start_));
}

MessageBuilder::~MessageBuilder() { finish(); }

}  // namespace sy::pgwire
