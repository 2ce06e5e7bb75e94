#include "models/memory/mshr_pool.h"

#include <algorithm>
#include <limits>

namespace npusim {

double MshrPool::earliest_free(double now_ps, double arrive_ps) {
  std::erase_if(held_, [now_ps](const auto& h) { return h.second <= now_ps; });
  double t = arrive_ps;
  while (true) {
    uint32_t busy = 0;
    double first_release = std::numeric_limits<double>::infinity();
    for (const auto& [start, end] : held_) {
      if (start <= t && t < end) {
        ++busy;
        first_release = std::min(first_release, end);
      }
    }
    if (busy < entries_) return t;
    t = first_release;  // the earliest an entry frees up; check again from there
  }
}

}  // namespace npusim
