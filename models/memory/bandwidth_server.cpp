#include "models/memory/bandwidth_server.h"

#include <algorithm>
#include <iterator>

namespace npusim {

double BandwidthServer::serve(double now_ps, double arrive_ps, uint64_t bytes, double cost) {
  // Forget intervals that ended before the present; they can no longer delay anything.
  while (first_ < busy_.size() && busy_[first_].second <= now_ps) ++first_;
  if (first_ > 64 && first_ * 2 > busy_.size()) {
    busy_.erase(busy_.begin(), busy_.begin() + static_cast<std::ptrdiff_t>(first_));
    first_ = 0;
  }

  const double duration = double(bytes) * ps_per_byte_ * cost;
  busy_ps_ += duration;

  // First fit. Gap g is the idle time before interval g (gap n: after the last one); the
  // request can start in it at its arrival or when interval g-1 ends, whichever is later,
  // and fits if it is done before interval g starts. Only gaps whose following interval
  // ends after the arrival can take the request; the earliest of them that fits wins.
  // They are scanned from the back, keeping the last fit seen: each step does the same
  // work, so the host predicts the loop, where a binary search for the arrival followed by
  // a forward walk mispredicts several branches per request (the calendar holds a few
  // dozen intervals and this is the simulator's hottest code).
  const size_t n = busy_.size();
  size_t gap = n;  // always fits
  for (size_t g = n; g > first_ && busy_[g - 1].second > arrive_ps;) {
    --g;
    const double gap_start = g > first_ ? std::max(arrive_ps, busy_[g - 1].second) : arrive_ps;
    if (!(busy_[g].first < gap_start + duration)) gap = g;
  }
  const double start = gap > first_ ? std::max(arrive_ps, busy_[gap - 1].second) : arrive_ps;
  const double end = start + duration;

  // Book [start, end) in gap `gap`, merging with a touching neighbour on either side.
  const bool joins_before = gap > first_ && busy_[gap - 1].second >= start;
  const bool joins_after = gap < n && busy_[gap].first <= end;
  if (joins_before && joins_after) {
    busy_[gap - 1].second = busy_[gap].second;
    busy_.erase(busy_.begin() + static_cast<std::ptrdiff_t>(gap));
  } else if (joins_before) {
    busy_[gap - 1].second = end;
  } else if (joins_after) {
    busy_[gap].first = start;
  } else {
    busy_.insert(busy_.begin() + static_cast<std::ptrdiff_t>(gap), {start, end});
  }
  return end;
}

}  // namespace npusim
