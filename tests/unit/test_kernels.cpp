// Kernel trace generators (sim/kernels): every kind on a split (910B-like) and a coupled
// (910A-like) chip must give a valid, deterministic, race-free and deadlock-free trace.

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <deque>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "sim/base/error.h"
#include "sim/base/paths.h"
#include "sim/config/chip_config.h"
#include "sim/config/chip_loader.h"
#include "sim/kernels/generator.h"
#include "sim/trace/instr_semantics.h"
#include "sim/trace/race_check.h"
#include "sim/trace/trace_validate.h"

using namespace npusim;

namespace {

constexpr uint64_t KiB = 1024;

void add_vector_ops(CoreConfig& core) {
  for (const char* op : {"add", "sub", "mul", "max", "min", "adds", "muls", "abs", "relu", "cast",
                         "dup", "copy", "select", "compare"})
    core.vector.ops[op] = {256, 6, 1};
  for (const char* op : {"div", "exp", "ln", "sqrt", "rsqrt"}) core.vector.ops[op] = {64, 14, 1};
  for (const char* op : {"reduce_max", "reduce_sum"}) core.vector.ops[op] = {128, 13, 1};
}

/// A 910B-like split chip: 24 AIC + 48 AIV, L1 512 KiB, L0C 128 KiB, UB 192 KiB, 8 event ids.
ChipConfig split_chip() {
  ChipConfig c;
  c.name = "test-split";
  c.split = true;
  c.freq_mhz = 1850;
  c.cube_cores = 24;
  c.vector_cores = 48;
  c.core.queue_depth = 32;
  c.core.event_ids = 8;
  c.core.buffers = {512 * KiB, 64 * KiB, 64 * KiB, 128 * KiB, 192 * KiB};
  c.core.cube = {
      16, 16, {{DType::fp16, 16}, {DType::bf16, 16}, {DType::int8, 32}, {DType::fp32, 4}}, 20, 5};
  c.core.vector.repeat_bytes = 256;
  c.core.vector.min_issue_cycles = 3;
  add_vector_ops(c.core);
  c.core.scalar.dispatch_cycles = 1;
  c.core.paths.gm_read = {110, 4};
  c.core.paths.gm_write = {86, 4};
  c.core.paths.l1_to_l0a = {512, 9};
  c.core.paths.l1_to_l0b = {256, 9};
  c.core.paths.l0c_to_l1 = {128, 9};
  return c;
}

/// A 910A-like coupled chip: 32 AI cores, L1 1 MiB, L0C 256 KiB, UB 256 KiB, 4 event ids, no
/// bf16.
ChipConfig coupled_chip() {
  ChipConfig c = split_chip();
  c.name = "test-coupled";
  c.split = false;
  c.freq_mhz = 1000;
  c.cube_cores = 32;
  c.vector_cores = 0;
  c.core.event_ids = 4;
  c.core.buffers = {1024 * KiB, 64 * KiB, 64 * KiB, 256 * KiB, 256 * KiB};
  c.core.cube.k_per_cycle = {{DType::fp16, 16}, {DType::int8, 32}};
  c.core.paths.l1_to_ub = {128, 9};
  c.core.paths.ub_to_l1 = {128, 9};
  c.core.paths.l0c_to_ub = {256, 9};
  c.core.paths.l0c_to_l1 = {0, 0};
  return c;
}

using FlagKey = std::tuple<Pipe, Pipe, uint32_t>;

/// Legal data paths (the brief's table), independent of the validator.
bool legal_path(Op op, Buffer src, Buffer dst, bool split) {
  using B = Buffer;
  switch (op) {
    case Op::MTE2:
      return src == B::GM && (dst == B::L1 || dst == B::L0A || dst == B::L0B || dst == B::UB);
    case Op::MTE1:
      return src == B::L1 && (dst == B::L0A || dst == B::L0B || (!split && dst == B::UB));
    case Op::MTE3:
      return src == B::UB && (dst == B::GM || (!split && dst == B::L1));
    case Op::FIXPIPE:
      return src == B::L0C && (dst == B::GM || (split ? dst == B::L1 : dst == B::UB));
    default:
      return true;
  }
}

/// Independent structural checks: buffers within capacity, legal paths, event ids in range,
/// per-core SET/WAIT balance, and every intra-core WAIT preceded in program order by enough
/// SETs (so a bounded dispatcher cannot deadlock on the core's own flags).
void check_structure(const KernelTrace& trace, const ChipConfig& chip) {
  std::map<std::pair<uint32_t, uint32_t>, int64_t>
      cross_balance;  // (group, id) -> sets*peers - waits
  for (const CoreStream& core : trace.cores) {
    INFO("core " << name_of(core.kind) << " " << core.index);
    CHECK((core.kind == CoreKind::aicore) != chip.split);
    CHECK(core.index < chip.core_count(core.kind));
    std::map<FlagKey, int64_t> sets, waits;
    for (size_t i = 0; i < core.instrs.size(); ++i) {
      const Instr& ins = core.instrs[i];
      INFO("instruction " << i << " " << name_of(ins.op));
      for (const Access& a : accesses(ins, chip.core)) {
        if (a.buffer == Buffer::GM) continue;
        REQUIRE(core_has_buffer(core.kind, a.buffer));
        REQUIRE(a.addr + a.bytes <= chip.core.buffers.of(a.buffer));
        REQUIRE(a.bytes > 0);
      }
      REQUIRE(legal_path(ins.op, ins.src.buffer, ins.dst.buffer, chip.split));
      REQUIRE(core_has_pipe(core.kind, execution_pipe(ins, core.kind)));
      if (ins.op == Op::SET_FLAG || ins.op == Op::WAIT_FLAG || ins.op == Op::CROSS_SET ||
          ins.op == Op::CROSS_WAIT)
        REQUIRE(ins.event_id < chip.core.event_ids);
      const FlagKey key{ins.flag_src, ins.flag_dst, ins.event_id};
      if (ins.op == Op::SET_FLAG) ++sets[key];
      if (ins.op == Op::WAIT_FLAG) {
        ++waits[key];
        REQUIRE(waits[key] <= sets[key]);
      }
      const uint32_t group = core.kind == CoreKind::aiv ? core.index / 2 : core.index;
      if (ins.op == Op::CROSS_SET) cross_balance[{group, ins.event_id}] += 2;  // to 2 peers
      if (ins.op == Op::CROSS_WAIT) cross_balance[{group, ins.event_id}] -= 1;
    }
    CHECK(sets == waits);
  }
  for (const auto& [key, balance] : cross_balance) {
    INFO("group " << key.first << " cross id " << key.second);
    CHECK(balance == 0);
  }
}

/// Result of the in-test execution of a trace.
struct SimResult {
  bool finished = false;
  double cycles = 0;  ///< makespan under a contention-free timing model
};

/// Executes the trace with the model's semantics (per-pipe in-order queues filled in program
/// order, counting-semaphore flags, CROSS_SET to the other cores of the group) and a simple
/// contention-free timing: MMAD compute cycles, copies at their path rate, vector ops at their
/// op rate. Unbounded queues; the k-th WAIT on a flag takes the k-th SET's time.
SimResult simulate(const KernelTrace& trace, const ChipConfig& chip) {
  struct CoreState {
    const CoreStream* stream;
    std::map<Pipe, std::deque<const Instr*>> queues;
    std::map<Pipe, double> pipe_time;
    std::map<FlagKey, std::deque<double>> flags;
    std::map<uint32_t, std::deque<double>> cross;
  };
  std::vector<CoreState> cores;
  for (const CoreStream& s : trace.cores) {
    CoreState st{&s, {}, {}, {}, {}};
    for (const Instr& ins : s.instrs) st.queues[execution_pipe(ins, s.kind)].push_back(&ins);
    cores.push_back(std::move(st));
  }
  const auto group_of = [](const CoreStream& s) {
    return s.kind == CoreKind::aiv ? s.index / 2 : s.index;
  };
  const auto duration = [&](const Instr& ins) -> double {
    const auto& p = chip.core.paths;
    switch (ins.op) {
      case Op::MMAD: {
        const double kstep = chip.core.cube.k_per_cycle.at(ins.dtype);
        return std::ceil(ins.m / 16.0) * std::ceil(ins.n / 16.0) * std::ceil(ins.k / kstep);
      }
      case Op::MTE2:
        return double(ins.bytes) / p.gm_read.bytes_per_cycle;
      case Op::MTE1:
        return double(ins.bytes) / (ins.dst.buffer == Buffer::L0A   ? p.l1_to_l0a.bytes_per_cycle
                                    : ins.dst.buffer == Buffer::L0B ? p.l1_to_l0b.bytes_per_cycle
                                                                    : p.l1_to_ub.bytes_per_cycle);
      case Op::MTE3:
        return double(ins.bytes) / (ins.dst.buffer == Buffer::GM ? p.gm_write.bytes_per_cycle
                                                                 : p.ub_to_l1.bytes_per_cycle);
      case Op::FIXPIPE: {
        const uint64_t bytes = ins.out_bytes ? ins.out_bytes : ins.bytes;
        if (ins.dst.buffer == Buffer::GM) return double(bytes) / p.gm_write.bytes_per_cycle;
        return double(ins.bytes) / (ins.dst.buffer == Buffer::UB ? p.l0c_to_ub.bytes_per_cycle
                                                                 : p.l0c_to_l1.bytes_per_cycle);
      }
      case Op::VEC: {
        const double bytes = double(dtype_bytes(ins.dtype, ins.elements));
        return std::max(3.0, bytes / chip.core.vector.ops.at(ins.vec_op).bytes_per_cycle);
      }
      default:
        return 0;
    }
  };
  bool progress = true;
  while (progress) {
    progress = false;
    for (CoreState& core : cores) {
      for (auto& [pipe, queue] : core.queues) {
        while (!queue.empty()) {
          const Instr& ins = *queue.front();
          double& t = core.pipe_time[pipe];
          if (ins.op == Op::WAIT_FLAG) {
            auto& f = core.flags[{ins.flag_src, ins.flag_dst, ins.event_id}];
            if (f.empty()) break;
            t = std::max(t, f.front());
            f.pop_front();
          } else if (ins.op == Op::CROSS_WAIT) {
            auto& f = core.cross[ins.event_id];
            if (f.empty()) break;
            t = std::max(t, f.front());
            f.pop_front();
          } else if (ins.op == Op::SET_FLAG) {
            core.flags[{ins.flag_src, ins.flag_dst, ins.event_id}].push_back(t);
          } else if (ins.op == Op::CROSS_SET) {
            for (CoreState& peer : cores)
              if (&peer != &core && group_of(*peer.stream) == group_of(*core.stream))
                peer.cross[ins.event_id].push_back(t);
          } else if (ins.op == Op::PIPE_BARRIER && ins.barrier_all) {
            FAIL("generators do not emit PIPE_BARRIER ALL");
          } else {
            t += duration(ins);
          }
          queue.pop_front();
          progress = true;
        }
      }
    }
  }
  SimResult r;
  r.finished = true;
  for (const CoreState& core : cores) {
    for (const auto& [pipe, queue] : core.queues) {
      if (!queue.empty()) {
        UNSCOPED_INFO("deadlock: core " << name_of(core.stream->kind) << " " << core.stream->index
                                        << " pipe " << name_of(pipe) << " stuck at "
                                        << name_of(queue.front()->op) << " id "
                                        << queue.front()->event_id);
        r.finished = false;
      }
    }
    for (const auto& [key, f] : core.flags) r.finished = r.finished && f.empty();
    for (const auto& [id, f] : core.cross) r.finished = r.finished && f.empty();
    for (const auto& [pipe, t] : core.pipe_time) r.cycles = std::max(r.cycles, t);
  }
  return r;
}

/// Everything a generated trace must satisfy on `chip`.
void check_trace(const KernelTrace& trace, const ChipConfig& chip) {
  REQUIRE_FALSE(trace.cores.empty());
  REQUIRE_NOTHROW(validate_trace(trace, chip));
  check_structure(trace, chip);
  std::vector<Race> races;
  REQUIRE_NOTHROW(races = find_races(trace, chip));
  for (const Race& race : races) UNSCOPED_INFO(format_race(race, trace));
  CHECK(races.empty());
  const SimResult sim = simulate(trace, chip);
  CHECK(sim.finished);
}

double mmad_flops(const KernelTrace& trace) {
  double flops = 0;
  for (const auto& core : trace.cores)
    for (const auto& ins : core.instrs)
      if (ins.op == Op::MMAD) flops += 2.0 * ins.m * ins.k * ins.n;
  return flops;
}

uint64_t bytes_of(const KernelTrace& trace, Op op) {
  uint64_t bytes = 0;
  for (const auto& core : trace.cores)
    for (const auto& ins : core.instrs)
      if (ins.op == op) bytes += ins.op == Op::FIXPIPE && ins.out_bytes ? ins.out_bytes : ins.bytes;
  return bytes;
}

/// The specs every kind is checked with: small and odd sizes (ragged tiles), plus a typical one.
const std::vector<std::string>& kind_specs() {
  static const std::vector<std::string> specs = {
      "gemm m=256 n=512 k=1024",
      "gemm m=100 n=200 k=300 cores=3",
      "gemm m=1024 n=1024 k=512 trans_a=1 trans_b=1",
      "gemm m=512 n=512 k=512 dtype=int8",
      "gemm m=384 n=256 k=640 double_buffer=0",
      "elementwise op=add elements=1000000",
      "elementwise op=mul dtype=fp32 elements=4097 cores=5",
      "elementwise op=cast elements=65536",
      "softmax rows=1000 cols=1024",
      "softmax rows=7 cols=100 dtype=fp32",
      "layernorm rows=512 cols=4096",
      "layernorm rows=33 cols=96 dtype=fp32 cores=4",
      "rmsnorm rows=512 cols=8192",
      "rmsnorm rows=3 cols=4096 dtype=fp32",
      "attention batch=1 heads=2 seq=512 head_dim=128",
      "attention batch=2 heads=1 seq_q=300 seq_kv=700 head_dim=64 causal=1",
      "attention heads=3 seq=1000 causal=1 cores=4",
      "attention seq_q=1 seq_kv=256 head_dim=128",
  };
  return specs;
}

}  // namespace

