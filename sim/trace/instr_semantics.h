#pragma once
// What each trace instruction means for the hardware: which pipe executes it and which
// buffer bytes it reads and writes. Shared by the validator, the race checker and the model.

#include <vector>

#include "sim/config/chip_config.h"
#include "sim/trace/kernel_trace.h"

namespace npusim {

/// One contiguous byte range an instruction reads or writes.
struct Access {
  Buffer buffer = Buffer::GM;
  uint64_t addr = 0;
  uint64_t bytes = 0;
  bool write = false;
};

/// The pipe whose queue receives the instruction on a core of kind `kind`.
/// SET_FLAG goes to its source pipe, WAIT_FLAG to its destination pipe, PIPE_BARRIER and the
/// cross-core ops to their `pipe`; SCALAR (and barrier_all) run on the scalar unit itself.
[[nodiscard]] Pipe execution_pipe(const Instr& instr, CoreKind kind);

/// Byte ranges the instruction reads and writes (empty for sync and scalar instructions).
[[nodiscard]] std::vector<Access> accesses(const Instr& instr, const CoreConfig& core);

/// FLOPs the instruction performs (MMAD: 2*m*k*n; VEC: elements * flops_per_element).
[[nodiscard]] double instruction_flops(const Instr& instr, const CoreConfig& core);

/// Elements a VEC instruction processes (from `elements`, or repeat * repeat_bytes / size).
[[nodiscard]] uint64_t vector_elements(const Instr& instr, const CoreConfig& core);

}  // namespace npusim
