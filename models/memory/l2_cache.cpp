#include "models/memory/l2_cache.h"

#include <algorithm>
#include <bit>

#include "sim/base/error.h"

namespace npusim {
namespace {
// Spreads consecutive lines and power-of-two strides over slices and sets; every output bit
// depends on every input bit (the splitmix64 finaliser), so both 32-bit halves are usable.
uint64_t mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}
}  // namespace

L2Cache::L2Cache(const L2Config& c)
    : line_bytes_(c.line_bytes),
      line_shift_(static_cast<uint32_t>(std::countr_zero(c.line_bytes))),
      slices_(c.slices),
      ways_(c.ways) {
  if (c.line_bytes == 0 || c.slices == 0 || c.ways == 0)
    throw InternalError("L2 geometry must be non-zero (the loader checks this)");
  if (!std::has_single_bit(c.line_bytes))
    throw InternalError("L2 line size must be a power of two (the loader checks this)");
  sets_per_slice_ = std::max<uint64_t>(1, c.size_bytes / (uint64_t(c.line_bytes) * c.slices * c.ways));
  ways_of_sets_.assign(size_t(sets_per_slice_) * slices_ * ways_, Way{});
}

uint32_t L2Cache::slice_of(uint64_t addr) const {
  uint32_t slice = 0;
  (void)set_base(addr >> line_shift_, slice);
  return slice;
}

size_t L2Cache::set_base(uint64_t line, uint32_t& slice) const {
  // The low half of the hash picks the slice, the high half the set, each scaled into its
  // range by a multiply and shift: no division on the simulator's hottest path.
  const uint64_t hashed = mix(line);
  slice = static_cast<uint32_t>(((hashed & 0xffff'ffffu) * slices_) >> 32);
  const uint64_t set = ((hashed >> 32) * sets_per_slice_) >> 32;
  return size_t((uint64_t(slice) * sets_per_slice_ + set) * ways_);
}

L2Cache::Place L2Cache::place_of(uint64_t addr) const {
  Place place;
  place.set = set_base(addr >> line_shift_, place.slice);
  return place;
}

void L2Cache::prefetch(const Place& place) const {
  const Way* set = &ways_of_sets_[place.set];
  __builtin_prefetch(set);
  __builtin_prefetch(set + ways_ - 1);  // a set may span two host cache lines
}

L2Cache::LineResult L2Cache::access(const Place& place, uint64_t addr, bool write) {
  const uint64_t line = addr >> line_shift_;
  LineResult result;
  result.slice = place.slice;
  Way* const first = &ways_of_sets_[place.set];
  if (clock_ == kDirtyBit - 1) renumber_stamps();
  ++clock_;
  const auto tag = static_cast<uint32_t>(line + 1);

  // Look at every way rather than stopping at the hit: where in the set a hit sits is
  // random, so an early exit would cost the host a mispredicted branch per look-up.
  Way* hit = nullptr;
  for (Way* w = first; w != first + ways_; ++w) hit = w->line_plus_one == tag ? w : hit;
  if (hit != nullptr) {
    result.hit = true;
    hit->stamp = clock_ | (hit->stamp & kDirtyBit) | (write ? kDirtyBit : 0u);
    return result;
  }
  // Miss: the least recently used way is the victim (the first one on ties). Invalid ways
  // have stamp 0, so they are taken first.
  Way* victim = first;
  for (Way* w = first + 1; w != first + ways_; ++w)
    if ((w->stamp & ~kDirtyBit) < (victim->stamp & ~kDirtyBit)) victim = w;
  if (victim->line_plus_one != 0 && (victim->stamp & kDirtyBit)) {
    result.dirty_eviction = true;
    result.victim_addr = uint64_t(victim->line_plus_one - 1) * line_bytes_;
  }
  *victim = Way{tag, clock_ | (write ? kDirtyBit : 0u)};
  return result;
}

void L2Cache::renumber_stamps() {
  // Replace every stamp by its rank: same LRU order, stamps back to 1..entries.
  std::vector<Way*> order;
  for (Way& w : ways_of_sets_)
    if ((w.stamp & ~kDirtyBit) != 0) order.push_back(&w);
  std::sort(order.begin(), order.end(), [](const Way* a, const Way* b) {
    return (a->stamp & ~kDirtyBit) < (b->stamp & ~kDirtyBit);
  });
  clock_ = 0;
  for (Way* w : order) w->stamp = ++clock_ | (w->stamp & kDirtyBit);
}

void L2Cache::clear() {
  std::fill(ways_of_sets_.begin(), ways_of_sets_.end(), Way{});
  clock_ = 0;
}

}  // namespace npusim
