#pragma once
// Read-after-write race checker for kernel traces (definition: docs/trace-format.md,
// "Race check").
//
// Within one core, instruction W races with a later instruction R when W writes an on-core
// buffer range, R reads an overlapping range on a different pipe, and nothing makes W happen
// before R. Happens-before comes from: program order within a pipe; SET_FLAG/WAIT_FLAG pairs
// (the k-th WAIT on (src, dst, id) takes the k-th SET); PIPE_BARRIER pipe=ALL; and the
// scalar unit, which dispatches in program order, so an instruction executed by the scalar
// unit (SCALAR, PIPE_BARRIER ALL, SET_FLAG src=SCALAR, WAIT_FLAG dst=SCALAR) happens before
// every later instruction.

#include <cstddef>
#include <string>
#include <vector>

#include "sim/config/chip_config.h"
#include "sim/trace/kernel_trace.h"

namespace npusim {

/// One unordered write -> read pair on one core.
struct Race {
  CoreKind core_kind = CoreKind::aicore;
  uint32_t core_index = 0;
  size_t writer_index = 0;   ///< index of the writer in the core's instruction list
  uint32_t writer_line = 0;  ///< its line in the trace file (0 if built in memory)
  Pipe writer_pipe = Pipe::SCALAR;
  size_t reader_index = 0;
  uint32_t reader_line = 0;
  Pipe reader_pipe = Pipe::SCALAR;
  Buffer buffer = Buffer::GM;
  uint64_t addr = 0;   ///< start of the overlap of the written and the read range
  uint64_t bytes = 0;  ///< size of that overlap
  bool operator==(const Race&) const = default;
};

/// All read-after-write races of the trace, each (writer, reader) pair once, ordered by core
/// (trace order), then reader, then writer. Only on-core buffers are checked (GM ordering
/// between cores is outside the model of a single core's pipes). Throws InputError
/// `path:line: ...` if a WAIT_FLAG can never be satisfied (the core would deadlock), since
/// nothing after it can then be ordered. Run validate_trace first: invalid traces give
/// meaningless results.
[[nodiscard]] std::vector<Race> find_races(const KernelTrace& trace, const ChipConfig& chip);

/// One line for a report: `path:reader_line: race on core aic 0: CUBE reads L0A [0x0, 0x2000)
/// written by MTE1 at line 8 (expected a SET_FLAG/WAIT_FLAG pair or PIPE_BARRIER ALL between
/// them)`.
[[nodiscard]] std::string format_race(const Race& race, const KernelTrace& trace);

}  // namespace npusim
