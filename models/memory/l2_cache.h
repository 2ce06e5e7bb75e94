#pragma once
// Tag model of one die's L2: sliced, address-hashed, set-associative, LRU, write-back with
// write-allocate. It decides hits, misses and dirty evictions; timing lives in MemorySystem.

#include <cstdint>
#include <vector>

#include "sim/config/chip_config.h"

namespace npusim {

class L2Cache {
public:
  explicit L2Cache(const L2Config& config);

  struct LineResult {
    uint32_t slice = 0;
    bool hit = false;
    bool dirty_eviction = false;  ///< a dirty victim must be written back to HBM
    uint64_t victim_addr = 0;     ///< address of that victim line
  };

  /// Where the line holding an address lives: its slice and the index of its set's first way.
  struct Place {
    size_t set = 0;
    uint32_t slice = 0;
  };
  [[nodiscard]] Place place_of(uint64_t addr) const;

  /// Hints the host CPU to load the tags of a set; no effect on the model. The tag array is
  /// larger than the host's caches, so a look-up usually waits for host memory; loading the
  /// tags of a request's lines ahead of their look-ups hides most of that wait.
  void prefetch(const Place& place) const;

  /// Looks up (and on a miss allocates) the line holding `addr`, found at `place`
  /// (place_of(addr)); `write` marks it dirty.
  LineResult access(const Place& place, uint64_t addr, bool write);

  /// Invalidates every line (cold cache for the next kernel).
  void clear();

  [[nodiscard]] uint32_t slice_of(uint64_t addr) const;
  /// Index of the first way of the set holding `line` (line = addr / line_bytes).
  [[nodiscard]] size_t set_base(uint64_t line, uint32_t& slice) const;
  [[nodiscard]] uint32_t line_bytes() const { return line_bytes_; }

private:
  uint32_t line_bytes_;
  uint32_t line_shift_;  ///< log2(line_bytes_): line number = addr >> line_shift_
  uint32_t slices_;
  uint32_t ways_;
  uint64_t sets_per_slice_;
  /// One way of a set, packed into 8 bytes so a 16-way set spans two host cache lines: the
  /// tag array of a 192 MiB L2 is larger than the host's caches, and a tag lookup is the
  /// hottest spot of a GEMM simulation.
  struct Way {
    uint32_t line_plus_one = 0;  ///< line number + 1; 0 = invalid
    uint32_t stamp = 0;          ///< LRU stamp in the low 31 bits, dirty flag in the top bit
  };
  static constexpr uint32_t kDirtyBit = 0x8000'0000u;
  void renumber_stamps();  ///< keeps LRU order when the 31-bit stamp would wrap

  uint32_t clock_ = 0;  ///< LRU timestamp source
  std::vector<Way> ways_of_sets_;
};

}  // namespace npusim