TEST_CASE("registry lists every kind once, sorted") {
  std::vector<std::string> kinds;
  for (const KernelGenerator* g : kernel_generators()) {
    kinds.emplace_back(g->kind());
    CHECK_FALSE(g->summary().empty());
    CHECK_FALSE(g->params().empty());
  }
  CHECK(kinds == std::vector<std::string>{"attention", "elementwise", "gemm", "layernorm",
                                          "rmsnorm", "softmax"});
  CHECK(&find_kernel_generator("gemm") == kernel_generators()[2]);
}

TEST_CASE("every kind gives a valid, race-free, deadlock-free trace on a split chip") {
  const ChipConfig chip = split_chip();
  for (const std::string& spec : kind_specs()) {
    INFO(spec);
    check_trace(generate_kernel(spec, chip), chip);
  }
}

TEST_CASE("every kind gives a valid, race-free, deadlock-free trace on a coupled chip") {
  const ChipConfig chip = coupled_chip();
  for (const std::string& spec : kind_specs()) {
    INFO(spec);
    check_trace(generate_kernel(spec, chip), chip);
  }
}

TEST_CASE("generation is deterministic and the kernel line regenerates the trace") {
  for (const ChipConfig& chip : {split_chip(), coupled_chip()}) {
    for (const std::string& spec : kind_specs()) {
      INFO(chip.name << ": " << spec);
      const KernelTrace a = generate_kernel(spec, chip);
      const KernelTrace b = generate_kernel(spec, chip);
      CHECK(a.same_content(b));
      CHECK(a.name == spec.substr(0, spec.find(' ')));
      // attrs hold every resolved argument: feeding them back gives the same trace.
      const KernelTrace c = generate_kernel(a.name, a.attrs, chip);
      CHECK(a.same_content(c));
    }
  }
}

