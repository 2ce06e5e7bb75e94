#include "sim/chip/kernel_cost.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cmath>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>
#include <sstream>

#include "models/memory/hbm_sustained_rate.h"
#include "sim/base/error.h"
#include "sim/base/int_math.h"
#include "sim/config/chip_writer.h"
#include "sim/kernels/generator.h"

namespace npusim {
namespace {

// ---- scaling caps (docs/cost-cache.md lists them with the errors measured) ----
// GEMM: the scaled dimension is capped so the low sample has about this many MACs
// (~0.05 s of simulation on a 910B); the high sample has twice that.
constexpr double kGemmMacBudget = 8e9;
constexpr uint64_t kGemmMinRounds = 2;  // base blocks per cube core in the low sample, at least
constexpr uint64_t kGemmProbeK = 256;   // k of the probe that reads the generator's tiling
constexpr uint64_t kGemmProbeRowsPerCore = 256;  // probe rows per cube core: above any auto base_m
// Streaming kernels: the low sample must move at least this many times the chip's L2, so
// both samples are past the size where outputs can still sit in L2 at the end.
constexpr double kL2Multiple = 2.0;
constexpr uint64_t kMinStreamElements = uint64_t{1} << 22;
// Attention: the low sample gives every core at least this many work units.
constexpr uint64_t kAttentionRoundsPerCore = 8;
// Extrapolate only when the full kernel is at least this many times the low sample, so two
// samples (1 + 2 = 3 low-sample costs) are cheaper than simulating it.
constexpr double kFitFactor = 4.0;

constexpr double kPico = 1e-12;

uint64_t fnv1a64(std::string_view text) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (const unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

std::string hex64(uint64_t v) { return fmt::format("{:016x}", v); }

// ---------------------------------------------------------------- spec parsing

/// A spec split into kind and arguments, checked against the generator's parameters.
struct Spec {
  const KernelGenerator* generator = nullptr;
  std::string kind;
  std::map<std::string, std::string> given;
  std::map<std::string, std::string> defaults;

  [[nodiscard]] std::string text(const std::string& key) const {
    if (const auto it = given.find(key); it != given.end()) return it->second;
    return defaults.at(key);
  }
  [[nodiscard]] InputError error(const std::string& what) const {
    return InputError("kernel " + kind + ": " + what);
  }
  [[nodiscard]] uint64_t positive(const std::string& key) const {
    const std::string v = text(key);
    uint64_t out = 0;
    const bool digits = !v.empty() && v.size() <= 19 &&
                        std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (digits) out = std::stoull(v);
    if (out == 0) throw error(key + " must be a positive integer (got '" + v + "')");
    return out;
  }
  [[nodiscard]] DType dtype(const std::string& key) const {
    const std::string v = text(key);
    const auto t = parse_dtype(v);
    if (!t) throw error(key + " must be a data type (got '" + v + "')");
    return *t;
  }
  [[nodiscard]] bool flag(const std::string& key) const {
    const std::string v = text(key);
    if (v != "0" && v != "1") throw error(key + " must be 0 or 1 (got '" + v + "')");
    return v == "1";
  }
  /// "all" -> `available`, else a count (the generator checks the upper bound).
  [[nodiscard]] uint64_t cores(uint64_t available) const {
    return text("cores") == "all" ? available : positive("cores");
  }
  /// Keys in sorted order, defaults dropped.
  [[nodiscard]] std::string canonical() const {
    std::string out = kind;
    for (const auto& [key, value] : given)
      if (defaults.at(key) != value) out += " " + key + "=" + value;
    return out;
  }
  /// The spec with some arguments replaced (for the capped samples).
  [[nodiscard]] std::string with(const std::map<std::string, std::string>& changes) const {
    Spec copy = *this;
    for (const auto& [key, value] : changes) copy.given[key] = value;
    return copy.canonical();
  }
};

Spec parse_spec(const std::string& text) {
  std::istringstream in(text);
  Spec spec;
  if (!(in >> spec.kind)) throw InputError("empty kernel spec (expected 'kind key=value ...')");
  spec.generator = &find_kernel_generator(spec.kind);  // InputError for an unknown kind
  std::string known;
  for (const GeneratorParam& p : spec.generator->params()) {
    spec.defaults[p.name] = p.default_value;
    known += (known.empty() ? "" : ", ") + p.name;
  }
  for (std::string token; in >> token;) {
    const auto eq = token.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == token.size())
      throw spec.error("argument '" + token + "' is not key=value");
    const std::string key = token.substr(0, eq);
    if (!spec.defaults.contains(key))
      throw spec.error("unknown parameter '" + key + "' (known: " + known + ")");
    if (!spec.given.emplace(key, token.substr(eq + 1)).second)
      throw spec.error("parameter " + key + " given twice");
  }
  for (const auto& [key, value] : spec.defaults)
    if (value.empty() && !spec.given.contains(key)) throw spec.error("missing parameter " + key);
  return spec;
}

// ---------------------------------------------------------------- roofline

uint32_t vector_cores(const ChipConfig& chip) {
  return chip.split ? chip.core_count(CoreKind::aiv) : chip.core_count(CoreKind::aicore);
}
uint32_t cube_cores(const ChipConfig& chip) {
  return chip.split ? chip.core_count(CoreKind::aic) : chip.core_count(CoreKind::aicore);
}

double static_watts(const ChipConfig& chip) {
  const EnergyConfig& e = chip.energy;
  return e.static_w_per_aic * chip.cube_cores * chip.dies +
         e.static_w_per_aiv * chip.vector_cores * chip.dies + e.static_w_uncore * chip.dies;
}

/// What a kernel must do, from its spec alone.
struct Work {
  double flops = 0;        // useful FLOPs
  double macs = 0;         // cube MACs
  DType cube_dtype = DType::fp16;
  double cube_fraction = 1;  // cores used / cube cores
  double hbm_bytes = 0;    // compulsory HBM traffic: every input read, every output written
  double hbm_write_bytes = 0;  // the written part of hbm_bytes (outputs)
  double vector_bytes = 0;  // operand bytes through the vector unit
  double vector_s = 0;      // vector time at the configured per-op rates
  std::string peak_note;    // set when the cube lacks the dtype
};

/// Adds `elements` of vector op `op` on `dtype` at the chip's configured rate for that op.
void add_vector_op(Work& w, const ChipConfig& chip, double cores, const std::string& op,
                   DType dtype, double elements) {
  const auto& ops = chip.core.vector.ops;
  auto it = ops.find(op);
  if (it == ops.end()) it = ops.find("add");  // a chip without the op: price it like an add
  const double bytes_per_cycle =
      it != ops.end() ? it->second.bytes_per_cycle : double(chip.core.vector.repeat_bytes);
  const double flops_per_element = it != ops.end() ? it->second.flops_per_element : 1.0;
  const double bytes = elements * double(dtype_bytes(dtype, 1));
  w.vector_bytes += bytes;
  w.vector_s += bytes / (bytes_per_cycle * chip.clock_mhz() * 1e6 * cores);
  w.flops += elements * flops_per_element;
}

Work spec_work(const Spec& s, const ChipConfig& chip) {
  Work w;
  const double vcores = double(s.cores(vector_cores(chip)));
  if (s.kind == "gemm") {
    const double m = double(s.positive("m")), n = double(s.positive("n")),
                 k = double(s.positive("k"));
    const DType in = s.dtype("dtype");
    DType out = in == DType::int8 ? DType::fp16 : in;
    if (s.text("out_dtype") != "auto") out = s.dtype("out_dtype");
    w.macs = m * n * k;
    w.flops = 2 * w.macs;
    w.cube_dtype = in;
    w.cube_fraction = double(s.cores(cube_cores(chip))) / std::max(1u, cube_cores(chip));
    w.hbm_write_bytes = m * n * double(dtype_bytes(out, 1));
    w.hbm_bytes = (m * k + k * n) * double(dtype_bytes(in, 1)) + w.hbm_write_bytes;
  } else if (s.kind == "attention") {
    const double b = double(s.positive("batch")), h = double(s.positive("heads"));
    const auto seq = [&](const std::string& key) {
      if (s.text(key) != "seq") return double(s.positive(key));
      if (s.text("seq") == "unset") throw s.error("seq is needed unless seq_q and seq_kv are given");
      return double(s.positive("seq"));
    };
    const double sq = seq("seq_q"), skv = seq("seq_kv"), d = double(s.positive("head_dim"));
    const DType t = s.dtype("dtype");
    w.flops = 4 * b * h * sq * skv * d * (s.flag("causal") ? 0.5 : 1.0);
    w.macs = w.flops / 2;
    w.cube_dtype = t;
    w.cube_fraction = double(s.cores(cube_cores(chip))) / std::max(1u, cube_cores(chip));
    w.hbm_bytes = b * h * (2 * sq * d + 2 * skv * d) * double(dtype_bytes(t, 1));  // Q,O + K,V
    w.hbm_write_bytes = b * h * sq * d * double(dtype_bytes(t, 1));                  // O
  } else if (s.kind == "elementwise") {
    const std::string op = s.text("op");
    if (op != "add" && op != "mul" && op != "cast")
      throw s.error("op must be add, mul or cast (got '" + op + "')");
    const DType in = s.dtype("dtype");
    DType out = in;
    if (op == "cast")
      out = s.text("out_dtype") == "auto" ? (dtype_bits(in) == 16 ? DType::fp32 : DType::fp16)
                                         : s.dtype("out_dtype");
    const double e = double(s.positive("elements"));
    const double inputs = op == "cast" ? 1 : 2;
    w.hbm_write_bytes = e * double(dtype_bytes(out, 1));
    w.hbm_bytes = e * inputs * double(dtype_bytes(in, 1)) + w.hbm_write_bytes;
    add_vector_op(w, chip, vcores, op, in, e);
  } else if (s.kind == "softmax" || s.kind == "layernorm" || s.kind == "rmsnorm") {
    const double rows = double(s.positive("rows")), cols = double(s.positive("cols"));
    const DType io = s.dtype("dtype");
    const bool cast = io != DType::fp32;
    const DType ct = dtype_bits(io) == 16 ? DType::fp32 : io;
    const double n = rows * cols;
    w.hbm_bytes = 2 * n * double(dtype_bytes(io, 1));  // x in, y out (gamma/beta negligible)
    w.hbm_write_bytes = n * double(dtype_bytes(io, 1));
    // The fp32 op sequence of each generator (sim/kernels/softmax.cpp, norm.cpp).
    std::vector<std::string> ops;
    if (s.kind == "softmax")
      ops = {"reduce_max", "sub", "exp", "reduce_sum", "div"};
    else if (s.kind == "layernorm")
      ops = {"reduce_sum", "muls", "sub", "mul", "reduce_sum", "muls",
             "adds",       "rsqrt", "mul", "mul", "add"};
    else
      ops = {"mul", "reduce_sum", "muls", "adds", "rsqrt", "mul", "mul"};
    for (const auto& op : ops) add_vector_op(w, chip, vcores, op, ct, n);
    if (cast) {
      add_vector_op(w, chip, vcores, "cast", io, n);
      add_vector_op(w, chip, vcores, "cast", ct, n);
    }
  } else {
    throw s.error("no cost model for this kernel kind");
  }
  return w;
}

/// Cube peak for a dtype. A dtype the cube lacks is priced at the fastest supported type at
/// least as wide (fp8 at the int8 rate), else the fastest of all; the note says so.
double cube_peak(const ChipConfig& chip, DType t, std::string& note) {
  double peak = chip.sustained_peak_flops(t);
  if (peak > 0) return peak;
  DType best = t;
  for (const auto& [dt, k] : chip.core.cube.k_per_cycle)
    if (dtype_bits(dt) >= dtype_bits(t) && chip.sustained_peak_flops(dt) > peak) {
      peak = chip.sustained_peak_flops(dt);
      best = dt;
    }
  if (peak <= 0)
    for (const auto& [dt, k] : chip.core.cube.k_per_cycle)
      if (chip.sustained_peak_flops(dt) > peak) {
        peak = chip.sustained_peak_flops(dt);
        best = dt;
      }
  if (peak <= 0) throw InputError("chip " + chip.name + " has no cube dtype to price a roofline");
  note = fmt::format("; cube lacks {}, priced at the {} peak", name_of(t), name_of(best));
  return peak;
}

KernelCost roofline_cost(const Work& w, const ChipConfig& chip, const std::string& reason) {
  KernelCost c;
  std::string peak_note;
  double compute_s = w.vector_s;
  if (w.macs > 0)
    compute_s += 2 * w.macs / (cube_peak(chip, w.cube_dtype, peak_note) * w.cube_fraction);
  // Written bytes pay the read/write turnarounds, as on the chip model's channels.
  const double memory_bytes = w.hbm_bytes + (hbm_write_cost(chip) - 1) * w.hbm_write_bytes;
  const double memory_s = memory_bytes / sustained_hbm_bytes_per_s(chip);
  c.time_s = std::max(compute_s, memory_s);
  c.flops = w.flops;
  c.hbm_bytes = w.hbm_bytes;
  const EnergyConfig& e = chip.energy;
  double mac_pj = 0;
  if (const auto it = e.cube_pj_per_mac.find(w.cube_dtype); it != e.cube_pj_per_mac.end())
    mac_pj = it->second;
  else if (!e.cube_pj_per_mac.empty())
    mac_pj = e.cube_pj_per_mac.begin()->second;
  // Every HBM byte also crosses L2 and the NoC once.
  const double dynamic_pj = w.macs * mac_pj + w.vector_bytes * e.vector_pj_per_byte +
                            w.hbm_bytes * (e.hbm_pj_per_byte + e.l2_pj_per_byte + e.noc_pj_per_byte);
  c.energy_j = dynamic_pj * kPico + static_watts(chip) * c.time_s;
  c.roofline = true;
  c.note = "roofline: " + reason + peak_note;
  return c;
}

// ---------------------------------------------------------------- shared simulator

struct SharedSimulator {
  std::unique_ptr<ChipSimulator> sim;
  std::string hash;
  std::string name;
};

SharedSimulator& shared() {
  static SharedSimulator s;
  return s;
}

/// The chip as keyed: its YAML, plus the HBM rates derived from its DRAM preset (the preset's
/// file is not in the YAML, only its name).
std::string chip_text(const ChipConfig& chip) {
  return config::write_chip_yaml(chip, config::Provenance{}, {}) +
         fmt::format("# hbm sustained fraction {:.17g}\n", hbm_sustained_fraction(chip)) +
         fmt::format("# hbm write cost {:.17g}\n", hbm_write_cost(chip));
}

// ---------------------------------------------------------------- simulation and scaling

struct Sample {
  double time_s = 0, dynamic_j = 0, static_j = 0, hbm_bytes = 0;
  std::map<std::string, std::string> attrs;
};

/// The capped samples of a large kernel and how to extrapolate from them.
struct ScalePlan {
  std::string param;        // the scaled parameter, for the note
  std::string lo, hi;       // sample specs
  double n_lo = 0, n_hi = 0, n_full = 0;  // the scaled quantity (counts are affine in it)
  // Work rounds per core at size n with the tiling read from a sample's kernel line; time is
  // affine in it (it differs from n only by rounding up to whole rounds).
  std::function<double(const std::map<std::string, std::string>&, double)> rounds;
};

uint64_t attr_u64(const std::map<std::string, std::string>& attrs, const std::string& key,
                  uint64_t fallback) {
  const auto it = attrs.find(key);
  if (it == attrs.end()) return fallback;
  try {
    return std::max<uint64_t>(1, std::stoull(it->second));
  } catch (const std::exception&) {
    return fallback;
  }
}

/// Low-sample size of a gemm dimension cut into `blocks` of `block` (the other dimension has
/// `other_blocks` blocks; `macs_per_unit` MACs per unit of the dimension): about
/// kGemmMacBudget MACs, and whole rounds of base blocks on all `cores`, at least
/// kGemmMinRounds of them. With fewer blocks than cores the generator would split them (the
/// samples would run another tiling than the full kernel: measured 2x slow on an A100), and a
/// last round that leaves cores idle runs with less memory contention than a full one
/// (measured 11% off on a bandwidth-bound A100 gemm with n = 51200).
uint64_t gemm_sample_size(uint64_t block, uint64_t other_blocks, double macs_per_unit,
                          uint64_t cores) {
  const uint64_t round_step = cores / std::gcd(cores, other_blocks);  // blocks per whole round
  const uint64_t by_macs = uint64_t(std::ceil(kGemmMacBudget / macs_per_unit));
  const uint64_t by_rounds = ceil_div(kGemmMinRounds * cores, other_blocks) * block;
  return align_up(std::max(by_macs, by_rounds), block * round_step);
}

std::optional<ScalePlan> gemm_plan(const Spec& s, const ChipConfig& chip) {
  const uint64_t m = s.positive("m"), n = s.positive("n"), k = s.positive("k");
  // The full kernel's tiling, from the generator, through a probe cheap to build: a shallow k,
  // and m capped at kGemmProbeRowsPerCore rows per core. m enters the tiling only through
  // base_m <= m and the split of blocks when there are fewer than cores; at the cap there
  // are at least `cores` row blocks in the probe as in the full kernel, so neither differs.
  // (Uncapped, the probe of an A100 attention-score gemm, m = 196608, held 0.9 M instructions.)
  const uint64_t probe_m = std::min<uint64_t>(m, kGemmProbeRowsPerCore * cube_cores(chip));
  const KernelTrace probe = generate_kernel(
      s.with({{"m", std::to_string(probe_m)}, {"k", std::to_string(kGemmProbeK)}}), chip);
  const uint64_t bm = attr_u64(probe.attrs, "base_m", 128);
  const uint64_t bn = attr_u64(probe.attrs, "base_n", 256);
  const uint64_t cores = attr_u64(probe.attrs, "cores", cube_cores(chip));
  const uint64_t lo = gemm_sample_size(bm, ceil_div(n, bn), double(n) * double(k), cores);
  // Only m is scaled. Base blocks go to the cores in row-major order, so more rows of blocks
  // keep which blocks run side by side (and share L2 lines) as in the full kernel; more
  // columns change it, and fits along n were measured 3.5-4.3% fast on GPT-3 175B shapes
  // (m = 2048, n = 6144, k = 12288) even with whole rounds. A gemm too short in m runs in full.
  if (double(m) < kFitFactor * double(lo)) return std::nullopt;
  ScalePlan p;
  p.param = "m";
  p.lo = s.with({{"m", std::to_string(lo)}});
  p.hi = s.with({{"m", std::to_string(2 * lo)}});
  p.n_lo = double(lo);
  p.n_hi = double(2 * lo);
  p.n_full = double(m);
  p.rounds = [=](const std::map<std::string, std::string>&, double v) {
    return double(ceil_div(ceil_div(uint64_t(v), bm) * ceil_div(n, bn), cores));
  };
  return p;
}

/// Elementwise (over elements) and the row kernels (over rows): streaming, one range per core.
std::optional<ScalePlan> stream_plan(const Spec& s, const ChipConfig& chip) {
  const double l2 = double(chip.l2.size_bytes) * chip.dies;
  const uint64_t cores = s.cores(vector_cores(chip));
  ScalePlan p;
  uint64_t full = 0, lo = 0;
  if (s.kind == "elementwise") {
    const DType in = s.dtype("dtype");
    const bool cast = s.text("op") == "cast";
    const double out_bytes = cast ? 4 : double(dtype_bytes(in, 1));  // upper bound for cast
    const double per_element = (cast ? 1 : 2) * double(dtype_bytes(in, 1)) + out_bytes;
    full = s.positive("elements");
    lo = std::max<uint64_t>(kMinStreamElements, uint64_t(std::ceil(kL2Multiple * l2 / per_element)));
    lo = align_up(lo, cores * 32768);  // whole 64 KiB tiles of 16-bit data on every core
    p.param = "elements";
  } else {
    const uint64_t cols = s.positive("cols");
    const double row_bytes = double(cols) * double(dtype_bytes(s.dtype("dtype"), 1));
    full = s.positive("rows");
    lo = std::max<uint64_t>(ceil_div(kMinStreamElements, cols),
                            uint64_t(std::ceil(kL2Multiple * l2 / (2 * row_bytes))));
    lo = align_up(lo, cores * std::max<uint64_t>(1, 65536 / (cols * 4)));  // whole tiles
    p.param = "rows";
  }
  if (double(full) < kFitFactor * double(lo)) return std::nullopt;
  p.lo = s.with({{p.param, std::to_string(lo)}});
  p.hi = s.with({{p.param, std::to_string(2 * lo)}});
  p.n_lo = double(lo);
  p.n_hi = double(2 * lo);
  p.n_full = double(full);
  p.rounds = [=](const std::map<std::string, std::string>& a, double v) {
    return double(ceil_div(uint64_t(v), attr_u64(a, "cores", cores)));
  };
  return p;
}

std::optional<ScalePlan> attention_plan(const Spec& s, const ChipConfig& chip) {
  const uint64_t bh = s.positive("batch") * s.positive("heads");
  if (bh < 4) return std::nullopt;
  // The tiling (block_q, cores used) comes from the generator: generate one head.
  const KernelTrace probe = generate_kernel(s.with({{"batch", "1"}, {"heads", "1"}}), chip);
  std::string sq_text = s.text("seq_q") == "seq" ? s.text("seq") : s.text("seq_q");
  const uint64_t sq = std::stoull(sq_text);
  const uint64_t bq = attr_u64(probe.attrs, "block_q", 128);
  const uint64_t groups = attr_u64(probe.attrs, "cores", cube_cores(chip));
  const uint64_t units = ceil_div(sq, bq);
  // Whole rounds of units over the groups, at least kAttentionRoundsPerCore of them.
  const uint64_t step = groups / std::gcd(groups, units);
  uint64_t lo = step;
  while (lo * units < kAttentionRoundsPerCore * groups) lo += step;
  if (double(bh) < kFitFactor * double(lo)) return std::nullopt;
  ScalePlan p;
  p.param = "batch*heads";
  p.lo = s.with({{"batch", "1"}, {"heads", std::to_string(lo)}});
  p.hi = s.with({{"batch", "1"}, {"heads", std::to_string(2 * lo)}});
  p.n_lo = double(lo);
  p.n_hi = double(2 * lo);
  p.n_full = double(bh);
  // Units go longest-first to the least loaded group, so load is close to even: time is
  // affine in batch*heads itself.
  p.rounds = [](const std::map<std::string, std::string>&, double v) { return v; };
  return p;
}

std::optional<ScalePlan> scale_plan(const Spec& s, const ChipConfig& chip) {
  if (s.kind == "gemm") return gemm_plan(s, chip);
  if (s.kind == "attention") return attention_plan(s, chip);
  return stream_plan(s, chip);
}

double affine(double x, double x0, double y0, double x1, double y1) {
  if (x1 == x0) return y1 * x / x1;
  return y0 + (x - x0) * (y1 - y0) / (x1 - x0);
}

}  // namespace

// ---------------------------------------------------------------- free functions

std::string canonical_kernel_spec(const std::string& spec) { return parse_spec(spec).canonical(); }

std::string kernel_cost_chip_hash(const ChipConfig& chip) {
  return hex64(fnv1a64(std::string(kKernelCostModelVersion) + "\n" + chip_text(chip)));
}

ChipSimulator& shared_chip_simulator(const ChipConfig& chip) {
  SharedSimulator& s = shared();
  const std::string hash = kernel_cost_chip_hash(chip);
  if (s.sim) {
    if (s.hash != hash)
      throw InternalError(fmt::format(
          "the chip level runs one chip per process: this process already simulates chip {} "
          "(config {}), so it cannot also simulate chip {} (config {}); price it in another "
          "process",
          s.name, s.hash, chip.name, hash));
    return *s.sim;
  }
  s.sim = std::make_unique<ChipSimulator>(chip);
  s.hash = hash;
  s.name = chip.name;
  return *s.sim;
}

KernelCost roofline_kernel_cost(const std::string& spec, const ChipConfig& chip) {
  const Spec s = parse_spec(spec);
  return roofline_cost(spec_work(s, chip), chip, "requested");
}

// ---------------------------------------------------------------- the cache

struct KernelCostCache::Impl {
  ChipConfig chip;
  KernelCostOptions options;
  std::string chip_yaml;
  std::string path;  // disk file, empty without disk_dir
  uint64_t disk_offset = 0;  // bytes of the file already read
  std::map<std::string, KernelCost> memo;   // canonical spec -> cost
  std::map<std::string, Sample> samples;   // simulated spec -> its chip-model result
  std::map<std::string, KernelCost> disk;   // canonical spec -> cost read from the file
  std::vector<std::pair<std::string, std::string>> roofline;
  KernelCostStats stats;

