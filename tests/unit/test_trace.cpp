// Kernel trace v1: reader, writer, semantics, chip validation and race checker.

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <string>

#include "sim/base/error.h"
#include "sim/trace/instr_semantics.h"
#include "sim/trace/race_check.h"
#include "sim/trace/trace_reader.h"
#include "sim/trace/trace_validate.h"
#include "sim/trace/trace_writer.h"

using namespace npusim;

namespace {

constexpr uint64_t KiB = 1024;

/// A small coupled chip (910A-like numbers): the fields the trace code reads.
ChipConfig coupled_chip() {
  ChipConfig chip;
  chip.name = "test-coupled";
  chip.split = false;
  chip.freq_mhz = 1000;
  chip.dies = 1;
  chip.cube_cores = 2;
  chip.vector_cores = 0;
  CoreConfig& core = chip.core;
  core.queue_depth = 32;
  core.event_ids = 4;
  core.buffers = BufferSizes{1024 * KiB, 64 * KiB, 64 * KiB, 256 * KiB, 256 * KiB};
  core.cube.tile_m = 16;
  core.cube.tile_n = 16;
  core.cube.k_per_cycle = {{DType::fp16, 16}, {DType::int8, 32}};
  core.vector.repeat_bytes = 256;
  core.vector.ops = {{"add", {256, 6, 1}},
                     {"mul", {256, 7, 1}},
                     {"relu", {256, 6, 1}},
                     {"exp", {64, 14, 4}},
                     {"cast", {256, 6, 1}}};
  core.paths.l1_to_ub = {128, 10};
  core.paths.ub_to_l1 = {128, 10};
  core.paths.l0c_to_ub = {256, 10};
  return chip;
}

/// A small split chip (910B-like numbers): 2 AIC + 4 AIV.
ChipConfig split_chip() {
  ChipConfig chip = coupled_chip();
  chip.name = "test-split";
  chip.split = true;
  chip.cube_cores = 2;
  chip.vector_cores = 4;
  chip.core.event_ids = 8;
  chip.core.buffers = BufferSizes{512 * KiB, 64 * KiB, 64 * KiB, 128 * KiB, 192 * KiB};
  chip.core.cube.k_per_cycle = {
      {DType::fp16, 16}, {DType::bf16, 16}, {DType::int8, 32}, {DType::fp32, 4}};
  chip.core.paths.l1_to_ub = {};
  chip.core.paths.ub_to_l1 = {};
  chip.core.paths.l0c_to_ub = {};
  chip.core.paths.l0c_to_l1 = {128, 10};
  return chip;
}

/// The message of the InputError that reading `text` (as "t.trace") throws, or "" if none.
std::string read_error(const std::string& text) {
  try {
    (void)read_trace(text, "t.trace");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

std::string validate_error(const std::string& text, const ChipConfig& chip) {
  const KernelTrace trace = read_trace(text, "t.trace");
  try {
    validate_trace(trace, chip);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

std::vector<Race> races_of(const std::string& text, const ChipConfig& chip) {
  const KernelTrace trace = read_trace(text, "t.trace");
  validate_trace(trace, chip);
  return find_races(trace, chip);
}

const std::string kHead = "npusim-trace 1\ncore aic 0\n";  // instructions start on line 3
const std::string kCoupledHead = "npusim-trace 1\ncore aicore 0\n";

// Canonical text (exactly what the writer emits) using every op and every option.
const std::string kAllOps =
    "npusim-trace 1\n"
    "kernel all_ops dtype=fp16 m=128 note=a=b#c\n"
    "\n"
    "core aicore 0\n"
    "MTE2 src=GM:0x0 dst=L1:0x0 bytes=32768\n"
    "MTE1 src=L1:0x0 dst=L0A:0x0 bytes=16384\n"
    "MTE1 src=L1:0x4000 dst=L0B:0x0 bytes=16384 mode=im2col\n"
    "MTE1 src=L1:0x8000 dst=UB:0x0 bytes=256 mode=transpose\n"
    "MMAD m=128 k=64 n=128 dtype=fp16 a=L0A:0x0 b=L0B:0x0 c=L0C:0x0 acc=0\n"
    "MMAD m=16 k=32 n=16 dtype=int8 a=L0A:0x0 b=L0B:0x0 c=L0C:0x0 acc=1\n"
    "FIXPIPE src=L0C:0x0 dst=GM:0x100000 bytes=65536\n"
    "FIXPIPE src=L0C:0x0 dst=UB:0x0 bytes=65536 out_bytes=32768\n"
    "VEC op=add dtype=fp16 elems=4096 dst=UB:0x0 src0=UB:0x2000 src1=UB:0x4000\n"
    "VEC op=exp dtype=fp32 repeat=8 dst=UB:0x0 src0=UB:0x2000\n"
    "VEC op=cast dtype=fp16 repeat=8 rep_stride=16 dst=UB:0x0 src0=UB:0x2000 out_dtype=fp32\n"
    "MTE3 src=UB:0x0 dst=GM:0x200000 bytes=8192\n"
    "SCALAR cycles=12\n"
    "SET_FLAG src=MTE1 dst=CUBE id=0\n"
    "WAIT_FLAG src=MTE1 dst=CUBE id=0\n"
    "PIPE_BARRIER pipe=VECTOR\n"
    "PIPE_BARRIER pipe=ALL\n"
    "\n"
    "core aic 1\n"
    "CROSS_SET pipe=FIXP id=3\n"
    "\n"
    "core aiv 2\n"
    "CROSS_WAIT pipe=VECTOR id=3\n";

}  // namespace

// ---- reader and writer ------------------------------------------------------------------

TEST_CASE("canonical text round-trips byte for byte") {
  const KernelTrace trace = read_trace(kAllOps, "all.trace");
  CHECK(trace.path == "all.trace");
  CHECK(trace.name == "all_ops");
  CHECK(trace.attrs.at("note") == "a=b#c");
  REQUIRE(trace.cores.size() == 3);
  CHECK(trace.instruction_count() == 19);
  CHECK(write_trace(trace) == kAllOps);
}

TEST_CASE("reader fills the IR fields") {
  const KernelTrace t = read_trace(kAllOps, "all.trace");
  const auto& ins = t.cores[0].instrs;
  CHECK(t.cores[0].kind == CoreKind::aicore);
  CHECK(t.cores[0].line == 4);
  CHECK(ins[0].line == 5);
  CHECK(ins[2].mte1_mode == Mte1Mode::im2col);
  CHECK(ins[4].m == 128);
  CHECK(ins[4].c == BufRef{Buffer::L0C, 0});
  CHECK(ins[5].accumulate);
  CHECK(ins[7].out_bytes == 32768);
  CHECK(ins[8].has_src1);
  CHECK(ins[8].src == BufRef{Buffer::UB, 0x2000});
  CHECK(ins[8].out_dtype == DType::fp16);  // defaults to dtype
  CHECK(ins[10].rep_stride == 16);
  CHECK(ins[10].out_dtype == DType::fp32);
  CHECK(ins[13].flag_src == Pipe::MTE1);
  CHECK(ins[13].flag_dst == Pipe::CUBE);
  CHECK(ins[15].pipe == Pipe::VECTOR);
  CHECK(ins[16].barrier_all);
  CHECK(t.cores[1].instrs[0].event_id == 3);
}

TEST_CASE("non-canonical text reads and writes canonically") {
  const std::string messy =
      "# a comment before the header\n"
      "\t npusim-trace   1   # header comment\n"
      "\n"
      "kernel  k1   m=128 dtype=fp16\n"
      "core aicore 0\r\n"
      "  MTE2 bytes=32768 dst=L1:0 src=GM:0x0\r\n"
      "MTE1 src=L1:0x0 dst=L0A:16 bytes=0x4000 mode=plain   # explicit default\n"
      "SET_FLAG id=1 src=MTE1 dst=M\n"
      "WAIT_FLAG src=MTE1 dst=M id=1\n"
      "PIPE_BARRIER pipe=V\n"
      "SET_FLAG src=S dst=FIX id=0\n"
      "VEC op=relu dtype=fp16 elems=16 src0=UB:0x20 dst=UB:0x0 out_dtype=fp16\n"
      "MMAD n=16 m=16 k=16 dtype=bf16 c=L0C:0 b=L0B:0 a=L0A:0\n";
  const std::string canonical =
      "npusim-trace 1\n"
      "kernel k1 dtype=fp16 m=128\n"
      "\n"
      "core aicore 0\n"
      "MTE2 src=GM:0x0 dst=L1:0x0 bytes=32768\n"
      "MTE1 src=L1:0x0 dst=L0A:0x10 bytes=16384\n"
      "SET_FLAG src=MTE1 dst=CUBE id=1\n"
      "WAIT_FLAG src=MTE1 dst=CUBE id=1\n"
      "PIPE_BARRIER pipe=VECTOR\n"
      "SET_FLAG src=SCALAR dst=FIXP id=0\n"
      "VEC op=relu dtype=fp16 elems=16 dst=UB:0x0 src0=UB:0x20\n"
      "MMAD m=16 k=16 n=16 dtype=bf16 a=L0A:0x0 b=L0B:0x0 c=L0C:0x0 acc=0\n";
  const std::string once = write_trace(read_trace(messy, "m.trace"));
  CHECK(once == canonical);
  CHECK(write_trace(read_trace(once, "m.trace")) == once);
}

TEST_CASE("read(write(ir)) has the same content as an in-memory trace") {
  KernelTrace ir;
  ir.name = "gen";
  ir.attrs = {{"m", "64"}, {"layout", "nz"}};
  CoreStream aic{CoreKind::aic, 1, 0, {}};
  Instr copy;
  copy.op = Op::MTE2;
  copy.src = {Buffer::GM, 0x1000};
  copy.dst = {Buffer::L1, 0x40};
  copy.bytes = 512;
  copy.vec_op = "left over";  // unused by MTE2: ignored by the writer and same_content
  aic.instrs.push_back(copy);
  Instr mmad;
  mmad.op = Op::MMAD;
  mmad.m = 16;
  mmad.k = 32;
  mmad.n = 48;
  mmad.dtype = DType::int8;
  mmad.a = {Buffer::L0A, 0};
  mmad.b = {Buffer::L0B, 0x200};
  mmad.c = {Buffer::L0C, 0x400};
  mmad.accumulate = true;
  aic.instrs.push_back(mmad);
  Instr fix;
  fix.op = Op::FIXPIPE;
  fix.src = {Buffer::L0C, 0};
  fix.dst = {Buffer::GM, 0xabc000};
  fix.bytes = 4096;
  aic.instrs.push_back(fix);
  Instr barrier;
  barrier.op = Op::PIPE_BARRIER;
  barrier.barrier_all = true;
  barrier.pipe = Pipe::CUBE;  // ignored when barrier_all
  aic.instrs.push_back(barrier);
  CoreStream aiv{CoreKind::aiv, 3, 0, {}};
  Instr vec;
  vec.op = Op::VEC;
  vec.vec_op = "mul";
  vec.dtype = DType::fp32;
  vec.out_dtype = DType::fp32;
  vec.repeat = 4;
  vec.dst = {Buffer::UB, 0};
  vec.src = {Buffer::UB, 0x100};
  vec.src1 = {Buffer::UB, 0x999};  // has_src1 false: ignored
  aiv.instrs.push_back(vec);
  Instr wait;
  wait.op = Op::WAIT_FLAG;
  wait.flag_src = Pipe::MTE2;
  wait.flag_dst = Pipe::VECTOR;
  wait.event_id = 7;
  aiv.instrs.push_back(wait);
  ir.cores = {aic, aiv};

  const std::string text = write_trace(ir);
  const KernelTrace back = read_trace(text, "gen.trace");
  CHECK(back.same_content(ir));
  CHECK(ir.same_content(back));
  CHECK(write_trace(back) == text);

  KernelTrace changed = back;
  changed.cores[1].instrs[1].event_id = 6;
  CHECK_FALSE(changed.same_content(ir));
}

TEST_CASE("writer refuses traces the reader would reject") {
  KernelTrace ir;
  ir.cores.push_back(CoreStream{CoreKind::aic, 0, 0, {}});
  Instr copy;
  copy.op = Op::MTE2;
  ir.cores[0].instrs.push_back(copy);  // bytes = 0
  CHECK_THROWS_AS(write_trace(ir), InternalError);
  ir.cores[0].instrs[0].bytes = 4;
  CHECK_NOTHROW(write_trace(ir));
  ir.name = "has space";
  CHECK_THROWS_AS(write_trace(ir), InternalError);
  ir.name = "ok";
  ir.cores.push_back(ir.cores[0]);  // duplicate core section
  CHECK_THROWS_AS(write_trace(ir), InternalError);
}

TEST_CASE("empty core sections and an empty trace are fine") {
  const KernelTrace t = read_trace("npusim-trace 1\ncore aiv 0\ncore aiv 1\n", "e.trace");
  CHECK(t.cores.size() == 2);
  CHECK(t.instruction_count() == 0);
  CHECK(write_trace(KernelTrace{}) == "npusim-trace 1\n");
}

TEST_CASE("syntax errors name path, line and column of the offending token") {
  struct Case {
    std::string text;
    std::string prefix;   // exact start of the message
    std::string snippet;  // part of the rest
  };
  const std::vector<Case> cases = {
      {"", "t.trace:1:1: ", "empty trace (expected header 'npusim-trace 1')"},
      {"# only a comment\n\n", "t.trace:1:1: ", "empty trace"},
      {"core aic 0\n", "t.trace:1:1: ", "missing header (expected 'npusim-trace 1'"},
      {"npusim-trace 2\n", "t.trace:1:14: ", "unsupported trace format version '2' (expected 1)"},
      {"npusim-trace\n", "t.trace:1:1: ", "header without a format version"},
      {"npusim-trace 1 extra\n", "t.trace:1:16: ", "unexpected 'extra' (expected end of line)"},
      {"npusim-trace 1\nnpusim-trace 1\n", "t.trace:2:1: ", "duplicate header"},
      {"npusim-trace 1\nMTE2 src=GM:0x0 dst=L1:0x0 bytes=4\n",
       "t.trace:2:1: ", "instruction before the first core section"},
      {"npusim-trace 1\ncore aix 0\n",
       "t.trace:2:6: ", "unknown core kind 'aix' (did you mean 'aic'?)"},
      {"npusim-trace 1\ncore gpu 0\n",
       "t.trace:2:6: ", "unknown core kind 'gpu' (expected one of aicore, aic, aiv)"},
      {"npusim-trace 1\ncore aic\n", "t.trace:2:1: ", "core line without an index"},
      {"npusim-trace 1\ncore\n", "t.trace:2:1: ", "core line without kind and index"},
      {"npusim-trace 1\ncore aic -1\n", "t.trace:2:10: ", "bad core index '-1'"},
      {"npusim-trace 1\ncore aic 0 x\n", "t.trace:2:12: ", "unexpected 'x'"},
      {kHead + "core aic 0\n", "t.trace:3:1: ", "duplicate core section 'aic 0' (first at line 2"},
      {kHead + "kernel k\n", "t.trace:3:1: ", "kernel line after a core section"},
      {"npusim-trace 1\nkernel a\nkernel b\n",
       "t.trace:3:1: ", "duplicate kernel line (first at line 2"},
      {"npusim-trace 1\nkernel\n", "t.trace:2:1: ", "kernel line without a name"},
      {"npusim-trace 1\nkernel m=1\n", "t.trace:2:1: ", "kernel line without a name"},
      {"npusim-trace 1\nkernel k m=1 m=2\n", "t.trace:2:14: ", "duplicate kernel attribute 'm'"},
      {"npusim-trace 1\nkernel k junk\n", "t.trace:2:10: ", "expected key=value, got 'junk'"},
      {kHead + "MMDA m=1\n", "t.trace:3:1: ", "unknown instruction 'MMDA' (did you mean 'MMAD'?)"},
      {kHead + "mte2 src=GM:0x0\n",
       "t.trace:3:1: ", "unknown instruction 'mte2' (did you mean 'MTE2'?)"},
      {kHead + "cores aic 1\n",
       "t.trace:3:1: ", "unknown instruction 'cores' (did you mean 'core'?)"},
      {kHead + "FOO\n", "t.trace:3:1: ", "unknown instruction 'FOO' (expected one of MTE2, MTE1"},
      {kHead + "MTE2 src=GM:0x0 dst=L1:0x0 byts=4\n",
       "t.trace:3:28: ", "unknown key 'byts' for MTE2 (did you mean 'bytes'?)"},
      {kHead + "MTE2 src=GM:0x0 dst=L1:0x0 bytes=4 mode=im2col\n",
       "t.trace:3:36: ", "unknown key 'mode' for MTE2 (expected one of src, dst, bytes)"},
      {kHead + "MTE2 src=GM:0x0 dst=L1:0x0\n",
       "t.trace:3:1: ", "MTE2 is missing key 'bytes' (expected src, dst, bytes)"},
      {kHead + "MTE2 src=GM:0x0 src=GM:0x0 dst=L1:0x0 bytes=4\n",
       "t.trace:3:17: ", "duplicate key 'src'"},
      {kHead + "MTE2 src=GM:0x0 dst=L1:0x0 bytes=4 junk\n",
       "t.trace:3:36: ", "expected key=value, got 'junk'"},
      {kHead + "MTE2 src=GM:0x0 dst=L1:0x0 bytes=\n", "t.trace:3:28: ", "expected key=value"},
      {kHead + "MTE2 src=GM:0x0 dst=L1:0x0 bytes=12k\n",
       "t.trace:3:28: ", "bad value '12k' for bytes (expected a non-negative integer"},
      {kHead + "MTE2 src=GM:0x0 dst=L1:0x0 bytes=4#x\n", "t.trace:3:28: ", "bad value '4#x'"},
      {kHead + "MTE2 src=GM:0x0 dst=L1:0x0 bytes=0\n",
       "t.trace:3:28: ", "bytes=0 is empty (expected a positive count)"},
      {kHead + "MTE2 src=GM:0x0 dst=L2:0x0 bytes=4\n",
       "t.trace:3:17: ", "unknown buffer 'L2' in dst (did you mean"},
      {kHead + "MTE2 src=GM:0x0 dst=L1 bytes=4\n",
       "t.trace:3:17: ", "bad location 'L1' for dst (expected BUFFER:ADDRESS"},
      {kHead + "MTE2 src=GM:0xZZ dst=L1:0x0 bytes=4\n",
       "t.trace:3:6: ", "bad address '0xZZ' in src"},
      {kHead + "MTE1 src=L1:0x0 dst=L0A:0x0 bytes=4 mode=im2cl\n",
       "t.trace:3:37: ", "unknown MTE1 mode 'im2cl' (did you mean 'im2col'?)"},
      {kHead + "MMAD m=0 k=1 n=1 dtype=fp16 a=L0A:0 b=L0B:0 c=L0C:0\n",
       "t.trace:3:6: ", "m=0 is empty"},
      {kHead + "MMAD m=5000000000 k=1 n=1 dtype=fp16 a=L0A:0 b=L0B:0 c=L0C:0\n",
       "t.trace:3:6: ", "value 5000000000 for m is too large"},
      {kHead + "MMAD m=1 k=1 n=1 dtype=fp61 a=L0A:0 b=L0B:0 c=L0C:0\n",
       "t.trace:3:18: ", "unknown dtype 'fp61' in dtype (did you mean 'fp16'?)"},
      {kHead + "MMAD m=1 k=1 n=1 dtype=fp16 a=L0A:0 b=L0B:0 c=L0C:0 acc=2\n",
       "t.trace:3:53: ", "bad value '2' for acc (expected 0 or 1)"},
      {kHead + "VEC op=add dtype=fp16 elems=0 dst=UB:0 src0=UB:0\n",
       "t.trace:3:23: ", "elems=0 is empty"},
      {kHead + "VEC op=add dtype=fp16 repeat=0 dst=UB:0 src0=UB:0\n",
       "t.trace:3:23: ", "repeat=0 is empty"},
      {kHead + "VEC op=add dtype=fp16 elems=8 repeat=1 dst=UB:0 src0=UB:0\n",
       "t.trace:3:31: ", "VEC takes elems or repeat, not both"},
      {kHead + "VEC op=add dtype=fp16 dst=UB:0 src0=UB:0\n",
       "t.trace:3:1: ", "VEC is missing key 'elems' or 'repeat'"},
      {kHead + "VEC op=add dtype=fp16 elems=8 rep_stride=2 dst=UB:0 src0=UB:0\n",
       "t.trace:3:31: ", "rep_stride only applies with repeat"},
      {kHead + "VEC op=add dtype=fp16 elems=8 dst=UB:0\n",
       "t.trace:3:1: ", "VEC is missing key 'src0' (expected op, dtype, dst, src0)"},
      {kHead + "SET_FLAG src=MTE4 dst=CUBE id=0\n", "t.trace:3:10: ", "unknown pipe 'MTE4' in src"},
      {kHead + "SET_FLAG src=MTE2 dst=CUBE id=x\n", "t.trace:3:28: ", "bad value 'x' for id"},
      {kHead + "PIPE_BARRIER pipe=AL\n",
       "t.trace:3:14: ", "unknown pipe 'AL' in pipe (did you mean 'ALL'?)"},
      {kHead + "CROSS_SET pipe=FIXP\n", "t.trace:3:1: ", "CROSS_SET is missing key 'id'"},
      {kHead + "SCALAR cycles=-3\n", "t.trace:3:8: ", "bad value '-3' for cycles"},
  };
  for (const auto& c : cases) {
    INFO("input:\n" << c.text);
    const std::string message = read_error(c.text);
    CHECK_THAT(message, Catch::Matchers::StartsWith(c.prefix));
    CHECK_THAT(message, Catch::Matchers::Contains(c.snippet));
  }
}

TEST_CASE("reading a missing file is an InputError naming the file") {
  const auto missing = std::filesystem::temp_directory_path() / "npusim-no-such.trace";
  try {
    (void)read_trace_file(missing);
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    CHECK_THAT(e.what(), Catch::Matchers::StartsWith(missing.string() + ": cannot open"));
  }
}

TEST_CASE("trace files round-trip through the file functions") {
  const auto path = std::filesystem::temp_directory_path() / "npusim-test-trace-roundtrip.trace";
  const KernelTrace trace = read_trace(kAllOps, "all.trace");
  write_trace_file(trace, path);
  const KernelTrace back = read_trace_file(path);
  CHECK(back.path == path.string());
  CHECK(back.same_content(trace));
  std::filesystem::remove(path);
}

// ---- semantics --------------------------------------------------------------------------

TEST_CASE("execution pipes") {
  const KernelTrace t = read_trace(kAllOps, "all.trace");
  const auto& ins = t.cores[0].instrs;
  CHECK(execution_pipe(ins[0], CoreKind::aicore) == Pipe::MTE2);
  CHECK(execution_pipe(ins[1], CoreKind::aicore) == Pipe::MTE1);
  CHECK(execution_pipe(ins[4], CoreKind::aicore) == Pipe::CUBE);
  CHECK(execution_pipe(ins[6], CoreKind::aicore) == Pipe::FIXP);    // L0C -> GM
  CHECK(execution_pipe(ins[7], CoreKind::aicore) == Pipe::VECTOR);  // L0C -> UB, coupled
  CHECK(execution_pipe(ins[7], CoreKind::aic) == Pipe::FIXP);
  CHECK(execution_pipe(ins[8], CoreKind::aicore) == Pipe::VECTOR);
  CHECK(execution_pipe(ins[11], CoreKind::aicore) == Pipe::MTE3);
  CHECK(execution_pipe(ins[12], CoreKind::aicore) == Pipe::SCALAR);
  CHECK(execution_pipe(ins[13], CoreKind::aicore) == Pipe::MTE1);  // SET_FLAG: src
  CHECK(execution_pipe(ins[14], CoreKind::aicore) == Pipe::CUBE);  // WAIT_FLAG: dst
  CHECK(execution_pipe(ins[15], CoreKind::aicore) == Pipe::VECTOR);
  CHECK(execution_pipe(ins[16], CoreKind::aicore) == Pipe::SCALAR);  // barrier ALL
  CHECK(execution_pipe(t.cores[1].instrs[0], CoreKind::aic) == Pipe::FIXP);
  CHECK(execution_pipe(t.cores[2].instrs[0], CoreKind::aiv) == Pipe::VECTOR);
}

TEST_CASE("accesses, elements and flops") {
  const ChipConfig chip = coupled_chip();
  const KernelTrace t = read_trace(kAllOps, "all.trace");
  const auto& ins = t.cores[0].instrs;

  const auto copy = accesses(ins[0], chip.core);
  REQUIRE(copy.size() == 2);
  CHECK(copy[0].buffer == Buffer::GM);
  CHECK_FALSE(copy[0].write);
  CHECK(copy[1].buffer == Buffer::L1);
  CHECK(copy[1].bytes == 32768);
  CHECK(copy[1].write);

  const auto mmad = accesses(ins[4], chip.core);  // 128x64x128 fp16, no acc
  REQUIRE(mmad.size() == 3);
  CHECK(mmad[0].bytes == 128 * 64 * 2);
  CHECK(mmad[1].bytes == 64 * 128 * 2);
  CHECK(mmad[2].bytes == 128 * 128 * 4);  // fp32 accumulators
  CHECK(mmad[2].write);
  const auto mmad_acc = accesses(ins[5], chip.core);  // int8 16x32x16 with acc
  REQUIRE(mmad_acc.size() == 4);
  CHECK(mmad_acc[2].buffer == Buffer::L0C);
  CHECK_FALSE(mmad_acc[2].write);
  CHECK(mmad_acc[2].bytes == 16 * 16 * 4);  // int32

  const auto fix = accesses(ins[7], chip.core);
  CHECK(fix[0].bytes == 65536);
  CHECK(fix[1].bytes == 32768);
  CHECK(accesses(ins[6], chip.core)[1].bytes == 65536);  // out_bytes defaults to bytes

  const auto add = accesses(ins[8], chip.core);  // 4096 fp16, two sources
  REQUIRE(add.size() == 3);
  CHECK(add[0].bytes == 8192);
  CHECK(add[1].addr == 0x4000);
  CHECK(add[2].bytes == 8192);
  CHECK(add[2].write);

  const auto exp = accesses(ins[9], chip.core);  // fp32 repeat=8, contiguous
  CHECK(exp[0].bytes == 8 * 256);
  CHECK(vector_elements(ins[9], chip.core) == 8 * 64);
  CHECK(instruction_flops(ins[9], chip.core) == Approx(8 * 64 * 4.0));

  const auto cast = accesses(ins[10], chip.core);  // fp16 -> fp32, repeat=8, stride 16 blocks
  CHECK(cast[0].bytes == (7 * 16 + 8) * 32);
  CHECK(cast[1].bytes == (7 * 16 + 16) * 32);  // each destination repeat is 512 B
  CHECK(vector_elements(ins[10], chip.core) == 8 * 128);

  CHECK(instruction_flops(ins[4], chip.core) == Approx(2.0 * 128 * 64 * 128));
  CHECK(instruction_flops(ins[8], chip.core) == Approx(4096));
  CHECK(instruction_flops(ins[0], chip.core) == 0);
  CHECK(accesses(ins[13], chip.core).empty());
}

// ---- validation against a chip ----------------------------------------------------------

TEST_CASE("the example traces are valid and race free") {
  const auto dir = std::filesystem::path(NPUSIM_SOURCE_DIR) / "workloads" / "kernels";
  const KernelTrace coupled = read_trace_file(dir / "example_coupled_gemm.trace");
  CHECK_NOTHROW(validate_trace(coupled, coupled_chip()));
  CHECK(find_races(coupled, coupled_chip()).empty());
  CHECK(read_trace(write_trace(coupled), "x").same_content(coupled));

  const KernelTrace split = read_trace_file(dir / "example_split_matmul.trace");
  CHECK_NOTHROW(validate_trace(split, split_chip()));
  CHECK(find_races(split, split_chip()).empty());
  CHECK(split.cores.size() == 3);

  // Each belongs to its architecture only.
  CHECK_THROWS_AS(validate_trace(coupled, split_chip()), InputError);
  CHECK_THROWS_AS(validate_trace(split, coupled_chip()), InputError);
}

TEST_CASE("validation errors name the line and what was expected") {
  const ChipConfig split = split_chip();
  const ChipConfig coupled = coupled_chip();
  struct Case {
    std::string text;
    const ChipConfig* chip;
    std::string message;  // exact
  };
  const std::vector<Case> cases = {
      {kHead + "MTE2 src=GM:0x0 dst=L1:0x7f000 bytes=8192\n", &split,
       "t.trace:3: L1 range [0x7f000, 0x81000) exceeds L1 capacity 512 KiB (0x80000)"},
      {kHead + "SET_FLAG src=MTE2 dst=MTE1 id=8\n", &split,
       "t.trace:3: event id 8 out of range (expected 0..7 on chip 'test-split')"},
      {kCoupledHead + "WAIT_FLAG src=MTE2 dst=MTE1 id=4\n", &coupled,
       "t.trace:3: event id 4 out of range (expected 0..3 on chip 'test-coupled')"},
      {"npusim-trace 1\ncore aiv 1\nMMAD m=16 k=16 n=16 dtype=fp16 a=L0A:0 b=L0B:0 c=L0C:0\n",
       &split,
       "t.trace:3: MMAD needs pipe CUBE, which aiv cores do not have (expected one of SCALAR, "
       "MTE2, MTE3, VECTOR)"},
      {kHead + "MTE1 src=L1:0x0 dst=UB:0x0 bytes=256\n", &split,
       "t.trace:3: illegal MTE1 path L1 -> UB on split chip 'test-split' (expected one of L1 "
       "-> L0A, L1 -> L0B)"},
      {"npusim-trace 1\ncore aiv 0\nMTE3 src=UB:0x0 dst=L1:0x0 bytes=256\n", &split,
       "t.trace:3: illegal MTE3 path UB -> L1 on split chip 'test-split' (expected one of UB "
       "-> GM)"},
      {kCoupledHead + "FIXPIPE src=L0C:0x0 dst=L1:0x0 bytes=256\n", &coupled,
       "t.trace:3: illegal FIXPIPE path L0C -> L1 on coupled chip 'test-coupled' (expected "
       "one of L0C -> GM, L0C -> UB)"},
      {"npusim-trace 1\ncore aiv 0\nMTE2 src=GM:0x0 dst=L1:0x0 bytes=256\n", &split,
       "t.trace:3: MTE2 touches L1, which aiv cores do not have"},
      {"npusim-trace 1\ncore aiv 0\nVEC op=ad dtype=fp16 elems=16 dst=UB:0x0 src0=UB:0x20\n",
       &split, "t.trace:3: unknown VEC op 'ad' for chip 'test-split' (did you mean 'add'?)"},
      {"npusim-trace 1\ncore aiv 0\nVEC op=softmax dtype=fp16 elems=16 dst=UB:0x0 src0=UB:0x20\n",
       &split,
       "t.trace:3: unknown VEC op 'softmax' for chip 'test-split' (expected one of add, cast, "
       "exp, mul, relu)"},
      {"npusim-trace 1\ncore aiv 0\nVEC op=add dtype=fp16 elems=16 dst=L1:0x0 src0=UB:0x20\n",
       &split, "t.trace:3: VEC operand dst is in L1 (expected UB)"},
      {"npusim-trace 1\ncore aiv 0\nVEC op=add dtype=fp16 elems=98305 dst=UB:0x0 "
       "src0=UB:0x0\n",
       &split, "t.trace:3: UB range [0x0, 0x30002) exceeds UB capacity 192 KiB (0x30000)"},
      {"npusim-trace 1\ncore aiv 4\n", &split,
       "t.trace:2: core section 'aiv 4': chip 'test-split' has 4 aiv cores (expected index "
       "0..3)"},
      {"npusim-trace 1\ncore aic 2\n", &split,
       "t.trace:2: core section 'aic 2': chip 'test-split' has 2 aic cores (expected index "
       "0..1)"},
      {"npusim-trace 1\ncore aicore 0\n", &split,
       "t.trace:2: core section 'aicore 0' on split chip 'test-split' (expected aic or aiv "
       "sections)"},
      {"npusim-trace 1\ncore aiv 0\n", &coupled,
       "t.trace:2: core section 'aiv 0' on coupled chip 'test-coupled' (expected aicore "
       "sections)"},
      {kCoupledHead + "MMAD m=16 k=16 n=16 dtype=bf16 a=L0A:0 b=L0B:0 c=L0C:0\n", &coupled,
       "t.trace:3: MMAD dtype bf16 is not supported by the cube of chip 'test-coupled' "
       "(expected one of fp16, int8)"},
      {kHead + "MMAD m=16 k=16 n=16 dtype=fp16 a=L1:0 b=L0B:0 c=L0C:0\n", &split,
       "t.trace:3: MMAD operand a is in L1 (expected L0A)"},
      {kHead + "MMAD m=128 k=257 n=16 dtype=fp16 a=L0A:0 b=L0B:0 c=L0C:0\n", &split,
       "t.trace:3: L0A range [0x0, 0x10100) exceeds L0A capacity 64 KiB (0x10000)"},
      {kCoupledHead + "CROSS_SET pipe=VECTOR id=0\n", &coupled,
       "t.trace:3: CROSS_SET on coupled chip 'test-coupled' (expected only on split chips, "
       "between AIC and AIV cores)"},
      {kHead + "SET_FLAG src=MTE2 dst=MTE2 id=0\n", &split,
       "t.trace:3: SET_FLAG with src == dst (MTE2) orders nothing (expected two different "
       "pipes; within one pipe use PIPE_BARRIER)"},
      {kHead + "PIPE_BARRIER pipe=VECTOR\n", &split,
       "t.trace:3: PIPE_BARRIER needs pipe VECTOR, which aic cores do not have (expected one "
       "of SCALAR, MTE1, MTE2, CUBE, FIXP)"},
      {kHead + "WAIT_FLAG src=VECTOR dst=CUBE id=0\n", &split,
       "t.trace:3: WAIT_FLAG needs pipe VECTOR, which aic cores do not have (expected one of "
       "SCALAR, MTE1, MTE2, CUBE, FIXP)"},
  };
  for (const auto& c : cases) {
    INFO("input:\n" << c.text);
    CHECK(validate_error(c.text, *c.chip) == c.message);
  }
}

TEST_CASE("the MMAD range check is exact at the capacity boundary") {
  // 128x128 fp16 = 32 KiB in L0A at 0x8000 ends exactly at 64 KiB: fits.
  const std::string ok = kHead + "MMAD m=128 k=128 n=16 dtype=fp16 a=L0A:0x8000 b=L0B:0 c=L0C:0\n";
  CHECK(validate_error(ok, split_chip()).empty());
}

TEST_CASE("validation of an in-memory trace names core and instruction") {
  KernelTrace ir;
  ir.cores.push_back(CoreStream{CoreKind::aiv, 0, 0, {}});
  Instr mmad;
  mmad.op = Op::MMAD;
  mmad.m = mmad.k = mmad.n = 16;
  mmad.a = {Buffer::L0A, 0};
  mmad.b = {Buffer::L0B, 0};
  mmad.c = {Buffer::L0C, 0};
  ir.cores[0].instrs.push_back(mmad);
  try {
    validate_trace(ir, split_chip());
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    CHECK_THAT(e.what(), Catch::Matchers::StartsWith(
                             "<input>: core aiv 0, instruction 0: MMAD needs pipe CUBE"));
  }
}

// ---- race checker -----------------------------------------------------------------------

TEST_CASE("an unsynchronised MTE1 -> CUBE read is a race naming both lines") {
  const std::string text = kHead +
                           "MTE2 src=GM:0x0 dst=L1:0x0 bytes=8192\n"   // 3
                           "SET_FLAG src=MTE2 dst=MTE1 id=0\n"         // 4
                           "WAIT_FLAG src=MTE2 dst=MTE1 id=0\n"        // 5
                           "MTE1 src=L1:0x0 dst=L0A:0x0 bytes=8192\n"  // 6
                           "MMAD m=16 k=64 n=16 dtype=fp16 a=L0A:0x1000 b=L0B:0x0 c=L0C:0x0\n";
  const auto races = races_of(text, split_chip());
  REQUIRE(races.size() == 1);
  const Race& r = races[0];
  CHECK(r.core_kind == CoreKind::aic);
  CHECK(r.core_index == 0);
  CHECK(r.writer_line == 6);
  CHECK(r.writer_pipe == Pipe::MTE1);
  CHECK(r.reader_line == 7);
  CHECK(r.reader_pipe == Pipe::CUBE);
  CHECK(r.buffer == Buffer::L0A);
  CHECK(r.addr == 0x1000);  // MMAD reads [0x1000, 0x1800), MTE1 wrote [0x0, 0x2000)
  CHECK(r.bytes == 0x800);
  CHECK(format_race(r, read_trace(text, "t.trace")) ==
        "t.trace:7: race on core aic 0: CUBE reads L0A [0x1000, 0x1800) at line 7, written by "
        "MTE1 at line 6 (expected a SET_FLAG/WAIT_FLAG pair or PIPE_BARRIER ALL between them)");
}

TEST_CASE("an unsynchronised MTE2 -> CUBE read is reported, and SET/WAIT removes it") {
  const std::string load = kHead + "MTE2 src=GM:0x0 dst=L0A:0x0 bytes=512\n";  // line 3
  const std::string mmad = "MMAD m=16 k=16 n=16 dtype=fp16 a=L0A:0x0 b=L0B:0x0 c=L0C:0x0\n";
  const auto racy = races_of(load + mmad, split_chip());
  REQUIRE(racy.size() == 1);
  CHECK(racy[0].writer_line == 3);
  CHECK(racy[0].writer_pipe == Pipe::MTE2);
  CHECK(racy[0].reader_line == 4);
  CHECK(racy[0].reader_pipe == Pipe::CUBE);

  const std::string synced =
      load + "SET_FLAG src=MTE2 dst=CUBE id=0\nWAIT_FLAG src=MTE2 dst=CUBE id=0\n" + mmad;
  CHECK(races_of(synced, split_chip()).empty());

  SECTION("PIPE_BARRIER ALL orders it") {
    CHECK(races_of(load + "PIPE_BARRIER pipe=ALL\n" + mmad, split_chip()).empty());
  }
  SECTION("a barrier on one pipe does not") {
    CHECK(races_of(load + "PIPE_BARRIER pipe=MTE2\n" + mmad, split_chip()).size() == 1);
    CHECK(races_of(load + "PIPE_BARRIER pipe=CUBE\n" + mmad, split_chip()).size() == 1);
  }
  SECTION("a flag set before the write does not order it") {
    const std::string early = kHead +
                              "SET_FLAG src=MTE2 dst=CUBE id=0\n"
                              "MTE2 src=GM:0x0 dst=L0A:0x0 bytes=512\n"  // line 4
                              "WAIT_FLAG src=MTE2 dst=CUBE id=0\n" +
                              mmad;
    const auto races = races_of(early, split_chip());
    REQUIRE(races.size() == 1);
    CHECK(races[0].writer_line == 4);
    CHECK(races[0].reader_line == 6);
  }
  SECTION("a flag between other pipes does not order it") {
    CHECK(races_of(
              load + "SET_FLAG src=MTE2 dst=MTE1 id=0\nWAIT_FLAG src=MTE2 dst=MTE1 id=0\n" + mmad,
              split_chip())
              .size() == 1);
  }
  SECTION("ordering is transitive through a chain of flags") {
    const std::string chain = load +
                              "SET_FLAG src=MTE2 dst=MTE1 id=0\n"
                              "WAIT_FLAG src=MTE2 dst=MTE1 id=0\n"
                              "SET_FLAG src=MTE1 dst=CUBE id=0\n"
                              "WAIT_FLAG src=MTE1 dst=CUBE id=0\n" +
                              mmad;
    CHECK(races_of(chain, split_chip()).empty());
  }
  SECTION("disjoint ranges do not race") {
    const std::string apart =
        load + "MMAD m=16 k=16 n=16 dtype=fp16 a=L0A:0x200 b=L0B:0x0 c=L0C:0x0\n";
    CHECK(races_of(apart, split_chip()).empty());
  }
}

TEST_CASE("same-pipe program order is not a race") {
  const std::string text =
      "npusim-trace 1\ncore aiv 0\n"
      "VEC op=add dtype=fp16 elems=128 dst=UB:0x0 src0=UB:0x100\n"
      "VEC op=relu dtype=fp16 elems=128 dst=UB:0x200 src0=UB:0x0\n"
      "MTE2 src=GM:0x0 dst=UB:0x1000 bytes=256\n"
      "MTE2 src=GM:0x0 dst=UB:0x1000 bytes=256\n";
  CHECK(races_of(text, split_chip()).empty());
}

TEST_CASE("flags count: the k-th WAIT takes the k-th SET") {
  const std::string text =
      "npusim-trace 1\ncore aiv 0\n"
      "MTE2 src=GM:0x0 dst=UB:0x0 bytes=256\n"  // 3
      "SET_FLAG src=MTE2 dst=VECTOR id=1\n"
      "MTE2 src=GM:0x0 dst=UB:0x100 bytes=256\n"  // 5
      "SET_FLAG src=MTE2 dst=VECTOR id=1\n"
      "WAIT_FLAG src=MTE2 dst=VECTOR id=1\n"                           // takes the 1st SET
      "VEC op=relu dtype=fp16 elems=128 dst=UB:0x800 src0=UB:0x100\n"  // 8
      "WAIT_FLAG src=MTE2 dst=VECTOR id=1\n"                           // takes the 2nd SET
      "VEC op=relu dtype=fp16 elems=128 dst=UB:0x800 src0=UB:0x100\n";
  const auto races = races_of(text, split_chip());
  REQUIRE(races.size() == 1);
  CHECK(races[0].writer_line == 5);
  CHECK(races[0].reader_line == 8);
}

TEST_CASE("a SET later in program order still orders a waiting pipe") {
  // VECTOR waits first; MTE2 copies and then sets. The scalar unit dispatches all of it, the
  // VECTOR queue holds the VEC until the SET: ordered.
  const std::string text =
      "npusim-trace 1\ncore aiv 0\n"
      "WAIT_FLAG src=MTE2 dst=VECTOR id=0\n"
      "MTE2 src=GM:0x0 dst=UB:0x0 bytes=256\n"
      "SET_FLAG src=MTE2 dst=VECTOR id=0\n"
      "VEC op=relu dtype=fp16 elems=128 dst=UB:0x800 src0=UB:0x0\n";
  CHECK(races_of(text, split_chip()).empty());
}

TEST_CASE("scalar-unit waits order everything dispatched after them") {
  const std::string text =
      "npusim-trace 1\ncore aiv 0\n"
      "MTE2 src=GM:0x0 dst=UB:0x0 bytes=256\n"
      "SET_FLAG src=MTE2 dst=SCALAR id=0\n"
      "WAIT_FLAG src=MTE2 dst=SCALAR id=0\n"
      "VEC op=relu dtype=fp16 elems=128 dst=UB:0x800 src0=UB:0x0\n";
  CHECK(races_of(text, split_chip()).empty());
}

TEST_CASE("only the latest writer per pipe is reported, each pair once") {
  const std::string text =
      "npusim-trace 1\ncore aiv 0\n"
      "MTE2 src=GM:0x0 dst=UB:0x0 bytes=512\n"  // 3: overwritten by 4
      "MTE2 src=GM:0x0 dst=UB:0x0 bytes=256\n"  // 4
      "VEC op=add dtype=fp16 elems=256 dst=UB:0x800 src0=UB:0x0 "
      "src1=UB:0x80\n";  // 5: reads twice
  const auto races = races_of(text, split_chip());
  REQUIRE(races.size() == 2);
  CHECK(races[0].writer_line == 3);  // still the latest writer of [0x100, 0x200)
  CHECK(races[0].addr == 0x100);
  CHECK(races[0].bytes == 0x100);
  CHECK(races[1].writer_line == 4);
  CHECK(races[1].reader_line == 5);
  CHECK(races[1].addr == 0x0);
  CHECK(races[1].bytes == 0x100);
}

TEST_CASE("a coupled FIXPIPE to UB runs on VECTOR, so a following VEC is ordered") {
  const std::string text = kCoupledHead +
                           "MMAD m=16 k=16 n=16 dtype=fp16 a=L0A:0x0 b=L0B:0x0 c=L0C:0x0\n"
                           "SET_FLAG src=CUBE dst=VECTOR id=0\n"
                           "WAIT_FLAG src=CUBE dst=VECTOR id=0\n"
                           "FIXPIPE src=L0C:0x0 dst=UB:0x0 bytes=1024 out_bytes=512\n"
                           "VEC op=relu dtype=fp16 elems=256 dst=UB:0x1000 src0=UB:0x0\n"
                           "MTE3 src=UB:0x1000 dst=GM:0x0 bytes=512\n";  // line 8
  const auto races = races_of(text, coupled_chip());
  REQUIRE(races.size() == 1);
  CHECK(races[0].writer_pipe == Pipe::VECTOR);
  CHECK(races[0].reader_pipe == Pipe::MTE3);
  CHECK(races[0].reader_line == 8);
}

TEST_CASE("a WAIT that never gets its SET is reported as a deadlock") {
  const std::string never =
      "npusim-trace 1\ncore aiv 0\n"
      "WAIT_FLAG src=MTE2 dst=VECTOR id=0\n"
      "VEC op=relu dtype=fp16 elems=128 dst=UB:0x800 src0=UB:0x0\n";
  const KernelTrace t1 = read_trace(never, "t.trace");
  CHECK_THROWS_WITH(find_races(t1, split_chip()),
                    Catch::Matchers::StartsWith("t.trace:3: core aiv 0 deadlocks: WAIT_FLAG "
                                                "src=MTE2 dst=VECTOR id=0 at line 3"));
  // The scalar unit stops dispatching at its own WAIT, so the later SET never issues.
  const std::string scalar =
      "npusim-trace 1\ncore aiv 0\n"
      "WAIT_FLAG src=MTE2 dst=SCALAR id=0\n"
      "SET_FLAG src=MTE2 dst=SCALAR id=0\n";
  CHECK_THROWS_AS(find_races(read_trace(scalar, "t.trace"), split_chip()), InputError);
  // PIPE_BARRIER ALL waits for every pipe, including one stuck on a WAIT.
  const std::string barrier =
      "npusim-trace 1\ncore aiv 0\n"
      "WAIT_FLAG src=MTE2 dst=VECTOR id=0\n"
      "PIPE_BARRIER pipe=ALL\n"
      "SET_FLAG src=MTE2 dst=VECTOR id=0\n";
  CHECK_THROWS_WITH(find_races(read_trace(barrier, "t.trace"), split_chip()),
                    Catch::Matchers::Contains("before PIPE_BARRIER ALL at line 4"));
}

TEST_CASE("races on different cores are separate") {
  const std::string text =
      "npusim-trace 1\n"
      "core aiv 0\n"
      "MTE2 src=GM:0x0 dst=UB:0x0 bytes=256\n"
      "core aiv 1\n"
      "VEC op=relu dtype=fp16 elems=128 dst=UB:0x800 src0=UB:0x0\n";
  CHECK(races_of(text, split_chip()).empty());
}

// ---- speed (hidden: run with `test_trace [.perf]`) ----------------------------------------

TEST_CASE("reader, writer and race checker speed", "[.perf]") {
  // MTE3 reads what VEC wrote without a flag: a race per iteration, to exercise reporting.
  std::string text = "npusim-trace 1\ncore aiv 0\n";
  const int iterations = 200000;  // 5 lines each: 1M lines
  for (int i = 0; i < iterations; ++i) {
    const std::string buf = std::to_string((i % 4) * 0x2000);
    text += "MTE2 src=GM:0x" + std::to_string(i) + " dst=UB:" + buf + " bytes=8192\n";
    text += "SET_FLAG src=MTE2 dst=VECTOR id=0\n";
    text += "WAIT_FLAG src=MTE2 dst=VECTOR id=0\n";
    text += "VEC op=add dtype=fp16 elems=4096 dst=UB:0x10000 src0=UB:" + buf + " src1=UB:0x20000\n";
    text += "MTE3 src=UB:0x10000 dst=GM:0x100000 bytes=8192\n";
  }
  using clock = std::chrono::steady_clock;
  auto t0 = clock::now();
  const KernelTrace trace = read_trace(text, "big.trace");
  auto t1 = clock::now();
  const std::string out = write_trace(trace);
  auto t2 = clock::now();
  validate_trace(trace, split_chip());
  auto t3 = clock::now();
  const auto races = find_races(trace, split_chip());
  auto t4 = clock::now();
  auto secs = [](auto d) { return std::chrono::duration<double>(d).count(); };
  const double lines = 5.0 * iterations;
  WARN("read " << lines / secs(t1 - t0) / 1e6 << " M lines/s, write " << lines / secs(t2 - t1) / 1e6
               << " M lines/s, validate " << lines / secs(t3 - t2) / 1e6 << " M instr/s, races "
               << lines / secs(t4 - t3) / 1e6 << " M instr/s (" << races.size() << " races)");
  CHECK(trace.instruction_count() == 5 * iterations);
}
