#pragma once
// Cycle costs of single instructions, as pure functions of the instruction and the core
// config (no SystemC), so they can be tested against their formulas directly.

#include <cstdint>

#include "sim/config/chip_config.h"
#include "sim/trace/kernel_trace.h"

namespace npusim {

/// ceil(m/tile_m) * ceil(n/tile_n) * ceil(k/kstep): cycles of cube work in one MMAD.
[[nodiscard]] uint64_t mmad_compute_cycles(const Instr& mmad, const CubeConfig& cube);

/// Cycles the cube is occupied: compute cycles, but no fewer than min_issue_cycles.
[[nodiscard]] uint64_t mmad_issue_cycles(const Instr& mmad, const CubeConfig& cube);

/// Cycles the vector pipe is occupied: ceil(bytes / op rate), at least min_issue_cycles.
[[nodiscard]] uint64_t vector_issue_cycles(const Instr& vec, const CoreConfig& core);

/// Result latency of a vector op.
[[nodiscard]] uint32_t vector_latency_cycles(const Instr& vec, const CoreConfig& core);

/// The on-core copy path an MTE1/MTE3/FIXPIPE instruction uses, or nullptr when it goes
/// to or from GM (through the NoC).
[[nodiscard]] const PathConfig* local_path(const Instr& copy, const CorePaths& paths);

/// Cycles to stream `bytes` through a path of `bytes_per_cycle` (rounded up).
[[nodiscard]] uint64_t transfer_cycles(uint64_t bytes, double bytes_per_cycle);

}  // namespace npusim
