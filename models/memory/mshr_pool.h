#pragma once
// Miss status holding registers of one L2 slice: a read miss holds an entry from when it is
// sent to HBM until its data returns, and a slice with every entry held cannot send another
// miss. Entries are slots taken in the order misses are presented: a miss takes the slot
// that frees first, so an entry booked into the future by an earlier-presented miss is not
// lent to a miss that arrives before it (the same simplification as a FIFO server; with tens
// of entries per slice it rarely matters).

#include <algorithm>
#include <cstdint>
#include <functional>
#include <vector>

namespace npusim {

class MshrPool {
public:
  /// `entries` > 0.
  explicit MshrPool(uint32_t entries) : entries_(entries) { reset(); }

  /// Takes the entry that frees first for a miss arriving at `arrive_ps`; returns when the
  /// miss can start (at or after `arrive_ps`). Must be followed by release().
  [[nodiscard]] double acquire(double arrive_ps) {
    std::pop_heap(free_at_.begin(), free_at_.end(), std::greater<>());
    return std::max(arrive_ps, free_at_.back());
  }

  /// Gives the entry taken by the last acquire() back; it frees at `end_ps`.
  void release(double end_ps) {
    free_at_.back() = end_ps;
    std::push_heap(free_at_.begin(), free_at_.end(), std::greater<>());
  }

  void reset() { free_at_.assign(entries_, 0.0); }

private:
  uint32_t entries_;
  std::vector<double> free_at_;  ///< min-heap: when each entry's current miss returns
};

}  // namespace npusim
