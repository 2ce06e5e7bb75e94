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
  ways_of_sets_.assign(size_t(sets_per_slice_) * slices_ * ways_, Way{});
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
  Way* const first = &ways_of_sets_[size_t((uint64_t(result.slice) * sets_per_slice_ + set) * ways_)];
  if (clock_ == UINT32_MAX) renumber_stamps();
  ++clock_;

  Way* victim = first;
  for (Way* w = first; w != first + ways_; ++w) {
    if (w->line_plus_one == line + 1) {
      result.hit = true;
      w->last_use = clock_;
      if (write) w->dirty = 1;
      return result;
    }
    if (w->last_use < victim->last_use) victim = w;  // invalid ways have last_use 0
  }
  if (victim->line_plus_one != 0 && victim->dirty) {
    result.dirty_eviction = true;
    result.victim_addr = (victim->line_plus_one - 1) * line_bytes_;
  }
  *victim = Way{line + 1, clock_, write ? 1u : 0u};
  return result;
}

void L2Cache::renumber_stamps() {
  // Replace every stamp by its rank: same LRU order, stamps back to 1..entries.
  std::vector<Way*> order;
  for (Way& w : ways_of_sets_)
    if (w.last_use != 0) order.push_back(&w);
  std::sort(order.begin(), order.end(),
            [](const Way* a, const Way* b) { return a->last_use < b->last_use; });
  clock_ = 0;
  for (Way* w : order) w->last_use = ++clock_;
}

void L2Cache::clear() {
  std::fill(ways_of_sets_.begin(), ways_of_sets_.end(), Way{});
  clock_ = 0;
}

}  // namespace npusim
