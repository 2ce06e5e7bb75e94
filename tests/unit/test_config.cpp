// Chip config loader: presets, inheritance, --set overrides, and one test per bad-input path.

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "sim/base/error.h"
#include "sim/config/chip_loader.h"
#include "sim/config/chip_reader.h"

using namespace npusim;
namespace fs = std::filesystem;

namespace {

/// A fresh folder under the system temp dir, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "npusim_test_config_XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) FAIL("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  /// Writes `text` to <dir>/<name> and returns the path.
  std::string write(const std::string& name, const std::string& text) const {
    const fs::path p = path_ / name;
    std::ofstream(p) << text;
    return p.string();
  }

 private:
  fs::path path_;
};

/// The InputError message `f` throws; fails the test if it throws nothing.
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  FAIL("expected an InputError");
  return "";
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}

/// 1-based number of the first line of `text` that equals `wanted`.
int line_of(const std::string& text, const std::string& wanted) {
  std::istringstream in(text);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n)
    if (line == wanted) return n;
  FAIL("no line '" << wanted << "'");
  return 0;
}

/// `text` without the lines from the one starting with `line_start` through its children.
std::string without_block(const std::string& text, const std::string& line_start) {
  const size_t indent = line_start.find_first_not_of(' ');
  std::istringstream in(text);
  std::string line, out;
  bool skipping = false;
  while (std::getline(in, line)) {
    if (skipping && line.find_first_not_of(' ') <= indent) skipping = false;
    if (!skipping && starts_with(line, line_start)) skipping = true;
    if (!skipping) out += line + "\n";
  }
  return out;
}

/// Resolved YAML without the provenance comments, for comparing two configs.
std::string strip_comments(const std::string& text) {
  std::istringstream in(text);
  std::string line, out;
  while (std::getline(in, line)) {
    if (starts_with(line, "#")) continue;
    const size_t hash = line.find("  # ");
    out += line.substr(0, hash) + "\n";
  }
  return out;
}

const std::string kChild = "name: child\ndescription: test chip\nbase: ascend910b\n";

}  // namespace

// ---------------------------------------------------------------------------------------------
// Presets

TEST_CASE("every shipped preset is listed and loads with sane values") {
  const std::vector<std::string> expected = {"ascend310p", "ascend910",   "ascend910b",
                                             "ascend910c", "nvidia-a100", "nvidia-h100"};
  REQUIRE(chip_preset_names() == expected);
  for (const auto& name : expected) {
    INFO(name);
    const ChipConfig c = load_chip(name);
    CHECK(c.name == name);
    CHECK(fs::path(c.source_path).filename() == name + ".yaml");
    CHECK(c.peak_flops(DType::fp16) > 0);
    CHECK(c.peak_hbm_bytes_per_s() > 0);
    CHECK(c.l2.size_bytes % (uint64_t(c.l2.slices) * c.l2.ways * c.l2.line_bytes) == 0);
    for (const auto& op : config::required_vector_ops()) CHECK(c.core.vector.ops.contains(op));
    for (const auto& [dtype, k] : c.core.cube.k_per_cycle)
      CHECK(c.energy.cube_pj_per_mac.contains(dtype));
    CHECK(c.core.paths.gm_read.bytes_per_cycle > 0);
    if (c.split) {
      CHECK(c.vector_cores == 2 * c.cube_cores);
      CHECK(c.core.paths.l0c_to_l1.bytes_per_cycle > 0);
      CHECK(c.core.paths.l1_to_ub.bytes_per_cycle == 0);
    } else {
      CHECK(c.vector_cores == 0);
      CHECK(c.core.paths.l0c_to_ub.bytes_per_cycle > 0);
    }
  }
}