TEST_CASE("gemm MMADs add up to 2*m*n*k and write C once") {
  for (const ChipConfig& chip : {split_chip(), coupled_chip()}) {
    for (auto [m, n, k] : {std::tuple{256, 512, 1024}, std::tuple{100, 200, 300},
                           std::tuple{4096, 4096, 4096}, std::tuple{17, 1, 33}}) {
      INFO(chip.name << " m=" << m << " n=" << n << " k=" << k);
      const KernelTrace t = generate_kernel(
          "gemm m=" + std::to_string(m) + " n=" + std::to_string(n) + " k=" + std::to_string(k),
          chip);
      CHECK(mmad_flops(t) == 2.0 * m * n * k);
      const uint64_t c_bytes = uint64_t(m) * n * 2;  // fp16 out
      CHECK(bytes_of(t, chip.split ? Op::FIXPIPE : Op::MTE3) == c_bytes);
      // A and B are read once per output block row/column.
      uint64_t mte2 = bytes_of(t, Op::MTE2);
      const uint64_t bm = std::stoull(t.attrs.at("base_m")), bn = std::stoull(t.attrs.at("base_n"));
      const uint64_t blocks_m = (m + bm - 1) / bm, blocks_n = (n + bn - 1) / bn;
      CHECK(mte2 == uint64_t(m) * k * 2 * blocks_n + uint64_t(k) * n * 2 * blocks_m);
    }
  }
}

