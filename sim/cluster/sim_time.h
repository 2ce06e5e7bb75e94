#pragma once
// Time in the cluster and fleet engines: integer picoseconds (DESIGN.md), so event order and
// results are exact and identical on every machine.

#include <cmath>
#include <cstdint>
#include <limits>

namespace npusim {

using TimePs = uint64_t;

inline constexpr TimePs kNever = std::numeric_limits<TimePs>::max();

/// Seconds to picoseconds, rounded up so that a non-zero duration never becomes 0.
[[nodiscard]] inline TimePs seconds_to_ps(double seconds) {
  if (seconds <= 0) return 0;
  return static_cast<TimePs>(std::ceil(seconds * 1e12));
}

[[nodiscard]] inline double ps_to_seconds(TimePs ps) { return static_cast<double>(ps) * 1e-12; }

}  // namespace npusim
