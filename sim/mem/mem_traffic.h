#pragma once
// Synthetic request streams for `npusim mem run`: an open-loop generator whose requests enter
// the DRAM system as soon as their channel has room (so enough are outstanding to saturate).
// Randomness comes only from a std::mt19937_64 seeded explicitly.

#include <cstdint>
#include <random>

#include "models/memory/dram_system.h"

namespace npusim {

enum class MemPattern { stream, random, strided };

struct MemTrafficSpec {
  MemPattern pattern = MemPattern::stream;
  uint64_t requests = 0;       ///< how many to generate
  uint32_t request_bytes = 0;
  uint64_t stride = 0;         ///< strided only
  uint64_t capacity = 0;       ///< addresses wrap at this many bytes
  double read_ratio = 1.0;
  uint64_t seed = 0;
};

class MemTraffic : public DramRequestSource {
 public:
  explicit MemTraffic(const MemTrafficSpec& spec);
  const DramRequest* peek() override;
  void pop() override;

 private:
  /// A uniform double in [0, 1) from 53 random bits (same on every platform).
  double uniform();
  /// A uniform integer in [0, n) by multiply-shift (same on every platform).
  uint64_t below(uint64_t n);

  MemTrafficSpec spec_;
  std::mt19937_64 rng_;
  uint64_t index_ = 0;
  bool ready_ = false;
  DramRequest current_;
};

}  // namespace npusim
