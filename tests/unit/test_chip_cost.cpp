// Kernel cost cache: memoisation, disk cache, roofline fallback, scaling accuracy.
// Every TEST_CASE runs in its own process, so each may build its own chip simulator.

#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <unistd.h>

#include "models/memory/hbm_sustained_rate.h"
#include "sim/base/error.h"
#include "sim/chip/kernel_cost.h"
#include "sim/config/chip_loader.h"
#include "sim/kernels/generator.h"

using namespace npusim;
namespace fs = std::filesystem;

namespace {

/// A fresh directory under the system temp dir, removed at scope exit.
struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() /
           ("npusim-cost-" + std::to_string(::getpid()) + "-" +
            std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

/// Captures std::cerr for the scope.
struct CaptureCerr {
  std::ostringstream text;
  std::streambuf* old;
  CaptureCerr() : old(std::cerr.rdbuf(text.rdbuf())) {}
  ~CaptureCerr() { std::cerr.rdbuf(old); }
};

double rel_err(double estimate, double truth) { return std::abs(estimate - truth) / truth; }

/// Prices `spec` (which must be scaled) and simulates it in full on the shared simulator;
/// returns the relative errors of time and energy, printing them with the wall times.
std::pair<double, double> scaling_error(const std::string& spec, double bytes_tolerance = 0.02) {
  const ChipConfig chip = load_chip("ascend910b");
  KernelCostCache cache(chip);
  const auto t0 = std::chrono::steady_clock::now();
  const KernelCost cost = cache.price(spec);
  const auto t1 = std::chrono::steady_clock::now();
  REQUIRE_FALSE(cost.roofline);
  REQUIRE(cost.note.find("scaled from") != std::string::npos);
  const ChipRunResult full = shared_chip_simulator(chip).run(generate_kernel(spec, chip));
  const auto t2 = std::chrono::steady_clock::now();
  const double et = rel_err(cost.time_s, full.time_s);
  const double ee = rel_err(cost.energy_j, full.energy.total_j());
  const double eb = rel_err(cost.hbm_bytes, double(full.bytes.at("hbm_read") + full.bytes.at("hbm_write")));
  std::printf("%s\n  %s\n  scaled: %.3f s wall, full: %.3f s wall; time %.6g vs %.6g s (%.3f%%), "
              "energy %.6g vs %.6g J (%.3f%%), hbm bytes %.3f%%\n",
              spec.c_str(), cost.note.c_str(), std::chrono::duration<double>(t1 - t0).count(),
              std::chrono::duration<double>(t2 - t1).count(), cost.time_s, full.time_s, 100 * et,
              cost.energy_j, full.energy.total_j(), 100 * ee, 100 * eb);
  CHECK(eb < bytes_tolerance);
  return {et, ee};
}

}  // namespace

TEST_CASE("cost cache memoises by canonical spec") {
  const ChipConfig chip = load_chip("ascend910b");
  KernelCostCache cache(chip);
  const KernelCost& a = cache.price("gemm m=256 n=256 k=256 dtype=bf16");
  CHECK_FALSE(a.roofline);
  CHECK(a.note.empty());
  CHECK(a.time_s > 0);
  CHECK(a.energy_j > 0);
  CHECK(a.flops == 2.0 * 256 * 256 * 256);
  CHECK(cache.stats().simulated == 1);
  CHECK(cache.stats().memory_hits == 0);
  // Same kernel, keys reordered, a default spelled out, extra blanks.
  const KernelCost& b = cache.price("gemm  k=256 dtype=bf16 n=256 m=256 trans_a=0");
  CHECK(&a == &b);
  CHECK(cache.stats().lookups == 2);
  CHECK(cache.stats().memory_hits == 1);
  CHECK(cache.stats().simulated == 1);
  CHECK(cache.stats().simulate_wall_s > 0);
  CHECK(canonical_kernel_spec("gemm k=256 n=256 m=256 dtype=fp16") == "gemm k=256 m=256 n=256");
}

TEST_CASE("cost cache rejects malformed specs and unknown kinds") {
  const ChipConfig chip = load_chip("ascend910b");
  KernelCostCache cache(chip, {"", false});
  CHECK_THROWS_AS(cache.price("conv m=1"), InputError);
  CHECK_THROWS_AS(cache.price(""), InputError);
  CHECK_THROWS_AS(cache.price("gemm m=abc n=1 k=1"), InputError);
  CHECK_THROWS_AS(cache.price("gemm m=0 n=1 k=1"), InputError);
  CHECK_THROWS_AS(cache.price("gemm m=16 n=16"), InputError);          // k missing
  CHECK_THROWS_AS(cache.price("gemm m=16 n=16 k=16 q=2"), InputError);  // unknown key
  CHECK_THROWS_AS(cache.price("gemm m=16 m=16 n=16 k=16"), InputError);
  CHECK_THROWS_AS(cache.price("gemm m16 n=16 k=16"), InputError);
  CHECK_THROWS_AS(cache.price("gemm m=16 n=16 k=16 dtype=fp99"), InputError);
  CHECK_THROWS_AS(cache.price("elementwise op=sqrt elements=16"), InputError);
  CHECK_THROWS_AS(cache.price("attention heads=2"), InputError);  // no seq
  CHECK(cache.stats().roofline == 0);
  CHECK(cache.roofline_specs().empty());
}

TEST_CASE("roofline numbers follow the formula for a gemm") {
  const ChipConfig chip = load_chip("ascend910b");
  KernelCostCache cache(chip, {"", false});
  const double m = 4096, n = 8192, k = 1024;
  const KernelCost& c = cache.price("gemm m=4096 n=8192 k=1024 dtype=bf16");
  CHECK(c.roofline);
  CHECK(c.note.find("roofline") != std::string::npos);
  const double flops = 2 * m * n * k;
  const double bytes = (m * k + k * n + m * n) * 2;
  const double time = std::max(flops / chip.peak_flops(DType::bf16), bytes / chip.peak_hbm_bytes_per_s());
  CHECK(c.flops == flops);
  CHECK(c.hbm_bytes == bytes);
  CHECK(c.time_s == Approx(time).epsilon(1e-12));
  const EnergyConfig& e = chip.energy;
  const double static_w = e.static_w_per_aic * chip.cube_cores * chip.dies +
                          e.static_w_per_aiv * chip.vector_cores * chip.dies +
                          e.static_w_uncore * chip.dies;
  const double energy = (m * n * k * e.cube_pj_per_mac.at(DType::bf16) +
                         bytes * (e.hbm_pj_per_byte + e.l2_pj_per_byte + e.noc_pj_per_byte)) *
                            1e-12 +
                        static_w * time;
  CHECK(c.energy_j == Approx(energy).epsilon(1e-12));
  CHECK(cache.stats().roofline == 1);
  CHECK(cache.stats().simulated == 0);
  REQUIRE(cache.roofline_specs().size() == 1);
  CHECK(cache.roofline_specs()[0].first == "gemm dtype=bf16 k=1024 m=4096 n=8192");
}

TEST_CASE("roofline numbers follow the formula for an elementwise op") {
  const ChipConfig chip = load_chip("ascend910b");
  KernelCostCache cache(chip, {"", false});
  const double elements = 1 << 28;
  const KernelCost& c = cache.price("elementwise op=add dtype=fp16 elements=268435456");
  CHECK(c.roofline);
  const double bytes = elements * 3 * 2;  // x, y in, z out, 2 bytes each
  const VectorOpCost& add = chip.core.vector.ops.at("add");
  const double vector_s =
      elements * 2 / (add.bytes_per_cycle * chip.freq_mhz * 1e6 * chip.core_count(CoreKind::aiv));
  CHECK(c.hbm_bytes == bytes);
  CHECK(c.flops == elements * add.flops_per_element);
  // HBM at the rate the chip model's channels sustain (below pins: the DRAM model's stream),
  // the written third at the write cost (read/write turnarounds).
  REQUIRE(sustained_hbm_bytes_per_s(chip) < chip.peak_hbm_bytes_per_s());
  const double written = elements * 2;
  const double memory_s =
      (bytes + (hbm_write_cost(chip) - 1) * written) / sustained_hbm_bytes_per_s(chip);
  CHECK(c.time_s == Approx(std::max(vector_s, memory_s)).epsilon(1e-12));
  // Other kinds price too, by their own formulas.
  const KernelCost& att = cache.price("attention batch=2 heads=8 seq=1024 head_dim=128 causal=1 dtype=bf16");
  CHECK(att.flops == 4.0 * 2 * 8 * 1024 * 1024 * 128 * 0.5);
  CHECK(att.hbm_bytes == 2.0 * 8 * 4 * 1024 * 128 * 2);
  const KernelCost& sm = cache.price("softmax rows=4096 cols=4096 dtype=bf16");
  CHECK(sm.hbm_bytes == 2.0 * 4096 * 4096 * 2);
  CHECK(sm.time_s > 0);
  CHECK(cache.price("rmsnorm rows=4096 cols=4096").time_s > 0);
  // Both are HBM-bound here; layer norm's extra vector ops show in its energy.
  const KernelCost& ln = cache.price("layernorm rows=4096 cols=4096");
  const KernelCost& rms = cache.price("rmsnorm rows=4096 cols=4096");
  CHECK(ln.time_s >= rms.time_s);
  CHECK(ln.energy_j > rms.energy_j);
  CHECK(cache.stats().roofline == 5);
  CHECK(cache.roofline_specs().size() == 5);
}

TEST_CASE("a spec the chip model cannot run falls back to the roofline") {
  const ChipConfig chip = load_chip("ascend910b");
  KernelCostCache cache(chip);
  // The 910B cube has no fp8: the generator rejects it, the roofline prices it at int8 rate.
  const KernelCost& c = cache.price("gemm m=1024 n=1024 k=1024 dtype=fp8");
  CHECK(c.roofline);
  CHECK(c.note.find("chip model cannot run it") != std::string::npos);
  CHECK(c.note.find("int8") != std::string::npos);
  CHECK(c.time_s > 0);
  CHECK(std::isfinite(c.time_s));
  CHECK(cache.stats().roofline == 1);
  CHECK(cache.stats().simulated == 0);
  REQUIRE(cache.roofline_specs().size() == 1);
  CHECK(cache.roofline_specs()[0].second == c.note);
}

TEST_CASE("simulated gemm cost matches a direct chip simulator run") {
  const ChipConfig chip = load_chip("ascend910b");
  KernelCostCache cache(chip);
  const std::string spec = "gemm m=1024 n=2048 k=1024 dtype=bf16";
  const KernelCost c = cache.price(spec);
  // Another kernel in between: results must not depend on what ran before.
  (void)cache.price("elementwise op=add elements=1048576");
  const ChipRunResult r = shared_chip_simulator(chip).run(generate_kernel(spec, chip));
  CHECK_FALSE(c.roofline);
  CHECK(c.time_s == r.time_s);
  CHECK(c.energy_j == r.energy.total_j());
  CHECK(c.hbm_bytes == double(r.bytes.at("hbm_read") + r.bytes.at("hbm_write")));
  CHECK(c.flops == r.cube_flops);
}

TEST_CASE("disk cache round trip and chip key") {
  TempDir dir;
  const ChipConfig chip = load_chip("ascend910b");
  const std::string spec = "gemm m=512 n=512 k=512 dtype=bf16";
  KernelCost first;
  {
    KernelCostCache cache(chip, {dir.path.string(), true});
    first = cache.price(spec);
    CHECK(cache.stats().simulated == 1);
    CHECK(cache.stats().disk_hits == 0);
    CHECK(fs::exists(cache.disk_path()));
  }
  {
    KernelCostCache cache(chip, {dir.path.string(), true});
    const KernelCost& again = cache.price("gemm dtype=bf16 k=512 m=512 n=512");
    CHECK(cache.stats().disk_hits == 1);
    CHECK(cache.stats().simulated == 0);
    CHECK(again.time_s == first.time_s);
    CHECK(again.energy_j == first.energy_j);
    CHECK(again.flops == first.flops);
    CHECK(again.hbm_bytes == first.hbm_bytes);
    CHECK(again.note == first.note);
    (void)cache.price(spec);
    CHECK(cache.stats().memory_hits == 1);
  }
  // A chip override changes the key: no disk hit, so the cache must simulate, and this
  // process already simulates the other chip.
  const ChipConfig faster = load_chip("ascend910b", {"hbm.bandwidth_gbps=3200"});
  CHECK(kernel_cost_chip_hash(faster) != kernel_cost_chip_hash(chip));
  KernelCostCache other(faster, {dir.path.string(), true});
  CHECK(other.disk_path() != KernelCostCache(chip, {dir.path.string(), true}).disk_path());
  try {
    (void)other.price(spec);
    FAIL("expected an InternalError");
  } catch (const InternalError& e) {
    CHECK(std::string(e.what()).find("one chip per process") != std::string::npos);
  }
  CHECK(other.stats().disk_hits == 0);
}

TEST_CASE("corrupt and truncated cache lines are skipped with a warning") {
  TempDir dir;
  const ChipConfig chip = load_chip("ascend910b");
  const std::string spec = "elementwise op=mul elements=1048576 dtype=bf16";
  std::string path;
  KernelCost first;
  {
    KernelCostCache cache(chip, {dir.path.string(), true});
    first = cache.price(spec);
    path = cache.disk_path();
  }
  {
    std::ofstream out(path, std::ios::app);
    out << "this is not json\n";
    out << "{\"key\": \"0\", \"spec\": \"gemm m=1 n=1 k=1\"}\n";  // wrong key, missing fields
    out << "{\"key\": \"12";                                     // crash mid-line
  }
  CaptureCerr err;
  KernelCostCache cache(chip, {dir.path.string(), true});
  const KernelCost& again = cache.price(spec);
  CHECK(cache.stats().disk_hits == 1);
  CHECK(again.time_s == first.time_s);
  CHECK(err.text.str().find("corrupt") != std::string::npos);
  CHECK(err.text.str().find("truncated") != std::string::npos);
  // A new entry after the truncated line starts on a line of its own and reads back.
  const KernelCost second = cache.price("elementwise op=add elements=1048576 dtype=bf16");
  KernelCostCache reread(chip, {dir.path.string(), true});
  CHECK(reread.price("elementwise op=add elements=1048576 dtype=bf16").time_s == second.time_s);
  CHECK(reread.stats().disk_hits == 1);
}

TEST_CASE("simulate=false prices everything by roofline without simulating") {
  const ChipConfig chip = load_chip("ascend910b");
  KernelCostCache cache(chip, {"", false});
  const KernelCost& c = cache.price("gemm m=256 n=256 k=256");
  CHECK(c.roofline);
  CHECK(c.note.find("simulation disabled") != std::string::npos);
  CHECK(cache.stats().simulated == 0);
  CHECK(cache.stats().roofline == 1);
  CHECK(cache.stats().simulate_wall_s == 0);
  // No chip model was built: this process can still build one for another chip.
  const ChipConfig faster = load_chip("ascend910b", {"hbm.bandwidth_gbps=3200"});
  CHECK_NOTHROW(shared_chip_simulator(faster));
}

TEST_CASE("scaled gemm stays within 2 percent of the full simulation") {
  // HBM bytes run ~12% off: B (113 MB) stays in L2 in both samples (m = 512, 1024) but not in
  // the full kernel, which re-reads it. Time and energy hardly depend on it (cube bound).
  const auto [et, ee] = scaling_error("gemm m=16384 n=4608 k=12288 dtype=bf16", 0.15);
  CHECK(et < 0.02);
  CHECK(ee < 0.02);
}

TEST_CASE("a gemm with few rows scales from whole rounds of blocks within 2 percent") {
  // 48 column blocks over 24 cores: samples of 384 and 768 rows (3 and 6 rounds).
  const auto [et, ee] = scaling_error("gemm m=1536 n=12288 k=2048 trans_a=1 dtype=bf16");
  CHECK(et < 0.02);
  CHECK(ee < 0.02);
}

TEST_CASE("a gemm too short in m for whole rounds of blocks is simulated in full, never scaled along n") {
  const ChipConfig chip = load_chip("ascend910b");
  KernelCostCache cache(chip);
  // 25 column blocks share no factor with 24 cores: a whole round needs 24 rows of blocks
  // (3072 rows), more than m allows; n is long but is not scaled (docs/cost-cache.md).
  const KernelCost& c = cache.price("gemm m=1024 n=6283 k=4096 dtype=bf16");
  CHECK(c.note.empty());
  CHECK(cache.stats().chip_runs == 1);
}

TEST_CASE("kernels that scale from the same samples simulate them once") {
  const ChipConfig chip = load_chip("ascend910b");
  KernelCostCache cache(chip);
  const KernelCost& a = cache.price("elementwise op=add elements=1461821952 dtype=fp32");
  const KernelCost& b = cache.price("elementwise op=add elements=1359461376 dtype=fp32");
  REQUIRE(a.note.find("scaled from elements=") != std::string::npos);
  // Same samples (their size depends on the chip's L2 and cores only), two chip runs in all.
  CHECK(a.note.substr(0, a.note.find(" to ")) == b.note.substr(0, b.note.find(" to ")));
  CHECK(cache.stats().simulated == 2);
  CHECK(cache.stats().chip_runs == 2);
  CHECK(b.time_s < a.time_s);
}

TEST_CASE("scaled elementwise stays within 2 percent of the full simulation") {
  const auto [et, ee] = scaling_error("elementwise op=add elements=402653184 dtype=bf16");
  CHECK(et < 0.02);
  CHECK(ee < 0.02);
}

TEST_CASE("scaled rmsnorm stays within 2 percent of the full simulation") {
  const auto [et, ee] = scaling_error("rmsnorm rows=131072 cols=4096 dtype=bf16");
  CHECK(et < 0.02);
  CHECK(ee < 0.02);
}

TEST_CASE("scaled attention stays within 4 percent of the full simulation") {
  // The model's attention gets a few percent more efficient per head as heads grow (measured
  // 15.3 us/head at 6..24 heads, 14.8 at 48, 14.9 at 96), which no two samples capture;
  // docs/cost-cache.md records the error.
  const auto [et, ee] =
      scaling_error("attention batch=4 heads=12 seq=2048 head_dim=128 causal=1 dtype=bf16");
  CHECK(et < 0.04);
  CHECK(ee < 0.04);
}
