// System config loader: presets, --set overrides (system and chip keys), and one test per
// bad-input path with its `path:line: message` form.
#include "sim/base/error.h"
#include "sim/config/system_loader.h"
#include "sim/system/system_runner.h"
#include "system_fixtures.h"

using namespace npusim;
using npusim::testing::TempDir;
using npusim::testing::tiny_system_yaml;

namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  FAIL("expected an InputError");
  return "";
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

/// The tiny system's text with `from` replaced by `to`.
std::string edited(const std::string& from, const std::string& to) {
  std::string text = tiny_system_yaml("t", 2, 64, 10);
  const size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("every shipped system loads and describes itself") {
  const std::vector<std::string> names = system_preset_names();
  for (const char* wanted : {"atlas800-910", "atlas800t-a2", "dgx-a100", "atlas800t-a3"})
    CHECK(std::find(names.begin(), names.end(), wanted) != names.end());
  for (const std::string& name : names) {
    INFO(name);
    const SystemConfig s = load_system(name);
    CHECK(s.name == name);
    CHECK(contains(describe_system(s), "topology"));
  }
  const SystemConfig a2 = load_system("atlas800t-a2");
  CHECK(a2.npus == 8);
  CHECK(a2.topology.kind == "full_mesh");
  CHECK(a2.chip.name == "ascend910b");
  CHECK(a2.has_nic);
  const SystemConfig a3 = load_system("atlas800t-a3");
  CHECK(a3.npus_per_chip == 2);
  CHECK(a3.npu_peak_hbm_bytes_per_s() == Approx(a3.chip.peak_hbm_bytes_per_s() / 2));
}

TEST_CASE("set overrides reach system keys and with a chip prefix the keys of the chip") {
  const SystemConfig s = load_system(
      "atlas800t-a2", {"npus=4", "link_types.hccs.lane_gbps=28", "chip.hbm.bandwidth_gbps=3200"});
  CHECK(s.npus == 4);
  CHECK(s.link("hccs").lane_gbps == 28);
  CHECK(s.chip.hbm.bandwidth_gbps == 3200);
}

TEST_CASE("unknown system presets get a did-you-mean") {
  const std::string e = error_of([] { (void)load_system("atlas800ta2"); });
  CHECK(contains(e, "unknown system preset"));
  CHECK(contains(e, "did you mean 'atlas800t-a2'"));
}

TEST_CASE("bad system files fail at the offending line") {
  TempDir dir;
  struct Case {
    std::string from, to, message;
    uint32_t line;  // 0: no line check
  };
  const std::vector<Case> cases = {
      {"npus: 2", "nupus: 2", "unknown key 'nupus' (did you mean 'npus'?)", 4},
      {"npus: 2", "npus: 1", "invalid value for 'npus'", 4},
      {"encoding: 64b/66b", "encoding: 66b/64b", "invalid value for 'link_types.l.encoding'", 12},
      {"kind: hccs", "kind: hcss", "did you mean 'hccs'", 9},
      {"flit_header_bytes: 16", "flit_header_bytes: 272", "expected fewer bytes than flit_bytes",
       14},
      {"buffer_flits: 64", "buffer_flits: 8", "cannot hold one simulated packet", 15},
      {"mesh_link: l", "mesh_link: k", "unknown link type 'k'", 19},
      {"kind: full_mesh", "kind: fullmesh", "did you mean 'full_mesh'", 19},
      {"mesh_links_per_peer: 1}", "mesh_links_per_peer: 1, group_size: 2}",
       "unknown key 'topology.group_size'", 19},
      {"chip: ascend910b", "chip: ascend910x", "unknown chip preset 'ascend910x'", 3},
      {"chunk_kib: 1024", "chunk_kib: -1", "invalid value for 'collective.chunk_kib'", 6},
      {"lanes: 4", "lanes: [4]", "wrong type for 'link_types.l.lanes'", 10},
      {"wire_ns: 10", "wire_ns: 10\n    protocol_efficiency: 1.5",
       "invalid value for 'link_types.l.protocol_efficiency': 1.5 (expected a fraction in (0, 1])",
       19},
      {"wire_ns: 10", "wire_ns: 10\n    protocol_efficiency: 0",
       "invalid value for 'link_types.l.protocol_efficiency': 0 (expected a fraction in (0, 1])", 19},
  };
  for (const Case& c : cases) {
    const std::string path = dir.write("t.yaml", edited(c.from, c.to));
    const std::string e = error_of([&] { (void)load_system(path); });
    INFO(e);
    CHECK(contains(e, c.message));
    if (c.line != 0) CHECK(e.rfind(path + ":" + std::to_string(c.line) + ":", 0) == 0);
    CHECK(!contains(e, "\n"));
  }
  const std::string renamed = dir.write("other.yaml", tiny_system_yaml("t", 2, 64, 10));
  CHECK(contains(error_of([&] { (void)load_system(renamed); }), "does not match the file name"));
  const std::string broken = dir.write("b.yaml", "name: b\nnpus: [1,\n");
  CHECK(contains(error_of([&] { (void)load_system(broken); }), "YAML syntax error"));
}

TEST_CASE("mesh groups must divide the NPUs") {
  const std::string e = error_of([] { (void)load_system("atlas800-910", {"npus=6"}); });
  CHECK(contains(e, "expected a divisor of npus"));
  const std::string n = error_of([] { (void)load_system("atlas800t-a2", {"name=x"}); });
  CHECK(contains(n, "cannot be changed"));
  const std::string m =
      error_of([] { (void)load_system("atlas800t-a2", {"link_types.nvlink.lanes=4"}); });
  CHECK(contains(m, "unknown key 'link_types.nvlink'"));
}

TEST_CASE("byte sizes and ranges parse like nccl-tests sizes") {
  CHECK(parse_byte_sizes("1K") == std::vector<uint64_t>{1024});
  CHECK(parse_byte_sizes("4096") == std::vector<uint64_t>{4096});
  CHECK(parse_byte_sizes("1K..8K") == std::vector<uint64_t>{1024, 2048, 4096, 8192});
  CHECK(parse_byte_sizes("1K..8G:4").size() == 12);  // 1K, 4K, ..., 4G
  CHECK(parse_byte_sizes("1M..1G:32") == std::vector<uint64_t>{1 << 20, 32 << 20, 1 << 30});
  CHECK(parse_byte_sizes("1G").front() == 1ull << 30);
  for (const char* bad :
       {"", "8G..1K", "1K..", "..1K", "1K..8G:1", "1K..8G:x", "1X", "-1", "0", "1.5K"})
    CHECK(contains(error_of([&] { (void)parse_byte_sizes(bad); }), "--bytes"));
  CHECK(format_bytes(1024) == "1 KiB");
  CHECK(format_bytes(1536) == "1.5 KiB");
  CHECK(format_bytes(1000) == "1000 B");
}