  [[nodiscard]] std::string key(const std::string& canonical) const {
    return hex64(fnv1a64(std::string(kKernelCostModelVersion) + "\n" + chip_yaml + "\n" + canonical));
  }

  /// Reads lines appended since the last read (other processes may share the file).
  void read_disk() {
    if (path.empty()) return;
    std::ifstream in(path, std::ios::binary);
    if (!in) return;
    in.seekg(0, std::ios::end);
    const auto size = static_cast<uint64_t>(in.tellg());
    if (size <= disk_offset) return;
    in.seekg(static_cast<std::streamoff>(disk_offset));
    std::string data(size - disk_offset, '\0');
    in.read(data.data(), static_cast<std::streamsize>(data.size()));
    const uint64_t base = disk_offset;
    disk_offset = size;
    size_t start = 0;
    while (start < data.size()) {
      size_t end = data.find('\n', start);
      const bool complete = end != std::string::npos;
      if (!complete) end = data.size();
      const std::string line = data.substr(start, end - start);
      if (!line.empty()) parse_line(line, base + start, complete);
      start = end + 1;
    }
  }

  void parse_line(const std::string& line, uint64_t offset, bool complete) {
    const auto warn = [&](const std::string& why) {
      std::cerr << fmt::format("warning: {}: byte {}: skipping {} cost-cache line ({})\n", path,
                               offset, complete ? "corrupt" : "truncated", why);
    };
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return warn("not a JSON object");
    try {
      const std::string spec = j.at("spec").get<std::string>();
      if (j.at("key").get<std::string>() != key(spec)) return warn("key does not match");
      KernelCost c;
      c.time_s = j.at("time_s").get<double>();
      c.energy_j = j.at("energy_j").get<double>();
      c.flops = j.at("flops").get<double>();
      c.hbm_bytes = j.at("hbm_bytes").get<double>();
      c.roofline = j.at("roofline").get<bool>();
      c.note = j.at("note").get<std::string>();
      disk[spec] = std::move(c);
    } catch (const nlohmann::json::exception& e) {
      warn(e.what());
    }
  }