TEST_CASE("peak FLOPs reproduce the sourced figures") {
  CHECK(load_chip("ascend910b").peak_flops(DType::fp16) == Approx(363.7e12).epsilon(0.001));
  CHECK(load_chip("ascend910").peak_flops(DType::fp16) == Approx(262.1e12).epsilon(0.001));
  CHECK(load_chip("ascend910c").peak_flops(DType::fp16) == Approx(727.4e12).epsilon(0.001));
  CHECK(load_chip("ascend310p").peak_flops(DType::fp16) == Approx(69.5e12).epsilon(0.001));
  CHECK(load_chip("nvidia-a100").peak_flops(DType::fp16) == Approx(312e12).epsilon(0.01));
  CHECK(load_chip("nvidia-h100").peak_flops(DType::fp16) == Approx(989.4e12).epsilon(0.01));
  CHECK(load_chip("nvidia-h100").peak_flops(DType::fp8) == Approx(1978.9e12).epsilon(0.01));

  const ChipConfig b = load_chip("ascend910b");
  CHECK(b.peak_flops(DType::int8) == Approx(2 * b.peak_flops(DType::fp16)));
  CHECK(b.peak_flops(DType::fp32) == Approx(b.peak_flops(DType::fp16) / 4));
  CHECK(load_chip("ascend910").peak_flops(DType::bf16) == 0);  // 910A has no bf16 cube
}

TEST_CASE("a sustained clock sets the simulated cycle but not the quoted peak") {
  const ChipConfig b = load_chip("ascend910b");  // no sustained clock: it runs at freq_mhz
  CHECK(b.clock_mhz() == b.freq_mhz);
  CHECK(b.sustained_peak_flops(DType::fp16) == b.peak_flops(DType::fp16));

  const ChipConfig a = load_chip("nvidia-a100");
  REQUIRE(a.sustained_freq_mhz > 0);
  REQUIRE(a.sustained_freq_mhz < a.freq_mhz);
  CHECK(a.cycle_ps() == Approx(1e6 / a.sustained_freq_mhz));
  CHECK(a.peak_flops(DType::fp16) == Approx(312e12).epsilon(0.01));  // MFU stays against 312
  CHECK(a.sustained_peak_flops(DType::fp16) ==
        Approx(a.peak_flops(DType::fp16) * a.sustained_freq_mhz / a.freq_mhz));
}

TEST_CASE("ascend910b GM latency adds up to the pypto 311 cycle read and 153 cycle write") {
  const ChipConfig c = load_chip("ascend910b");
  const double hbm_cycles = c.hbm.latency_ns * c.freq_mhz / 1000.0;
  const double round_trip = 2.0 * c.noc.latency_cycles + c.l2.hit_latency_cycles;
  CHECK(round_trip == Approx(153).margin(2));
  CHECK(c.core.paths.gm_read.latency_cycles + round_trip + hbm_cycles == Approx(311).margin(3));
  CHECK(c.hbm.bandwidth_gbps == 1600);
  CHECK(c.l2.size_bytes == 192ull << 20);
  CHECK(c.core.buffers.ub == 192u * 1024);
}

TEST_CASE("ascend910c inherits the 910B core and adds a second die") {
  const ChipConfig b = load_chip("ascend910b");
  const ChipConfig c = load_chip("ascend910c");
  CHECK(c.name == "ascend910c");
  CHECK(c.description != b.description);
  CHECK(c.dies == 2);
  CHECK(c.split);
  CHECK(c.cube_cores == b.cube_cores);
  CHECK(c.core.buffers.l1 == b.core.buffers.l1);
  CHECK(c.core.cube.k_per_cycle == b.core.cube.k_per_cycle);
  CHECK(c.core.vector.ops.size() == b.core.vector.ops.size());
  CHECK(c.die_link.bandwidth_gbps > 0);
  CHECK(c.energy.die_link_pj_per_byte > 0);
  CHECK(c.peak_hbm_bytes_per_s() == Approx(3.2e12));
  CHECK(c.core_count(CoreKind::aic) == 48);
  CHECK(c.core_count(CoreKind::aiv) == 96);
}

TEST_CASE("a chip file inherits from a preset and overrides a few keys") {
  TempDir dir;
  const std::string path = dir.write("child.yaml", kChild +
                                                       "freq_mhz: 925\ncore:\n  cube:\n"
                                                       "    k_per_cycle:\n      fp8: 32\n"
                                                       "energy:\n  cube_pj_per_mac:\n"
                                                       "    fp8: 0.39\n");
  const ChipConfig c = load_chip(path);
  CHECK(c.name == "child");
  CHECK(c.source_path == path);
  CHECK(c.peak_flops(DType::fp16) == Approx(363.7e12 / 2).epsilon(0.001));
  CHECK(c.core.cube.k_per_cycle.at(DType::fp8) == 32);
  CHECK(c.core.cube.k_per_cycle.at(DType::fp16) == 16);  // deep merge keeps the base's entries
}

