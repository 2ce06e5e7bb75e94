#include "sim/trace/instr_semantics.h"

#include <limits>

#include "sim/base/error.h"

namespace npusim {
namespace {

/// The vector unit addresses UB in 32-byte blocks; repeat strides count these blocks.
constexpr uint64_t kVecBlockBytes = 32;
constexpr uint64_t kMaxU64 = std::numeric_limits<uint64_t>::max();

/// a * b, saturating at UINT64_MAX. Sizes come straight from the trace text and are only
/// range-checked later (by validate_trace), so a huge count must not wrap to a small size
/// that would then pass the capacity check.
uint64_t sat_mul(uint64_t a, uint64_t b) {
  if (a != 0 && b > kMaxU64 / a) return kMaxU64;
  return a * b;
}

uint64_t sat_add(uint64_t a, uint64_t b) {
  return b > kMaxU64 - a ? kMaxU64 : a + b;
}

/// Bytes for `elements` values of `t`, rounded up to whole bytes, saturating.
uint64_t elem_bytes(DType t, uint64_t elements) {
  const uint64_t bits = sat_mul(elements, dtype_bits(t));
  return bits == kMaxU64 ? kMaxU64 : (bits + 7) / 8;
}

/// UB footprint of a repeat-form VEC operand whose repeats each cover `per_repeat_bytes`:
/// ((repeat - 1) * stride + blocks_per_repeat) blocks, stride 0 meaning back to back.
uint64_t repeat_footprint(const Instr& instr, uint64_t per_repeat_bytes) {
  const uint64_t blocks = (per_repeat_bytes + kVecBlockBytes - 1) / kVecBlockBytes;
  const uint64_t stride = instr.rep_stride != 0 ? instr.rep_stride : blocks;
  const uint64_t total_blocks = sat_add(sat_mul(instr.repeat - 1ULL, stride), blocks);
  return sat_mul(total_blocks, kVecBlockBytes);
}

void add(AccessList& out, const BufRef& where, uint64_t bytes, bool write) {
  out.push_back(Access{where.buffer, where.addr, bytes, write});
}

}  // namespace

Pipe execution_pipe(const Instr& instr, CoreKind kind) {
  switch (instr.op) {
    case Op::MTE1:
      return Pipe::MTE1;
    case Op::MTE2:
      return Pipe::MTE2;
    case Op::MTE3:
      return Pipe::MTE3;
    case Op::MMAD:
      return Pipe::CUBE;
    case Op::VEC:
      return Pipe::VECTOR;
    case Op::FIXPIPE:
      // Assumption: a coupled core (910A/310P) has no FixPipe unit; L0C -> UB moves through
      // the vector unit, so it occupies the VECTOR queue.
      return kind == CoreKind::aicore && instr.dst.buffer == Buffer::UB ? Pipe::VECTOR : Pipe::FIXP;
    case Op::SCALAR:
      return Pipe::SCALAR;
    case Op::SET_FLAG:
      return instr.flag_src;
    case Op::WAIT_FLAG:
      return instr.flag_dst;
    case Op::PIPE_BARRIER:
      return instr.barrier_all ? Pipe::SCALAR : instr.pipe;
    case Op::CROSS_SET:
    case Op::CROSS_WAIT:
      return instr.pipe;
  }
  throw InternalError("execution_pipe: unknown op");
}

AccessList accesses(const Instr& instr, const CoreConfig& core) {
  AccessList out;
  switch (instr.op) {
    case Op::MTE1:
    case Op::MTE2:
    case Op::MTE3:
      add(out, instr.src, instr.bytes, false);
      add(out, instr.dst, instr.bytes, true);
      break;
    case Op::FIXPIPE:
      add(out, instr.src, instr.bytes, false);
      add(out, instr.dst, instr.out_bytes != 0 ? instr.out_bytes : instr.bytes, true);
      break;
    case Op::MMAD: {
      const uint64_t mk = uint64_t{instr.m} * instr.k;
      const uint64_t kn = uint64_t{instr.k} * instr.n;
      const uint64_t mn = uint64_t{instr.m} * instr.n;
      const uint64_t c_bytes = elem_bytes(accumulator_dtype(instr.dtype), mn);
      add(out, instr.a, elem_bytes(instr.dtype, mk), false);
      add(out, instr.b, elem_bytes(instr.dtype, kn), false);
      if (instr.accumulate) add(out, instr.c, c_bytes, false);
      add(out, instr.c, c_bytes, true);
      break;
    }
    case Op::VEC: {
      uint64_t src_bytes = 0;
      uint64_t dst_bytes = 0;
      if (instr.elements != 0) {
        src_bytes = elem_bytes(instr.dtype, instr.elements);
        dst_bytes = elem_bytes(instr.out_dtype, instr.elements);
      } else {
        // A cast writes repeat_bytes of source elements as out_dtype, so the destination
        // repeat is scaled by the size ratio (identical for non-cast ops).
        const uint64_t dst_repeat_bytes = uint64_t{core.vector.repeat_bytes} *
                                          dtype_bits(instr.out_dtype) / dtype_bits(instr.dtype);
        src_bytes = repeat_footprint(instr, core.vector.repeat_bytes);
        dst_bytes = repeat_footprint(instr, dst_repeat_bytes);
      }
      add(out, instr.src, src_bytes, false);
      if (instr.has_src1) add(out, instr.src1, src_bytes, false);
      add(out, instr.dst, dst_bytes, true);
      break;
    }
    case Op::SCALAR:
    case Op::SET_FLAG:
    case Op::WAIT_FLAG:
    case Op::PIPE_BARRIER:
    case Op::CROSS_SET:
    case Op::CROSS_WAIT:
      break;
  }
  return out;
}

uint64_t vector_elements(const Instr& instr, const CoreConfig& core) {
  if (instr.op != Op::VEC) return 0;
  if (instr.elements != 0) return instr.elements;
  return sat_mul(instr.repeat, uint64_t{core.vector.repeat_bytes} * 8) / dtype_bits(instr.dtype);
}

double instruction_flops(const Instr& instr, const CoreConfig& core) {
  switch (instr.op) {
    case Op::MMAD:
      return 2.0 * double(instr.m) * double(instr.k) * double(instr.n);
    case Op::VEC: {
      const auto it = core.vector.ops.find(instr.vec_op);
      if (it == core.vector.ops.end())
        throw InternalError("instruction_flops: VEC op '" + instr.vec_op +
                            "' is not in the chip's vector.ops (run validate_trace first)");
      return double(vector_elements(instr, core)) * it->second.flops_per_element;
    }
    default:
      return 0;
  }
}

}  // namespace npusim