TEST_CASE("gemm 4096^3 fp16 tiling on the split chip: 128x256 blocks, traffic under the L2 rate") {
  const ChipConfig chip = split_chip();
  const KernelTrace t = generate_kernel("gemm m=4096 n=4096 k=4096", chip);
  CHECK(t.attrs.at("base_m") == "128");
  CHECK(t.attrs.at("base_n") == "256");
  CHECK(t.attrs.at("base_k") == "64");
  CHECK(t.attrs.at("cores") == "24");
  CHECK(t.cores.size() == 24);
  // Per core: operand bytes per cube cycle stays below the 110 B/cycle port.
  const CoreStream& core = t.cores.front();
  double cube_cycles = 0;
  uint64_t read = 0;
  for (const Instr& ins : core.instrs) {
    if (ins.op == Op::MMAD)
      cube_cycles += std::ceil(ins.m / 16.0) * std::ceil(ins.n / 16.0) * std::ceil(ins.k / 16.0);
    if (ins.op == Op::MTE2) read += ins.bytes;
  }
  CHECK(double(read) / cube_cycles == Approx(96.0).epsilon(0.01));
  // Contention-free makespan stays within 10% of the cube time of the busiest core.
  const SimResult sim = simulate(t, chip);
  REQUIRE(sim.finished);
  double busiest = 0;
  for (const CoreStream& c : t.cores) {
    double cycles = 0;
    for (const Instr& ins : c.instrs)
      if (ins.op == Op::MMAD)
        cycles += std::ceil(ins.m / 16.0) * std::ceil(ins.n / 16.0) * std::ceil(ins.k / 16.0);
    busiest = std::max(busiest, cycles);
  }
  CHECK(sim.cycles < busiest * 1.10);
}

