#pragma once
// Miss status holding registers of one L2 slice: a read miss holds an entry from when it is
// sent to HBM until its data returns, and a slice with every entry held cannot send another
// miss. Like the bandwidth servers, requests may be presented out of time order, so the pool
// keeps the booked intervals rather than a count. A new miss needs a free entry at the moment
// it starts (entries taken later by misses presented earlier are not re-checked).

#include <cstdint>
#include <utility>
#include <vector>

namespace npusim {

class MshrPool {
public:
  /// `entries` > 0.
  explicit MshrPool(uint32_t entries) : entries_(entries) {}

  /// Earliest time at or after `arrive_ps` at which fewer than `entries` misses are in
  /// flight. `now_ps` is the present (bookings that ended earlier are forgotten).
  [[nodiscard]] double earliest_free(double now_ps, double arrive_ps);

  /// Holds one entry over [start_ps, end_ps).
  void book(double start_ps, double end_ps) { held_.emplace_back(start_ps, end_ps); }

  void reset() { held_.clear(); }

private:
  uint32_t entries_;
  std::vector<std::pair<double, double>> held_;  ///< [start, end) of misses in flight
};

}  // namespace npusim