TEST_CASE("set overrides change nested values and the last one wins and config show names them") {
  const ChipConfig c =
      load_chip("ascend910b", {"core.cube.latency_cycles=24", "core.buffers_kib.ub=256",
                               "hbm.bandwidth_gbps=1420", "hbm.bandwidth_gbps=1500"});
  CHECK(c.core.cube.latency_cycles == 24);
  CHECK(c.core.buffers.ub == 256u * 1024);
  CHECK(c.hbm.bandwidth_gbps == 1500);
  CHECK(c.core.cube.tile_m == 16);  // siblings of an overridden key are untouched

  const std::string text = resolved_chip_yaml("ascend910b", {"core.cube.latency_cycles=24"});
  CHECK(text.find("latency_cycles: 24  # --set core.cube.latency_cycles=24") != std::string::npos);
  CHECK(text.find("tile_m: 16  # ascend910b.yaml:") != std::string::npos);
}

TEST_CASE("a set override may add a dtype to the cube") {
  const ChipConfig c =
      load_chip("ascend910b", {"core.cube.k_per_cycle.fp8=32", "energy.cube_pj_per_mac.fp8=0.39"});
  CHECK(c.peak_flops(DType::fp8) == Approx(2 * c.peak_flops(DType::fp16)));
}

TEST_CASE("resolved YAML loads again to the same config") {
  TempDir dir;
  for (const auto& name : chip_preset_names()) {
    INFO(name);
    const std::string text = resolved_chip_yaml(name);
    const std::string path = dir.write(name + ".yaml", text);
    CHECK(strip_comments(resolved_chip_yaml(path)) == strip_comments(text));
  }
}

// ---------------------------------------------------------------------------------------------
// Files and presets that cannot be loaded

TEST_CASE("a missing file is reported with its path") {
  TempDir dir;
  const std::string path = dir.write("x.yaml", "") + ".missing.yaml";
  CHECK(error_of([&] { (void)load_chip(path); }) ==
        path + ": cannot open chip config (no such file)");
}

TEST_CASE("an unknown preset lists the presets and suggests the closest") {
  const std::string e = error_of([] { (void)load_chip("ascnd910b"); });
  CHECK(starts_with(e, "ascnd910b: unknown chip preset"));
  CHECK(e.find("did you mean 'ascend910b'?") != std::string::npos);
  CHECK(e.find("ascend310p, ascend910, ascend910b") != std::string::npos);
}

TEST_CASE("an unknown base preset is reported at the base line") {
  TempDir dir;
  const std::string path =
      dir.write("child.yaml", "name: child\ndescription: x\nbase: ascnd910c\n");
  const std::string e = error_of([&] { (void)load_chip(path); });
  CHECK(starts_with(e, path + ":3: base 'ascnd910c': unknown chip preset"));
  CHECK(e.find("did you mean 'ascend910c'?") != std::string::npos);
}

TEST_CASE("a YAML syntax error carries the parser line") {
  TempDir dir;
  const std::string path =
      dir.write("bad.yaml", "name: bad\ndescription: x\narch: [split\nl2: 3\n");
  const std::string e = error_of([&] { (void)load_chip(path); });
  CHECK(starts_with(e, path + ":4:"));
  CHECK(e.find("YAML syntax error") != std::string::npos);
}

TEST_CASE("a top level that is not a map is rejected") {
  TempDir dir;
  const std::string path = dir.write("list.yaml", "- a\n- b\n");
  CHECK(starts_with(error_of([&] { (void)load_chip(path); }), path + ":1: a chip config must be"));
}

TEST_CASE("an inheritance cycle is rejected") {
  TempDir dir;
  dir.write("a.yaml", "name: a\ndescription: x\nbase: ./b.yaml\n");
  const std::string b = dir.write("b.yaml", "name: b\ndescription: x\nbase: ./a.yaml\n");
  const std::string a = (fs::path(b).parent_path() / "a.yaml").string();
  const std::string e = error_of([&] { (void)load_chip(a); });
  CHECK(starts_with(e, b + ":3: base './a.yaml': inheritance cycle a.yaml -> b.yaml -> a.yaml"));
}

