#include "models/memory/l2_cache.h"

#include <algorithm>

#include "sim/base/error.h"

namespace npusim {
namespace {
// Spreads consecutive lines and power-of-two strides over slices and sets.
uint64_t mix(uint64_t x) {
  x ^= x >> 17;
  x *= 0xed5ad4bbULL;
  x ^= x >> 11;
  return x;
}
}  // namespace

L2Cache::L2Cache(const L2Config& c)
    : line_bytes_(c.line_bytes), slices_(c.slices), ways_(c.ways) {
  if (c.line_bytes == 0 || c.slices == 0 || c.ways == 0)
    throw InternalError("L2 geometry must be non-zero (the loader checks this)");
  sets_per_slice_ = std::max<uint64_t>(1, c.size_bytes / (uint64_t(c.line_bytes) * c.slices * c.ways));
  const size_t entries = size_t(sets_per_slice_) * slices_ * ways_;
  tags_.assign(entries, 0);
  last_use_.assign(entries, 0);
  dirty_.assign(entries, 0);
}

uint32_t L2Cache::slice_of(uint64_t addr) const {
  return static_cast<uint32_t>(mix(addr / line_bytes_) % slices_);
}

L2Cache::LineResult L2Cache::access(uint64_t addr, bool write) {
  const uint64_t line = addr / line_bytes_;
  const uint64_t hashed = mix(line);
  LineResult result;
  result.slice = static_cast<uint32_t>(hashed % slices_);
  const uint64_t set = (hashed / slices_) % sets_per_slice_;
  const size_t base = size_t((uint64_t(result.slice) * sets_per_slice_ + set) * ways_);
  ++clock_;

  size_t victim = base;
  for (size_t w = base; w < base + ways_; ++w) {
    if (tags_[w] == line + 1) {
      result.hit = true;
      last_use_[w] = clock_;
      if (write) dirty_[w] = 1;
      return result;
    }
    if (last_use_[w] < last_use_[victim]) victim = w;  // invalid ways have last_use 0
  }
  if (tags_[victim] != 0 && dirty_[victim]) {
    result.dirty_eviction = true;
    result.victim_addr = (tags_[victim] - 1) * line_bytes_;
  }
  tags_[victim] = line + 1;
  last_use_[victim] = clock_;
  dirty_[victim] = write ? 1 : 0;
  return result;
}

void L2Cache::clear() {
  std::fill(tags_.begin(), tags_.end(), 0);
  std::fill(last_use_.begin(), last_use_.end(), 0);
  std::fill(dirty_.begin(), dirty_.end(), 0);
  clock_ = 0;
}

}  // namespace npusim
