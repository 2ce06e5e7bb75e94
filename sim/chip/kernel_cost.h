#pragma once
// Kernel cost cache: prices kernel specs ("gemm m=2048 n=4608 k=12288 dtype=bf16") on one chip
// for the cluster level. Results are memoised in memory and optionally on disk (JSON lines);
// large streaming kernels and very large GEMMs are simulated at two capped sizes and
// extrapolated; specs the chip model cannot run are priced by a roofline and flagged.
// Caps, measured errors, the disk format and the model version: docs/cost-cache.md.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "sim/chip/chip_simulator.h"
#include "sim/config/chip_config.h"

namespace npusim {

/// Bump whenever the chip model or the generators change results: it is part of every disk
/// key, so old cache files stop matching instead of serving stale numbers.
inline constexpr const char* kKernelCostModelVersion = "npusim-chip-5";

struct KernelCost {
  double time_s = 0;      ///< kernel wall time on the chip
  double energy_j = 0;    ///< dynamic + static energy of the kernel (chip model's ledger)
  double flops = 0;       ///< useful FLOPs of the kernel (from the spec, not padded tiles)
  double hbm_bytes = 0;   ///< HBM read + write bytes
  bool roofline = false;  ///< priced by the roofline fallback, not the chip model
  std::string note;       ///< why roofline, or how it was scaled; empty if simulated as is
};

struct KernelCostStats {
  uint64_t lookups = 0;
  uint64_t memory_hits = 0;
  uint64_t disk_hits = 0;
  uint64_t simulated = 0;  ///< specs priced with the chip model (scaled ones count once)
  uint64_t roofline = 0;   ///< specs priced by the roofline
  uint64_t chip_runs = 0;  ///< chip-model runs (two per scaled spec; shared samples once)
  double simulate_wall_s = 0;  ///< wall time spent generating and simulating traces
};

struct KernelCostOptions {
  std::string disk_dir;  ///< "" = in-memory only; else DIR/<chip-hash>.jsonl persists results
  bool simulate = true;  ///< false: every kernel priced by roofline (flagged)
};

/// The disk cache folder of a `--cost-cache` option: "none" -> "" (memory only), a folder as
/// given, "default" -> $NPUSIM_COST_CACHE, else $XDG_CACHE_HOME/npusim/costs, else
/// ~/.cache/npusim/costs. The folder is created.
[[nodiscard]] std::string cost_cache_folder(const std::string& option);

class KernelCostCache {
 public:
  KernelCostCache(const ChipConfig& chip, KernelCostOptions options = {});
  ~KernelCostCache();
  KernelCostCache(const KernelCostCache&) = delete;
  KernelCostCache& operator=(const KernelCostCache&) = delete;

  /// Prices a spec as accepted by generate_kernel. Memoised by the canonical spec (keys
  /// sorted, defaults dropped). An unknown kind, unknown key or malformed value is an
  /// InputError. The reference stays valid for the cache's lifetime.
  const KernelCost& price(const std::string& spec);
  [[nodiscard]] const KernelCostStats& stats() const;
  /// Every spec priced by roofline so far, with the reason (for the result's list).
  [[nodiscard]] std::vector<std::pair<std::string, std::string>> roofline_specs() const;

  /// Disk file of this chip (empty without disk_dir).
  [[nodiscard]] const std::string& disk_path() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Canonical form of a spec: kind, then key=value sorted by key, values equal to the
/// generator's default dropped. InputError for an unknown kind or key, a repeated key or a
/// token without '='.
[[nodiscard]] std::string canonical_kernel_spec(const std::string& spec);

/// Stable hash (FNV-1a 64) of everything that affects a chip's results: the model version
/// and the resolved chip config text. Names the disk file; 16 hex digits.
[[nodiscard]] std::string kernel_cost_chip_hash(const ChipConfig& chip);

/// The process's one chip simulator, built on first use. InternalError if the process
/// already simulates a different chip (the chip level runs one chip per process).
[[nodiscard]] ChipSimulator& shared_chip_simulator(const ChipConfig& chip);

/// Roofline price of a (valid) spec: time = max(compute / peak, HBM bytes / bandwidth).
[[nodiscard]] KernelCost roofline_kernel_cost(const std::string& spec, const ChipConfig& chip);

}  // namespace npusim