TEST_CASE("gemm double buffering is measurably faster than single buffering") {
  for (const ChipConfig& chip : {split_chip(), coupled_chip()}) {
    INFO(chip.name);
    const std::string spec = "gemm m=1024 n=1024 k=2048 cores=1";
    const SimResult db = simulate(generate_kernel(spec, chip), chip);
    const SimResult sb = simulate(generate_kernel(spec + " double_buffer=0", chip), chip);
    REQUIRE(db.finished);
    REQUIRE(sb.finished);
    CHECK(sb.cycles > db.cycles * 1.2);
  }
}

TEST_CASE("gemm on the split chip drains L0C to GM, on the coupled chip via UB and MTE3") {
  const KernelTrace split = generate_kernel("gemm m=256 n=256 k=256", split_chip());
  const KernelTrace coupled = generate_kernel("gemm m=256 n=256 k=256", coupled_chip());
  for (const Instr& ins : split.cores[0].instrs) {
    if (ins.op == Op::FIXPIPE) CHECK(ins.dst.buffer == Buffer::GM);
    CHECK(ins.op != Op::MTE3);
  }
  bool mte3 = false;
  for (const Instr& ins : coupled.cores[0].instrs) {
    if (ins.op == Op::FIXPIPE) CHECK(ins.dst.buffer == Buffer::UB);
    mte3 = mte3 || ins.op == Op::MTE3;
  }
  CHECK(mte3);
}

