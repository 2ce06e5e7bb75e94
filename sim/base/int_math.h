#pragma once
// Integer rounding used wherever work is split into whole tiles, blocks or shards.

#include <cstdint>

namespace npusim {

/// a / b rounded up (b > 0).
[[nodiscard]] constexpr uint64_t ceil_div(uint64_t a, uint64_t b) {
  return (a + b - 1) / b;
}
/// v rounded up to a multiple of a.
[[nodiscard]] constexpr uint64_t align_up(uint64_t v, uint64_t a) {
  return ceil_div(v, a) * a;
}
/// v rounded down to a multiple of a.
[[nodiscard]] constexpr uint64_t align_down(uint64_t v, uint64_t a) {
  return v / a * a;
}

}  // namespace npusim
