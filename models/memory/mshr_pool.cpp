#include "models/memory/mshr_pool.h"

#include <algorithm>

namespace npusim {

double MshrPool::earliest_free(double arrive_ps) const {
  return std::max(arrive_ps, *std::min_element(free_at_.begin(), free_at_.end()));
}

void MshrPool::book(double start_ps, double end_ps) {
  auto entry = std::min_element(free_at_.begin(), free_at_.end());
  *entry = std::max(*entry, end_ps);
  (void)start_ps;
}

}  // namespace npusim