  void append_disk(const std::string& canonical, const KernelCost& c) {
    if (path.empty()) return;
    nlohmann::json j = {{"key", key(canonical)},     {"spec", canonical},
                        {"time_s", c.time_s},        {"energy_j", c.energy_j},
                        {"flops", c.flops},          {"hbm_bytes", c.hbm_bytes},
                        {"roofline", c.roofline},    {"note", c.note},
                        {"version", kKernelCostModelVersion}};
    std::string line = j.dump() + "\n";
    const int fd = ::open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
      std::cerr << "warning: " << path << ": cannot open the cost cache for writing\n";
      return;
    }
    // A crash may have left a line without its newline; start ours on a fresh line (the fd
    // is opened read-write for this pread).
    const off_t end = ::lseek(fd, 0, SEEK_END);
    char last = '\n';
    if (end > 0 && ::pread(fd, &last, 1, end - 1) == 1 && last != '\n') line.insert(0, "\n");
    // One write() per line in O_APPEND mode: concurrent writers never interleave inside a line.
    const ssize_t written = ::write(fd, line.data(), line.size());
    if (written != static_cast<ssize_t>(line.size()))
      std::cerr << "warning: " << path << ": short write to the cost cache\n";
    ::close(fd);
  }

  Sample run(const std::string& spec) {
    // Kernels of one kind often share a sample (every large fp32 optimizer pass scales from
    // the same two sizes): simulate each sample once per process.
    if (const auto it = samples.find(spec); it != samples.end()) return it->second;
    const auto t0 = std::chrono::steady_clock::now();
    ChipSimulator& sim = shared_chip_simulator(chip);
    const KernelTrace trace = generate_kernel(spec, chip);
    const ChipRunResult r = sim.run(trace);
    stats.simulate_wall_s +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    Sample out;
    out.time_s = r.time_s;
    out.dynamic_j = r.energy.dynamic_j;
    out.static_j = r.energy.static_j;
    const auto bytes = [&r](const char* k) {
      const auto it = r.bytes.find(k);
      return it == r.bytes.end() ? 0.0 : double(it->second);
    };
    out.hbm_bytes = bytes("hbm_read") + bytes("hbm_write");
    out.attrs = trace.attrs;
    samples.emplace(spec, out);
    ++stats.chip_runs;
    return out;
  }

