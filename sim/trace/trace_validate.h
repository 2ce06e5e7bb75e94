#pragma once
// Checks a kernel trace against a chip: does every instruction make sense on the core it is
// written for? (The reader only checks syntax.)

#include "sim/config/chip_config.h"
#include "sim/trace/kernel_trace.h"

namespace npusim {

/// Checks that `trace` can run on `chip`:
///  - core sections: aicore only on coupled chips, aic/aiv only on split chips, index below
///    the chip's core count of that kind;
///  - every instruction's pipe exists on its core kind (SET_FLAG/WAIT_FLAG: both pipes, and
///    they differ); CROSS_SET/CROSS_WAIT only on split chips; event ids below core.event_ids;
///  - copy paths are legal for the chip's architecture (and present in core.paths where a
///    path is optional); MMAD operands in L0A/L0B/L0C, VEC operands in UB;
///  - every on-core buffer touched exists on the core kind and every byte range lies inside
///    the buffer's capacity;
///  - MMAD dtypes the cube supports (core.cube.k_per_cycle), VEC ops the chip knows
///    (core.vector.ops).
/// Throws InputError `path:line: what is wrong (expected ...)` for the first problem, in
/// trace order. Deadlocks (a WAIT_FLAG that never gets its SET_FLAG) are found by find_races.
void validate_trace(const KernelTrace& trace, const ChipConfig& chip);

}  // namespace npusim
