#include "models/memory/bandwidth_server.h"

#include <algorithm>
#include <iterator>

namespace npusim {

double BandwidthServer::serve(double now_ps, double arrive_ps, uint64_t bytes) {
  // Forget intervals that ended before the present; they can no longer delay anything.
  while (first_ < busy_.size() && busy_[first_].second <= now_ps) ++first_;
  if (first_ > 64 && first_ * 2 > busy_.size()) {
    busy_.erase(busy_.begin(), busy_.begin() + static_cast<std::ptrdiff_t>(first_));
    first_ = 0;
  }

  const double duration = double(bytes) * ps_per_byte_;
  busy_ps_ += duration;
  // First interval ending after the arrival: earlier ones cannot overlap the request.
  auto it = std::upper_bound(busy_.begin() + static_cast<std::ptrdiff_t>(first_), busy_.end(),
                             arrive_ps,
                             [](double t, const std::pair<double, double>& iv) { return t < iv.second; });
  double start = arrive_ps;
  while (it != busy_.end() && it->first < start + duration) {
    start = std::max(start, it->second);
    ++it;
  }
  const double end = start + duration;

  // Book [start, end) before `it`, merging with a touching neighbour on either side.
  const bool joins_before = it != busy_.begin() + static_cast<std::ptrdiff_t>(first_) &&
                            std::prev(it)->second >= start;
  const bool joins_after = it != busy_.end() && it->first <= end;
  if (joins_before && joins_after) {
    std::prev(it)->second = it->second;
    busy_.erase(it);
  } else if (joins_before) {
    std::prev(it)->second = end;
  } else if (joins_after) {
    it->first = start;
  } else {
    busy_.insert(it, {start, end});
  }
  return end;
}

}  // namespace npusim
