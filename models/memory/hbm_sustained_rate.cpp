#include "models/memory/hbm_sustained_rate.h"

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <utility>

#include "models/memory/dram_address_map.h"
#include "models/memory/dram_scheduler.h"
#include "models/memory/dram_system.h"
#include "sim/config/dram_loader.h"

namespace npusim {
namespace {

/// One channel suffices: channels stream independently. 2 MiB at ~45 GB/s spans ~45 us, a
/// dozen refresh intervals, so refresh is weighed as in a long stream (within 0.5 points
/// of a 64 MiB stream over all channels of the presets, docs/memory.md).
constexpr uint64_t kStreamBytes = 2u << 20;
constexpr uint32_t kRequestBytes = 64;

/// Fraction of pin rate one channel sustains on a stream of 64 B requests; with `mixed`,
/// every second request is a write (a copy-like 1:1 mix).
double dram_stream_fraction(const ChipConfig& chip, bool mixed) {
  const DramChoices choices{dram_scheduler_names(), dram_address_map_names()};
  DramSystemConfig config;
  config.dram = load_dram(chip.hbm.dram, {}, choices);
  config.channels = 1;
  config.interleave_bytes = chip.hbm.interleave_bytes;
  const std::unique_ptr<DramSystem> built = make_chip_dram_system(config, chip.source_path);
  DramSystem& system = *built;
  for (uint64_t addr = 0; addr < kStreamBytes; addr += kRequestBytes) {
    const bool write = mixed && (addr / kRequestBytes) % 2 == 1;
    system.submit(DramRequest{addr, kRequestBytes, write, 0});
  }
  system.run();
  const double achieved = double(kStreamBytes) / (system.end_ps() * 1e-12);
  return achieved / system.peak_bytes_per_s();
}

/// dram_stream_fraction memoised per process by preset, interleave and mix.
double memo_stream_fraction(const ChipConfig& chip, bool mixed) {
  static std::mutex mutex;
  static std::map<std::tuple<std::string, uint32_t, bool>, double> memo;
  const std::lock_guard<std::mutex> lock(mutex);
  const auto key = std::make_tuple(chip.hbm.dram, chip.hbm.interleave_bytes, mixed);
  if (const auto it = memo.find(key); it != memo.end()) return it->second;
  const double fraction = dram_stream_fraction(chip, mixed);
  memo.emplace(key, fraction);
  return fraction;
}

}  // namespace

double hbm_sustained_fraction(const ChipConfig& chip) {
  if (chip.hbm.stream_efficiency > 0) return chip.hbm.stream_efficiency;
  if (chip.hbm.dram.empty()) return 1.0;
  return memo_stream_fraction(chip, false);
}

double hbm_write_cost(const ChipConfig& chip) {
  if (chip.hbm.stream_efficiency > 0 || chip.hbm.dram.empty()) return 1.0;
  // Reads at rate e_r, writes at e_r / c: a 1:1 stream then sustains 2 e_r / (1 + c), which
  // is set equal to the DRAM model's mixed-stream rate e_mix.
  const double read = memo_stream_fraction(chip, false);
  const double mixed = memo_stream_fraction(chip, true);
  return std::max(1.0, 2 * read / mixed - 1);
}

double sustained_hbm_bytes_per_s(const ChipConfig& chip) {
  return chip.peak_hbm_bytes_per_s() * hbm_sustained_fraction(chip);
}

}  // namespace npusim