TEST_CASE("the name key must match the file name") {
  TempDir dir;
  const std::string path =
      dir.write("mine.yaml", "name: yours\ndescription: x\nbase: ascend910b\n");
  const std::string e = error_of([&] { (void)load_chip(path); });
  CHECK(starts_with(e, path + ":1: name 'yours' does not match the file name (expected 'mine'"));
}

TEST_CASE("name and description are not inherited") {
  TempDir dir;
  const std::string path = dir.write("child.yaml", "name: child\nbase: ascend910b\n");
  const std::string e = error_of([&] { (void)load_chip(path); });
  CHECK(starts_with(e, path + ":1: missing required key 'description'"));
}

// ---------------------------------------------------------------------------------------------
// Keys and values

TEST_CASE("a missing required key is reported at its parent map") {
  TempDir dir;
  const std::string text = resolved_chip_yaml("ascend910b");
  const std::string path = dir.write("ascend910b.yaml", without_block(text, "    tile_m:"));
  const std::string e = error_of([&] { (void)load_chip(path); });
  CHECK(starts_with(e, path + ":" + std::to_string(line_of(text, "  cube:")) +
                           ": missing required key 'core.cube.tile_m' (expected an integer)"));
}

TEST_CASE("a missing vector op is reported") {
  TempDir dir;
  const std::string text = resolved_chip_yaml("ascend910b");
  const std::string path = dir.write("ascend910b.yaml", without_block(text, "      relu:"));
  const std::string e = error_of([&] { (void)load_chip(path); });
  CHECK(starts_with(e, path + ":" + std::to_string(line_of(text, "    ops:")) +
                           ": missing vector op 'core.vector.ops.relu'"));
}

TEST_CASE("an unknown key suggests the closest known key") {
  TempDir dir;
  const std::string path = dir.write("child.yaml", kChild + "core:\n  cube:\n    tile_mm: 8\n");
  CHECK(error_of([&] { (void)load_chip(path); }) ==
        path + ":6: unknown key 'core.cube.tile_mm' (did you mean 'core.cube.tile_m'?)");
  const std::string far = dir.write("child.yaml", kChild + "colour: blue\n");
  const std::string e = error_of([&] { (void)load_chip(far); });
  CHECK(starts_with(e, far + ":4: unknown key 'colour' (expected one of: name, description"));
}

TEST_CASE("a key given twice in one map is rejected") {
  TempDir dir;
  const std::string path = dir.write("child.yaml", kChild + "freq_mhz: 1000\nfreq_mhz: 1200\n");
  CHECK(starts_with(error_of([&] { (void)load_chip(path); }),
                    path + ":5: duplicate key 'freq_mhz' (first given at line 4"));
}

TEST_CASE("a value of the wrong type is rejected") {
  TempDir dir;
  struct Case {
    std::string yaml, key;
  };
  const std::vector<Case> cases = {
      {"freq_mhz: fast\n", "wrong type for 'freq_mhz': 'fast' (expected a number)"},
      {"freq_mhz: \"1850\"\n", "wrong type for 'freq_mhz': the quoted string \"1850\""},
      {"dies: [1, 2]\n", "wrong type for 'dies': a list (expected an integer >= 1)"},
      {"core:\n  cube: 16\n", "wrong type for 'core.cube': '16' (expected a map)"},
      {"core:\n  queue_depth: 2.5\n",
       "invalid value for 'core.queue_depth': 2.5 (expected an "
       "integer >= 1)"},
      {"arch: splt\n", "invalid value for 'arch': 'splt' (did you mean 'split'?)"},
  };
  for (const auto& c : cases) {
    INFO(c.yaml);
    const std::string path = dir.write("child.yaml", kChild + c.yaml);
    const std::string e = error_of([&] { (void)load_chip(path); });
    CHECK(starts_with(e, path + ":"));
    CHECK(e.find(c.key) != std::string::npos);
  }
}

