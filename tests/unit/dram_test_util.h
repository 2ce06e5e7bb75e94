#pragma once
// Helpers shared by the DRAM model tests (tests/unit/test_mem_*.cpp): load a preset, build a
// small system, run requests and read back the command log sorted by cycle.

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "models/memory/dram_address_map.h"
#include "models/memory/dram_scheduler.h"
#include "models/memory/dram_system.h"
#include "sim/config/dram_loader.h"

namespace npusim::test {

inline DramChoices dram_choices() {
  return {dram_scheduler_names(), dram_address_map_names()};
}

/// A shipped preset with "dram.a.b=v" overrides.
inline DramConfig preset(const std::string& name, const std::vector<std::string>& sets = {}) {
  return load_dram(name, sets, dram_choices());
}

inline DramSystemConfig system_config(const DramConfig& dram, uint32_t channels,
                                      uint32_t interleave_bytes = 512, bool record = true) {
  DramSystemConfig c;
  c.dram = dram;
  c.channels = channels;
  c.interleave_bytes = interleave_bytes;
  c.record_commands = record;
  return c;
}

/// Commands of a run, sorted by cycle (stable: issue order within a cycle).
inline std::vector<DramCommandRecord> sorted_commands(const DramSystem& system) {
  std::vector<DramCommandRecord> cmds = system.commands();
  std::stable_sort(cmds.begin(), cmds.end(),
                   [](const DramCommandRecord& a, const DramCommandRecord& b) {
                     return a.cycle < b.cycle;
                   });
  return cmds;
}

/// The lowest address (stepping by one burst) whose mapping satisfies `want`.
inline uint64_t find_address(const DramSystem& system,
                             const std::function<bool(const DramAddress&)>& want) {
  const uint64_t step = system.geometry().burst_bytes;
  for (uint64_t a = 0; a < system.geometry().capacity_bytes(); a += step)
    if (want(system.address_map().map(a))) return a;
  return ~uint64_t(0);
}

/// splitmix64: a tiny deterministic generator for test traffic.
inline uint64_t mix(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace npusim::test
