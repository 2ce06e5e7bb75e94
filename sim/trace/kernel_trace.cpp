#include "sim/trace/kernel_trace.h"

#include <array>

#include "sim/base/error.h"

namespace npusim {
namespace {

constexpr std::array<std::string_view, kOpCount> kOpNames = {
    "MTE2",   "MTE1",     "MTE3",      "MMAD",         "FIXPIPE",   "VEC",
    "SCALAR", "SET_FLAG", "WAIT_FLAG", "PIPE_BARRIER", "CROSS_SET", "CROSS_WAIT"};
constexpr std::array<std::string_view, 3> kMte1ModeNames = {"plain", "im2col", "transpose"};

/// True if two instructions of the same op agree on every field that op uses. Fields an op
/// does not use are ignored, so an in-memory trace with leftovers in unused fields still
/// compares equal to what the reader makes of its written text.
bool same_instr(const Instr& x, const Instr& y) {
  if (x.op != y.op) return false;
  switch (x.op) {
    case Op::MTE2:
    case Op::MTE3:
      return x.src == y.src && x.dst == y.dst && x.bytes == y.bytes;
    case Op::MTE1:
      return x.src == y.src && x.dst == y.dst && x.bytes == y.bytes && x.mte1_mode == y.mte1_mode;
    case Op::FIXPIPE:
      return x.src == y.src && x.dst == y.dst && x.bytes == y.bytes && x.out_bytes == y.out_bytes;
    case Op::MMAD:
      return x.m == y.m && x.k == y.k && x.n == y.n && x.dtype == y.dtype && x.a == y.a &&
             x.b == y.b && x.c == y.c && x.accumulate == y.accumulate;
    case Op::VEC:
      return x.vec_op == y.vec_op && x.dtype == y.dtype && x.out_dtype == y.out_dtype &&
             x.elements == y.elements && x.repeat == y.repeat && x.rep_stride == y.rep_stride &&
             x.dst == y.dst && x.src == y.src && x.has_src1 == y.has_src1 &&
             (!x.has_src1 || x.src1 == y.src1);
    case Op::SCALAR:
      return x.cycles == y.cycles;
    case Op::SET_FLAG:
    case Op::WAIT_FLAG:
      return x.flag_src == y.flag_src && x.flag_dst == y.flag_dst && x.event_id == y.event_id;
    case Op::PIPE_BARRIER:
      return x.barrier_all == y.barrier_all && (x.barrier_all || x.pipe == y.pipe);
    case Op::CROSS_SET:
    case Op::CROSS_WAIT:
      return x.pipe == y.pipe && x.event_id == y.event_id;
  }
  throw InternalError("same_instr: unknown op");
}

}  // namespace

std::string_view name_of(Op op) {
  return kOpNames[static_cast<size_t>(op)];
}

std::string_view name_of(Mte1Mode m) {
  return kMte1ModeNames[static_cast<size_t>(m)];
}

uint64_t KernelTrace::instruction_count() const {
  uint64_t total = 0;
  for (const auto& core : cores) total += core.instrs.size();
  return total;
}

bool KernelTrace::same_content(const KernelTrace& other) const {
  if (name != other.name || attrs != other.attrs || cores.size() != other.cores.size())
    return false;
  for (size_t i = 0; i < cores.size(); ++i) {
    const CoreStream& x = cores[i];
    const CoreStream& y = other.cores[i];
    if (x.kind != y.kind || x.index != y.index || x.instrs.size() != y.instrs.size()) return false;
    for (size_t j = 0; j < x.instrs.size(); ++j)
      if (!same_instr(x.instrs[j], y.instrs[j])) return false;
  }
  return true;
}

}  // namespace npusim
