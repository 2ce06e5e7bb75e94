#pragma once
// What each trace instruction means for the hardware: which pipe executes it and which
// buffer bytes it reads and writes. Shared by the validator, the race checker and the model.

#include <array>
#include <cstddef>

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

/// The byte ranges of one instruction: at most four (an accumulating MMAD reads A, B and C
/// and writes C). A fixed array, because the model asks for them on every instruction.
class AccessList {
public:
  void push_back(const Access& a) { items_.at(count_++) = a; }
  [[nodiscard]] size_t size() const { return count_; }
  [[nodiscard]] bool empty() const { return count_ == 0; }
  [[nodiscard]] const Access& operator[](size_t i) const { return items_[i]; }
  [[nodiscard]] const Access* begin() const { return items_.data(); }
  [[nodiscard]] const Access* end() const { return items_.data() + count_; }

private:
  std::array<Access, 4> items_{};
  size_t count_ = 0;
};

/// The pipe whose queue receives the instruction on a core of kind `kind`.
/// SET_FLAG goes to its source pipe, WAIT_FLAG to its destination pipe, PIPE_BARRIER and the
/// cross-core ops to their `pipe`; SCALAR (and barrier_all) run on the scalar unit itself.
[[nodiscard]] Pipe execution_pipe(const Instr& instr, CoreKind kind);

/// Byte ranges the instruction reads and writes (empty for sync and scalar instructions).
[[nodiscard]] AccessList accesses(const Instr& instr, const CoreConfig& core);

/// FLOPs the instruction performs (MMAD: 2*m*k*n; VEC: elements * flops_per_element).
[[nodiscard]] double instruction_flops(const Instr& instr, const CoreConfig& core);

/// Elements a VEC instruction processes (from `elements`, or repeat * repeat_bytes / size).
[[nodiscard]] uint64_t vector_elements(const Instr& instr, const CoreConfig& core);

}  // namespace npusim
