#pragma once
// Typed description of one chip, loaded from configs/chips/*.yaml (see docs/config.md).
// Every field is required in YAML unless its comment says "optional"; the loader never fills
// a silent default. Units are in the field names.

#include <array>
#include <cstdint>
#include <map>
#include <string>

#include "sim/base/types.h"

namespace npusim {

/// A copy path inside a core: sustained rate and the latency before the first byte lands.
struct PathConfig {
  double bytes_per_cycle = 0;
  uint32_t latency_cycles = 0;
};

struct CubeConfig {
  uint32_t tile_m = 0;  ///< rows per cube fractal (16)
  uint32_t tile_n = 0;  ///< columns per cube fractal (16)
  /// K elements consumed per cycle per dtype ("kstep"); a dtype absent here is unsupported.
  std::map<DType, uint32_t> k_per_cycle;
  uint32_t latency_cycles = 0;      ///< pipeline latency added once per MMAD (20)
  uint32_t min_issue_cycles = 0;    ///< fewest cycles between two MMAD issues
};

struct VectorOpCost {
  double bytes_per_cycle = 0;   ///< throughput, in bytes of the op's dtype per cycle
  uint32_t latency_cycles = 0;  ///< result latency after the last repeat issues
  double flops_per_element = 1;  ///< optional; for FLOP accounting (default 1)
};

struct VectorConfig {
  uint32_t repeat_bytes = 0;      ///< bytes processed per repeat (256)
  uint32_t min_issue_cycles = 0;  ///< fewest cycles between two vector issues
  std::map<std::string, VectorOpCost> ops;  ///< by op name: add, mul, exp, ...
};

struct ScalarConfig {
  uint32_t dispatch_cycles = 0;  ///< scalar-unit cycles to issue one instruction to a queue
};

/// Copy paths of a core, per core, in the core's clock.
struct CorePaths {
  PathConfig gm_read;    ///< core port into the NoC for MTE2 reads (L2-side rate)
  PathConfig gm_write;   ///< core port for MTE3/FIXPIPE writes to GM
  PathConfig l1_to_l0a;
  PathConfig l1_to_l0b;
  PathConfig l1_to_ub;   ///< coupled cores only (0 bytes_per_cycle = path absent)
  PathConfig ub_to_l1;   ///< coupled cores only
  PathConfig l0c_to_l1;  ///< FIXPIPE on split cores
  PathConfig l0c_to_ub;  ///< FIXPIPE on coupled cores
};

/// On-core buffer capacities in bytes. Sizes of 0 mean the buffer is absent.
struct BufferSizes {
  uint64_t l1 = 0, l0a = 0, l0b = 0, l0c = 0, ub = 0;
  [[nodiscard]] uint64_t of(Buffer b) const;
};

struct CoreConfig {
  uint32_t queue_depth = 0;  ///< instructions each pipe queue holds
  uint32_t event_ids = 0;    ///< SET_FLAG/WAIT_FLAG ids per (src, dst) pipe pair
  BufferSizes buffers;       ///< per core (on split chips: L1/L0* on AIC, UB on AIV)
  CubeConfig cube;
  VectorConfig vector;
  ScalarConfig scalar;
  CorePaths paths;
};

struct L2Config {
  uint64_t size_bytes = 0;      ///< per die
  uint32_t slices = 0;          ///< per die
  uint32_t ways = 0;
  uint32_t line_bytes = 0;
  double slice_bytes_per_cycle = 0;  ///< per slice, core clock
  uint32_t hit_latency_cycles = 0;
  uint32_t mshrs_per_slice = 0;      ///< read misses a slice can have in flight to HBM
};

struct HbmConfig {
  uint64_t capacity_bytes = 0;  ///< per die
  uint32_t channels = 0;        ///< per die
  double bandwidth_gbps = 0;    ///< GB/s (1e9 B/s) per die, all channels together
  double latency_ns = 0;        ///< added to an L2 miss
  uint32_t interleave_bytes = 0;  ///< address interleave between channels
  /// Optional: DRAM preset (configs/memory/<name>.yaml) or .yaml path describing the device
  /// behind these channels, for `npusim mem run`; empty when not given.
  std::string dram;
  /// Optional: fraction of bandwidth_gbps the channels sustain, in (0, 1]; 0 = not given (the
  /// DRAM model's stream rate when `dram` is set, else 1: models/memory/hbm_sustained_rate.h).
  double stream_efficiency = 0;
};

struct NocConfig {
  uint32_t latency_cycles = 0;  ///< one way, core to L2 slice: interface latency on any topology
  uint32_t request_bytes = 0;   ///< MTE transfers are split into requests of this size
  std::string topology;         ///< crossbar (latency only), mesh or ring
  uint32_t mesh_cols = 0;       ///< mesh: columns; ring: nodes (mesh and ring only)
  uint32_t mesh_rows = 0;       ///< mesh: rows (mesh only; 1 for a ring)
  double link_bytes_per_cycle = 0;  ///< per direction per link (mesh and ring only)
  uint32_t hop_latency_cycles = 0;  ///< per link crossed (mesh and ring only)
};

/// Die-to-die link (910C: two dies in one package). Optional: absent on single-die chips.
struct DieLinkConfig {
  double bandwidth_gbps = 0;  ///< GB/s per direction
  double latency_ns = 0;
};

struct EnergyConfig {
  std::map<DType, double> cube_pj_per_mac;
  double vector_pj_per_byte = 0;   ///< per byte of vector operand processed
  double scalar_pj_per_instr = 0;
  std::map<Buffer, double> buffer_pj_per_byte;  ///< L1, L0A, L0B, L0C, UB reads+writes
  double l2_pj_per_byte = 0;
  double hbm_pj_per_byte = 0;
  double noc_pj_per_byte = 0;
  double die_link_pj_per_byte = 0;  ///< optional (0 on single-die chips)
  double static_w_per_aic = 0;      ///< per AI core (aicore or aic)
  double static_w_per_aiv = 0;      ///< per vector core (0 on coupled chips)
  double static_w_uncore = 0;       ///< per die: L2, NoC, HBM PHY, control
};

struct ChipConfig {
  std::string name;         ///< preset name (file stem)
  std::string description;
  std::string source_path;  ///< file it was loaded from
  bool split = false;       ///< arch: split (AIC + AIV) or coupled (aicore)
  double freq_mhz = 0;             ///< nominal (boost) clock: peaks and MFU are quoted at it
  double sustained_freq_mhz = 0;   ///< clock under sustained load; 0 = freq_mhz
  uint32_t dies = 1;
  uint32_t cube_cores = 0;    ///< per die: aicore (coupled) or aic (split)
  uint32_t vector_cores = 0;  ///< per die: aiv (split), 0 on coupled chips
  CoreConfig core;
  L2Config l2;
  HbmConfig hbm;
  NocConfig noc;
  DieLinkConfig die_link;
  EnergyConfig energy;

  /// Clock the model runs at: the sustained clock when the preset gives one.
  [[nodiscard]] double clock_mhz() const {
    return sustained_freq_mhz > 0 ? sustained_freq_mhz : freq_mhz;
  }
  [[nodiscard]] double cycle_ps() const { return 1e6 / clock_mhz(); }
  /// Cores of a kind on the whole chip (all dies).
  [[nodiscard]] uint32_t core_count(CoreKind k) const;
  /// Peak cube throughput in FLOP/s for a dtype at the nominal clock, as datasheets quote it
  /// (0 if the cube does not support it).
  [[nodiscard]] double peak_flops(DType t) const;
  /// The same peak at the clock the model runs at (clock_mhz).
  [[nodiscard]] double sustained_peak_flops(DType t) const {
    return peak_flops(t) * clock_mhz() / freq_mhz;
  }
  /// Peak HBM bandwidth of the whole chip in bytes/s.
  [[nodiscard]] double peak_hbm_bytes_per_s() const { return hbm.bandwidth_gbps * 1e9 * dies; }
};

}  // namespace npusim
