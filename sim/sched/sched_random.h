#pragma once
// A small seeded random source for the fleet level (trace generator, property tests): the
// same seed gives the same numbers on every platform (the std:: distributions do not promise
// that). SplitMix64 (Steele, Lea, Flood 2014) generator; Box-Muller normals.

#include <cmath>
#include <cstdint>

namespace npusim::sched {

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  /// Next 64 random bits.
  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  /// Uniform in [0, 1).
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  /// Uniform integer in [0, n) (n > 0; the modulo bias is negligible for small n).
  uint64_t below(uint64_t n) { return next() % n; }
  /// Standard normal.
  double normal() {
    const double u1 = 1.0 - uniform();  // (0, 1]
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  /// Exponential with the given rate.
  double exponential(double rate) { return -std::log(1.0 - uniform()) / rate; }

 private:
  uint64_t state_;
};

}  // namespace npusim::sched