  KernelCost simulate(const Spec& s, const Work& w) {
    KernelCost c;
    c.flops = w.flops;
    const std::optional<ScalePlan> plan = scale_plan(s, chip);
    if (!plan) {
      const Sample x = run(s.canonical());
      c.time_s = x.time_s;
      c.energy_j = x.dynamic_j + x.static_j;
      c.hbm_bytes = x.hbm_bytes;
      return c;
    }
    const Sample lo = run(plan->lo), hi = run(plan->hi);
    const double r_lo = plan->rounds(lo.attrs, plan->n_lo), r_hi = plan->rounds(hi.attrs, plan->n_hi);
    const double r_full = plan->rounds(lo.attrs, plan->n_full);
    c.time_s = std::max(hi.time_s, affine(r_full, r_lo, lo.time_s, r_hi, hi.time_s));
    const auto count = [&](double y_lo, double y_hi) {
      return std::max(y_hi, affine(plan->n_full, plan->n_lo, y_lo, plan->n_hi, y_hi));
    };
    c.hbm_bytes = count(lo.hbm_bytes, hi.hbm_bytes);
    // Static energy follows time (static power x time); dynamic energy follows the work.
    const double static_w = lo.time_s > 0 ? lo.static_j / lo.time_s : static_watts(chip);
    c.energy_j = count(lo.dynamic_j, hi.dynamic_j) + static_w * c.time_s;
    c.note = fmt::format("scaled from {}={:.0f} and {:.0f} to {:.0f} (affine extrapolation)",
                         plan->param, plan->n_lo, plan->n_hi, plan->n_full);
    return c;
  }
};