TEST_CASE("gemm transposed operands load through MTE1 mode=transpose") {
  const KernelTrace t = generate_kernel("gemm m=256 n=256 k=256 trans_b=1", split_chip());
  std::set<std::pair<Buffer, Mte1Mode>> modes;
  for (const Instr& ins : t.cores[0].instrs)
    if (ins.op == Op::MTE1) modes.insert({ins.dst.buffer, ins.mte1_mode});
  CHECK(modes == std::set<std::pair<Buffer, Mte1Mode>>{{Buffer::L0A, Mte1Mode::plain},
                                                       {Buffer::L0B, Mte1Mode::transpose}});
}

TEST_CASE("elementwise moves exactly its tensors") {
  for (const ChipConfig& chip : {split_chip(), coupled_chip()}) {
    const uint64_t e = 1'000'003;
    const KernelTrace add =
        generate_kernel("elementwise op=add elements=" + std::to_string(e), chip);
    CHECK(bytes_of(add, Op::MTE2) == 2 * e * 2);
    CHECK(bytes_of(add, Op::MTE3) == e * 2);
    const KernelTrace cast =
        generate_kernel("elementwise op=cast elements=" + std::to_string(e), chip);
    CHECK(cast.attrs.at("out_dtype") == "fp32");
    CHECK(bytes_of(cast, Op::MTE2) == e * 2);
    CHECK(bytes_of(cast, Op::MTE3) == e * 4);
    uint64_t vec_elements = 0;
    for (const auto& core : add.cores)
      for (const auto& ins : core.instrs)
        if (ins.op == Op::VEC) vec_elements += ins.elements;
    CHECK(vec_elements == e);
    // Default cores: every vector core.
    CHECK(add.cores.size() == chip.core_count(chip.split ? CoreKind::aiv : CoreKind::aicore));
  }
}

TEST_CASE("row kernels read and write each row once and norms load gamma once per core") {
  for (const ChipConfig& chip : {split_chip(), coupled_chip()}) {
    const KernelTrace sm = generate_kernel("softmax rows=1000 cols=1024", chip);
    CHECK(bytes_of(sm, Op::MTE2) == 1000u * 1024 * 2);
    CHECK(bytes_of(sm, Op::MTE3) == 1000u * 1024 * 2);
    const KernelTrace ln = generate_kernel("layernorm rows=512 cols=4096", chip);
    const uint64_t cores = ln.cores.size();
    CHECK(bytes_of(ln, Op::MTE2) == 512u * 4096 * 2 + cores * 2 * 4096 * 2);  // + gamma, beta
    const KernelTrace rms = generate_kernel("rmsnorm rows=512 cols=4096", chip);
    CHECK(bytes_of(rms, Op::MTE2) == 512u * 4096 * 2 + rms.cores.size() * 4096 * 2);
  }
}

TEST_CASE("attention: split chips pipeline AIC and AIV through GM with cross-core flags") {
  const ChipConfig chip = split_chip();
  const KernelTrace t = generate_kernel("attention batch=1 heads=4 seq=1024 head_dim=128", chip);
  std::map<CoreKind, int> kinds;
  for (const auto& core : t.cores) ++kinds[core.kind];
  CHECK(kinds[CoreKind::aiv] == 2 * kinds[CoreKind::aic]);
  // S = Q K^T and O = P V: 2 * 2 * b * h * sq * skv * d FLOPs (no causal skipping).
  CHECK(mmad_flops(t) == 4.0 * 4 * 1024 * 1024 * 128);
  // The output is written once.
  uint64_t out = 0;
  for (const auto& core : t.cores)
    for (const auto& ins : core.instrs)
      if (ins.op == Op::MTE3 && ins.src.buffer == Buffer::UB && core.kind == CoreKind::aiv &&
          ins.dst.addr >= 3 * uint64_t(4) * 1024 * 128 * 2)  // past Q, K, V
        out += ins.bytes;
  CHECK(out >= uint64_t(4) * 1024 * 128 * 2);
}

