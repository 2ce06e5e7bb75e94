#include "models/core/instr_timing.h"

#include <algorithm>
#include <cmath>

#include "sim/base/error.h"
#include "sim/trace/instr_semantics.h"

namespace npusim {
namespace {
uint64_t ceil_div(uint64_t a, uint64_t b) { return (a + b - 1) / b; }
}  // namespace

uint64_t mmad_compute_cycles(const Instr& mmad, const CubeConfig& cube) {
  const auto kstep = cube.k_per_cycle.find(mmad.dtype);
  if (kstep == cube.k_per_cycle.end() || kstep->second == 0)
    throw InternalError("MMAD dtype without a cube rate reached the model");
  return ceil_div(mmad.m, cube.tile_m) * ceil_div(mmad.n, cube.tile_n) *
         ceil_div(mmad.k, kstep->second);
}

uint64_t mmad_issue_cycles(const Instr& mmad, const CubeConfig& cube) {
  return std::max<uint64_t>(mmad_compute_cycles(mmad, cube), cube.min_issue_cycles);
}

uint64_t vector_issue_cycles(const Instr& vec, const CoreConfig& core) {
  const auto op = core.vector.ops.find(vec.vec_op);
  if (op == core.vector.ops.end()) throw InternalError("unknown vector op reached the model");
  const uint64_t bytes = vec.repeat > 0 ? uint64_t(vec.repeat) * core.vector.repeat_bytes
                                        : dtype_bytes(vec.dtype, vec.elements);
  return std::max<uint64_t>(transfer_cycles(bytes, op->second.bytes_per_cycle),
                            core.vector.min_issue_cycles);
}

uint32_t vector_latency_cycles(const Instr& vec, const CoreConfig& core) {
  return core.vector.ops.at(vec.vec_op).latency_cycles;
}

const PathConfig* local_path(const Instr& copy, const CorePaths& paths) {
  const Buffer src = copy.src.buffer, dst = copy.dst.buffer;
  if (src == Buffer::GM || dst == Buffer::GM) return nullptr;
  if (src == Buffer::L1 && dst == Buffer::L0A) return &paths.l1_to_l0a;
  if (src == Buffer::L1 && dst == Buffer::L0B) return &paths.l1_to_l0b;
  if (src == Buffer::L1 && dst == Buffer::UB) return &paths.l1_to_ub;
  if (src == Buffer::UB && dst == Buffer::L1) return &paths.ub_to_l1;
  if (src == Buffer::L0C && dst == Buffer::L1) return &paths.l0c_to_l1;
  if (src == Buffer::L0C && dst == Buffer::UB) return &paths.l0c_to_ub;
  throw InternalError("copy path without a rate reached the model (the validator checks paths)");
}

uint64_t transfer_cycles(uint64_t bytes, double bytes_per_cycle) {
  if (bytes_per_cycle <= 0) throw InternalError("copy over a path with no bandwidth");
  return static_cast<uint64_t>(std::ceil(double(bytes) / bytes_per_cycle - 1e-9));
}

}  // namespace npusim