KernelCostCache::KernelCostCache(const ChipConfig& chip, KernelCostOptions options)
    : impl_(std::make_unique<Impl>()) {
  impl_->chip = chip;
  impl_->options = std::move(options);
  impl_->chip_yaml = chip_text(chip);
  if (!impl_->options.disk_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(impl_->options.disk_dir, ec);
    if (ec)
      throw InputError(impl_->options.disk_dir + ": cannot create the cost-cache directory (" +
                       ec.message() + ")");
    impl_->path = (std::filesystem::path(impl_->options.disk_dir) /
                   (kernel_cost_chip_hash(chip) + ".jsonl"))
                      .string();
    impl_->read_disk();
  }
}

KernelCostCache::~KernelCostCache() = default;

const KernelCost& KernelCostCache::price(const std::string& spec_text) {
  Impl& d = *impl_;
  ++d.stats.lookups;
  const Spec spec = parse_spec(spec_text);
  const std::string canonical = spec.canonical();
  if (const auto it = d.memo.find(canonical); it != d.memo.end()) {
    ++d.stats.memory_hits;
    return it->second;
  }
  const Work work = spec_work(spec, d.chip);  // validates every value, also when cached
  if (d.options.simulate) {
    if (!d.disk.contains(canonical)) d.read_disk();  // another process may have priced it
    if (const auto it = d.disk.find(canonical); it != d.disk.end()) {
      ++d.stats.disk_hits;
      return d.memo.emplace(canonical, it->second).first->second;
    }
  }
  KernelCost cost;
  if (!d.options.simulate) {
    cost = roofline_cost(work, d.chip, "simulation disabled");
  } else {
    try {
      cost = d.simulate(spec, work);
      ++d.stats.simulated;
      d.append_disk(canonical, cost);
    } catch (const InputError& e) {
      // The generator or the trace checks reject this shape/dtype on this chip.
      cost = roofline_cost(work, d.chip, std::string("chip model cannot run it: ") + e.what());
    }
  }
  if (cost.roofline) {
    ++d.stats.roofline;
    d.roofline.emplace_back(canonical, cost.note);
  }
  return d.memo.emplace(canonical, std::move(cost)).first->second;
}

const KernelCostStats& KernelCostCache::stats() const { return impl_->stats; }

std::vector<std::pair<std::string, std::string>> KernelCostCache::roofline_specs() const {
  return impl_->roofline;
}

const std::string& KernelCostCache::disk_path() const { return impl_->path; }

std::string cost_cache_folder(const std::string& option) {
  std::string dir;
  if (option == "none") return dir;
  if (option != "default") dir = option;
  else if (const char* env = std::getenv("NPUSIM_COST_CACHE")) dir = env;
  else if (const char* xdg = std::getenv("XDG_CACHE_HOME")) dir = std::string(xdg) + "/npusim/costs";
  else if (const char* home = std::getenv("HOME")) dir = std::string(home) + "/.cache/npusim/costs";
  if (!dir.empty()) std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace npusim