TEST_CASE("out-of-range values are rejected with the expected range") {
  TempDir dir;
  struct Case {
    std::string yaml, message;
    int line;
  };
  const std::vector<Case> cases = {
      {"freq_mhz: 0\n", "invalid value for 'freq_mhz': 0 (expected a number > 0)", 4},
      {"sustained_freq_mhz: 0\n",
       "invalid value for 'sustained_freq_mhz': 0 (expected a number > 0)", 4},
      {"sustained_freq_mhz: 2000\n",
       "invalid value for 'sustained_freq_mhz': 2000 (expected at most freq_mhz = 1850)", 4},
      {"hbm:\n  bandwidth_gbps: -1\n",
       "invalid value for 'hbm.bandwidth_gbps': -1 (expected a number > 0)", 5},
      {"core:\n  buffers_kib:\n    ub: 0\n",
       "invalid value for 'core.buffers_kib.ub': 0 (expected a number > 0)", 6},
      {"core:\n  buffers_kib:\n    ub: 0.0001\n",
       "invalid value for 'core.buffers_kib.ub': 0.0001 (expected a size that is a whole number",
       6},
      {"cores:\n  cube: 0\n", "invalid value for 'cores.cube': 0 (expected an integer >= 1", 5},
      {"cores:\n  vector: 0\n", "invalid value for 'cores.vector': 0 (expected >= 1 on a split", 5},
      {"l2:\n  line_bytes: 500\n",
       "invalid value for 'l2.line_bytes': 500 (expected a power of two)", 5},
      {"l2:\n  size_mib: 100\n",
       "invalid value for 'l2.size_mib': 100 MiB is not a whole number "
       "of sets",
       5},
      {"hbm:\n  stream_efficiency: 0\n",
       "invalid value for 'hbm.stream_efficiency': 0 (expected a fraction in (0, 1])", 5},
      {"hbm:\n  stream_efficiency: 1.2\n",
       "invalid value for 'hbm.stream_efficiency': 1.2 (expected a fraction in (0, 1])", 5},
      {"hbm:\n  interleave_bytes: 384\n",
       "invalid value for 'hbm.interleave_bytes': 384 (expected a power of two)", 5},
      {"core:\n  cube:\n    k_per_cycle:\n      fp61: 16\n",
       "unknown dtype 'fp61' in 'core.cube.k_per_cycle' (did you mean 'fp16'?)", 7},
      {"core:\n  cube:\n    k_per_cycle:\n      fp16: 0\n",
       "invalid value for 'core.cube.k_per_cycle.fp16': 0 (expected an integer >= 1", 7},
      {"core:\n  vector:\n    ops:\n      add:\n        bytes_per_cycle: 0\n",
       "invalid value for 'core.vector.ops.add.bytes_per_cycle': 0 (expected a number > 0)", 8},
      {"core:\n  paths:\n    l1_to_ub:\n      bytes_per_cycle: 128\n",
       "invalid value for 'core.paths.l1_to_ub.bytes_per_cycle': 128 (expected 0: a split core "
       "has no such path)",
       7},
      {"core:\n  paths:\n    l0c_to_l1:\n      bytes_per_cycle: 0\n",
       "invalid value for 'core.paths.l0c_to_l1.bytes_per_cycle': 0 (expected > 0", 7},
      {"energy:\n  static_w_uncore: -5\n",
       "invalid value for 'energy.static_w_uncore': -5 (expected a number >= 0)", 5},
      {"energy:\n  cube_pj_per_mac:\n    fp8: 0.3\n",
       "'energy.cube_pj_per_mac.fp8' prices a dtype the cube does not run", 6},
  };
  for (const auto& c : cases) {
    INFO(c.yaml);
    const std::string path = dir.write("child.yaml", kChild + c.yaml);
    const std::string e = error_of([&] { (void)load_chip(path); });
    CHECK(starts_with(e, path + ":" + std::to_string(c.line) + ": " + c.message));
  }
}

