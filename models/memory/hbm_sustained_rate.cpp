#include "models/memory/hbm_sustained_rate.h"

#include <map>
#include <memory>
#include <mutex>
#include <string>
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

double dram_stream_fraction(const ChipConfig& chip) {
  const DramChoices choices{dram_scheduler_names(), dram_address_map_names()};
  DramSystemConfig config;
  config.dram = load_dram(chip.hbm.dram, {}, choices);
  config.channels = 1;
  config.interleave_bytes = chip.hbm.interleave_bytes;
  const std::unique_ptr<DramSystem> built = make_chip_dram_system(config, chip.source_path);
  DramSystem& system = *built;
  for (uint64_t addr = 0; addr < kStreamBytes; addr += kRequestBytes)
    system.submit(DramRequest{addr, kRequestBytes, false, 0});
  system.run();
  const double achieved = double(kStreamBytes) / (system.end_ps() * 1e-12);
  return achieved / system.peak_bytes_per_s();
}

}  // namespace

double hbm_sustained_fraction(const ChipConfig& chip) {
  if (chip.hbm.stream_efficiency > 0) return chip.hbm.stream_efficiency;
  if (chip.hbm.dram.empty()) return 1.0;
  static std::mutex mutex;
  static std::map<std::pair<std::string, uint32_t>, double> memo;
  const std::lock_guard<std::mutex> lock(mutex);
  const auto key = std::make_pair(chip.hbm.dram, chip.hbm.interleave_bytes);
  if (const auto it = memo.find(key); it != memo.end()) return it->second;
  const double fraction = dram_stream_fraction(chip);
  memo.emplace(key, fraction);
  return fraction;
}

double sustained_hbm_bytes_per_s(const ChipConfig& chip) {
  return chip.peak_hbm_bytes_per_s() * hbm_sustained_fraction(chip);
}

}  // namespace npusim
