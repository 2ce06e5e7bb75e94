#pragma once
// The result of replaying one kernel trace on the chip model (documented in docs/results.md).

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "models/core/core_stats.h"
#include "models/power/energy_model.h"
#include "sim/base/types.h"

namespace npusim {

struct CoreResult {
  CoreKind kind = CoreKind::aicore;
  uint32_t index = 0;
  uint64_t cycles = 0;  ///< from kernel start to this core's last visible result
  std::array<double, kPipeCount> busy_fraction{};       ///< of the kernel's time
  std::array<double, kPipeCount> flag_wait_fraction{};  ///< of the kernel's time
  std::array<uint64_t, kPipeCount> instructions{};
  std::vector<PipeRecord> records;  ///< timeline (only with ChipRunOptions::timeline)
};

struct ChipRunResult {
  std::string chip;
  std::string kernel;
  std::string trace_path;
  double freq_mhz = 0;          ///< clock the cycles count at (the sustained clock if given)
  double nominal_freq_mhz = 0;  ///< datasheet clock, when freq_mhz is a lower sustained clock
  uint64_t cycles = 0;
  double time_s = 0;
  double start_ps = 0;  ///< absolute simulation time the kernel started (timeline origin)
  uint64_t instructions = 0;
  double flops = 0;         ///< cube + vector
  double cube_flops = 0;
  double vector_flops = 0;
  double achieved_tflops = 0;
  double peak_tflops = 0;   ///< cube peak for peak_dtype
  DType peak_dtype = DType::fp16;  ///< the dtype with most MACs in the kernel (fp16 if none)
  double hbm_peak_gbps = 0;
  /// What the HBM channels sustain (models/memory/hbm_sustained_rate.h).
  double hbm_sustained_gbps = 0;
  double hbm_achieved_gbps = 0;  ///< HBM read+write bytes / time
  double hbm_busy_fraction = 0;
  double l2_busy_fraction = 0;
  /// Busy fraction per pipe lane, averaged over the cores the kernel uses that have the pipe.
  std::map<std::string, double> pipes;
  /// Bytes per memory level and direction (keys in docs/results.md).
  std::map<std::string, uint64_t> bytes;
  EnergyBreakdown energy;
  double avg_power_w = 0;
  std::vector<CoreResult> cores;  ///< cores with a non-empty stream, in trace order
};

}  // namespace npusim
