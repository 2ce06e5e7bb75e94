#pragma once
// Miss status holding registers of one L2 slice: a read miss holds an entry from when it is
// sent to HBM until its data returns, and a slice with every entry held cannot send another
// miss. Entries are slots taken in the order misses are presented: a miss takes the slot
// that frees first, so an entry booked into the future by an earlier-presented miss is not
// lent to a miss that arrives before it (the same simplification as a FIFO server; with tens
// of entries per slice it rarely matters).

#include <algorithm>
#include <cstdint>
#include <vector>

namespace npusim {

class MshrPool {
public:
  /// `entries` > 0.
  explicit MshrPool(uint32_t entries) : free_at_(entries, 0.0) {}

  /// Earliest time at or after `arrive_ps` at which an entry is free.
  [[nodiscard]] double earliest_free(double arrive_ps) const;

  /// Holds the entry that frees first over [start_ps, end_ps); `start_ps` comes from
  /// earliest_free, so that entry is free by then.
  void book(double start_ps, double end_ps);

  void reset() { std::fill(free_at_.begin(), free_at_.end(), 0.0); }

private:
  std::vector<double> free_at_;  ///< per entry: when its current miss returns
};

}  // namespace npusim
