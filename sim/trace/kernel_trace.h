#pragma once
// In-memory form of a kernel trace (format: docs/trace-format.md).
// A trace is one instruction stream per core. Instructions are flat records: each Op uses
// the fields its comment names and leaves the others at their defaults.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sim/base/types.h"

namespace npusim {

inline constexpr uint32_t kTraceFormatVersion = 1;

enum class Op : uint8_t {
  MTE2,          ///< src(GM) -> dst(L1|L0A|L0B|UB), bytes
  MTE1,          ///< src(L1) -> dst(L0A|L0B|UB), bytes, mte1_mode
  MTE3,          ///< src(UB) -> dst(GM|L1), bytes
  MMAD,          ///< m, k, n, dtype; a(L0A) b(L0B) c(L0C); accumulate
  FIXPIPE,       ///< src(L0C) -> dst(GM|L1|UB), bytes (read from L0C), out_bytes (written)
  VEC,           ///< vec_op, dtype, elements or repeat(+rep_stride); dst, src0, src1 (UB)
  SCALAR,        ///< cycles on the scalar unit
  SET_FLAG,      ///< flag_src -> flag_dst, event_id
  WAIT_FLAG,     ///< flag_src -> flag_dst, event_id
  PIPE_BARRIER,  ///< barrier_all, or pipe
  CROSS_SET,     ///< pipe (that issues it), event_id: sets the flag on the other cores of the group
  CROSS_WAIT,    ///< pipe (that waits), event_id
};
inline constexpr size_t kOpCount = 12;

[[nodiscard]] std::string_view name_of(Op op);

enum class Mte1Mode : uint8_t { plain, im2col, transpose };
[[nodiscard]] std::string_view name_of(Mte1Mode m);

/// A location: a buffer and a byte offset inside it.
struct BufRef {
  Buffer buffer = Buffer::GM;
  uint64_t addr = 0;
  bool operator==(const BufRef&) const = default;
};

struct Instr {
  Op op = Op::SCALAR;
  uint32_t line = 0;  ///< line in the trace file (0 if built in memory)

  // Data movement (MTE1/2/3, FIXPIPE)
  BufRef src, dst;
  uint64_t bytes = 0;
  uint64_t out_bytes = 0;  ///< FIXPIPE: bytes written (0 = same as bytes)
  Mte1Mode mte1_mode = Mte1Mode::plain;

  // MMAD
  uint32_t m = 0, k = 0, n = 0;
  DType dtype = DType::fp16;  ///< MMAD input type; VEC operand type
  BufRef a, b, c;
  bool accumulate = false;    ///< MMAD adds into existing L0C contents

  // VEC
  std::string vec_op;       ///< add, mul, exp, ... (names in the chip's vector.ops)
  uint64_t elements = 0;    ///< elements form (0 if the repeat form is used)
  uint32_t repeat = 0;      ///< repeat form: repeats of vector.repeat_bytes each
  uint32_t rep_stride = 0;  ///< repeat form: 32-byte blocks between repeats (0 = contiguous)
  DType out_dtype = DType::fp16;  ///< VEC destination type (cast); equals dtype otherwise
  bool has_src1 = false;    ///< VEC: binary op with a second source
  BufRef src1;              ///< VEC second source (first source is `src`)

  // SCALAR
  uint64_t cycles = 0;

  // Synchronisation
  Pipe flag_src = Pipe::SCALAR, flag_dst = Pipe::SCALAR;  ///< SET_FLAG/WAIT_FLAG
  uint32_t event_id = 0;      ///< SET/WAIT_FLAG, CROSS_SET/CROSS_WAIT
  Pipe pipe = Pipe::SCALAR;   ///< PIPE_BARRIER (unless barrier_all), CROSS_SET/CROSS_WAIT
  bool barrier_all = false;   ///< PIPE_BARRIER pipe=ALL

  bool operator==(const Instr&) const = default;
};

/// One core's program.
struct CoreStream {
  CoreKind kind = CoreKind::aicore;
  uint32_t index = 0;      ///< index among cores of that kind
  uint32_t line = 0;       ///< line of the `core` header
  std::vector<Instr> instrs;
  bool operator==(const CoreStream&) const = default;
};

struct KernelTrace {
  std::string path;    ///< file it was read from (for error messages); empty if generated
  std::string name;    ///< kernel name from the `kernel` line
  std::map<std::string, std::string> attrs;  ///< free key=value attributes of the kernel line
  std::vector<CoreStream> cores;

  [[nodiscard]] uint64_t instruction_count() const;
  /// Compares everything except `path` and source line numbers (Instr::line,
  /// CoreStream::line), and for each instruction only the fields its Op uses, so
  /// read(write(t)).same_content(t) holds for a trace built in memory.
  [[nodiscard]] bool same_content(const KernelTrace& other) const;
};

}  // namespace npusim