TEST_CASE("attention causal skips fully masked tiles") {
  for (const ChipConfig& chip : {split_chip(), coupled_chip()}) {
    const double full = mmad_flops(generate_kernel("attention seq=2048 heads=2", chip));
    const double causal = mmad_flops(generate_kernel("attention seq=2048 heads=2 causal=1", chip));
    CHECK(causal < 0.6 * full);
    CHECK(causal > 0.5 * full);
  }
}

TEST_CASE("bad kernel arguments are InputErrors with useful messages") {
  const ChipConfig chip = split_chip();
  const auto message = [&](const std::string& spec) {
    try {
      (void)generate_kernel(spec, chip);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  using Catch::Matchers::Contains;
  CHECK_THAT(message("gemm m=64 n=64 k=64 dtpye=fp16"), Contains("unknown parameter 'dtpye'") &&
                                                            Contains("did you mean 'dtype'") &&
                                                            Contains("accepted: m, n, k"));
  CHECK(message("gemm m=0 n=64 k=64") == "kernel gemm: m must be a positive integer (got '0')");
  CHECK(message("gemm m=-3 n=64 k=64") == "kernel gemm: m must be a positive integer (got '-3')");
  CHECK_THAT(message("gemm n=64 k=64"), Contains("missing required parameter m"));
  CHECK_THAT(message("gemm m=64 n=64 k=64 dtype=fp17"),
             Contains("is not a data type") && Contains("did you mean"));
  CHECK_THAT(message("gemm m=64 n=64 k=64 trans_a=2"), Contains("trans_a must be 0 or 1"));
  CHECK_THAT(message("gemm m=64 n=64 k=64 cores=25"), Contains("cores must be at most 24"));
  CHECK_THAT(message("gemm m=1024 n=1024 k=64 base_m=512 base_n=512"), Contains("L0C"));
  CHECK_THAT(message("gemm m=64 n=64 k=64 m=3"), Contains("given twice"));
  CHECK_THAT(message("gemm m=64 n=64 k=64 fast"), Contains("not key=value"));
  CHECK_THAT(message("gemmm m=64"),
             Contains("unknown kernel kind 'gemmm'") && Contains("did you mean 'gemm'"));
  CHECK_THAT(message(""), Contains("empty kernel spec"));
  CHECK_THAT(message("elementwise op=exp elements=10"), Contains("op 'exp' is not known"));
  CHECK_THAT(message("softmax rows=10 cols=100000"), Contains("does not fit"));
  CHECK_THAT(message("attention head_dim=128"), Contains("missing required parameter seq"));
  CHECK_THAT(message("attention seq=128 head_dim=100"), Contains("multiple of 16"));
  // Unsupported dtypes: bf16 on the coupled (910A-like) cube, int8 for attention.
  CHECK_THROWS_WITH(generate_kernel("gemm m=64 n=64 k=64 dtype=bf16", coupled_chip()),
                    Contains("bf16 is not supported") && Contains("supported: fp16, int8"));
  CHECK_THAT(message("attention seq=128 dtype=int8"), Contains("int8 is not supported"));
  CHECK_THAT(message("softmax rows=4 cols=4 dtype=int8"), Contains("int8 is not supported"));
  // A chip missing a vector op the kernel needs.
  ChipConfig no_exp = chip;
  no_exp.core.vector.ops.erase("exp");
  CHECK_THROWS_WITH(generate_kernel("softmax rows=4 cols=64", no_exp),
                    Contains("no vector op 'exp'"));
}

TEST_CASE("the presets, when present, take every kind") {
  for (const std::string name : {"ascend910b", "ascend910"}) {
    if (!std::filesystem::exists(data_dir() / "configs" / "chips" / (name + ".yaml"))) continue;
    INFO(name);
    const ChipConfig chip = load_chip(name);
    for (const std::string& spec : kind_specs()) {
      if (!chip.core.cube.k_per_cycle.contains(DType::int8) &&
          spec.find("int8") != std::string::npos)
        continue;
      INFO(spec);
      check_trace(generate_kernel(spec, chip), chip);
    }
  }
}