TEST_CASE("a multi-die chip needs a die link") {
  TempDir dir;
  const std::string path = dir.write("child.yaml", kChild + "dies: 2\n");
  CHECK(starts_with(error_of([&] { (void)load_chip(path); }),
                    path + ":4: 'dies' is 2 but 'die_link' is missing"));
  // The other way round is allowed, so a two-die preset can be studied as one die.
  CHECK(load_chip("ascend910c", {"dies=1"}).dies == 1);
}

TEST_CASE("every cube dtype needs an energy") {
  const std::string e =
      error_of([] { (void)load_chip("ascend910b", {"core.cube.k_per_cycle.fp8=32"}); });
  CHECK(e.find("ascend910b.yaml:") != std::string::npos);
  CHECK(e.find("missing required key 'energy.cube_pj_per_mac.fp8'") != std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// --set

TEST_CASE("a set override without an equals sign or with an empty name is rejected") {
  CHECK(error_of([] { (void)load_chip("ascend910b", {"core.cube.tile_m"}); }) ==
        "--set core.cube.tile_m: missing '=' (expected key.path=value, e.g. "
        "core.cube.latency_cycles=24)");
  CHECK(starts_with(error_of([] { (void)load_chip("ascend910b", {"core..tile_m=3"}); }),
                    "--set core..tile_m=3: empty name in key"));
  CHECK(starts_with(error_of([] { (void)load_chip("ascend910b", {"name=x"}); }),
                    "--set name=x: 'name' cannot be changed with --set"));
}

TEST_CASE("a set override with an unknown key path suggests the closest") {
  CHECK(error_of([] { (void)load_chip("ascend910b", {"core.cube.tile_mm=8"}); }) ==
        "--set core.cube.tile_mm=8: unknown key 'core.cube.tile_mm' (did you mean "
        "'core.cube.tile_m'?)");
  CHECK(error_of([] { (void)load_chip("ascend910b", {"core.cub.tile_m=8"}); }) ==
        "--set core.cub.tile_m=8: unknown key 'core.cub' (did you mean 'core.cube'?)");
  // --set changes vector ops but cannot invent one (a typo would otherwise add an op).
  CHECK(error_of([] { (void)load_chip("ascend910b", {"core.vector.ops.exq.latency_cycles=3"}); }) ==
        "--set core.vector.ops.exq.latency_cycles=3: unknown key 'core.vector.ops.exq' (did you "
        "mean 'core.vector.ops.exp'?)");
}

TEST_CASE("a set override with a value of the wrong type is rejected") {
  CHECK(error_of([] { (void)load_chip("ascend910b", {"freq_mhz=fast"}); }) ==
        "--set freq_mhz=fast: wrong type for 'freq_mhz': 'fast' (expected a number)");
  CHECK(error_of([] { (void)load_chip("ascend910b", {"core.cube=16"}); }) ==
        "--set core.cube=16: wrong type for 'core.cube': '16' (expected a map)");
  CHECK(starts_with(error_of([] { (void)load_chip("ascend910b", {"core.queue_depth=-1"}); }),
                    "--set core.queue_depth=-1: invalid value for 'core.queue_depth': -1"));
  CHECK(starts_with(
      error_of([] { (void)load_chip("ascend910b", {"core.paths.l1_to_ub.bytes_per_cycle=128"}); }),
      "--set core.paths.l1_to_ub.bytes_per_cycle=128: invalid value"));
}

TEST_CASE("a bad set override is reported even when the file is broken too") {
  TempDir dir;
  const std::string path = dir.write("child.yaml", "name: child\n");
  CHECK(starts_with(error_of([&] { (void)load_chip(path, {"oops"}); }), "--set oops: missing '='"));
}

TEST_CASE("noc topology: unknown names and mesh keys on a crossbar are errors") {
  try {
    (void)load_chip("ascend910b", {"noc.topology=mesh2"});
    FAIL("accepted an unknown topology");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()).find("did you mean 'mesh'") != std::string::npos);
  }
  CHECK_THROWS_AS(load_chip("ascend910b", {"noc.mesh_cols=4"}), InputError);
  const ChipConfig mesh = load_chip("ascend910");
  CHECK(mesh.noc.topology == "mesh");
  CHECK(mesh.noc.mesh_cols * mesh.noc.mesh_rows == 24);
  CHECK(mesh.l2.mshrs_per_slice > 0);
}
