// DRAM presets (configs/memory) and the chip's hbm.dram link: loading, conversion to cycles,
// strict keys with did-you-mean, value checks with file:line or --set positions, and the
// consistency check between a chip's hbm section and its DRAM.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "dram_test_util.h"
#include "models/memory/dram_timing.h"
#include "sim/base/error.h"
#include "sim/config/chip_loader.h"

using namespace npusim;
namespace fs = std::filesystem;

namespace {

std::string preset_text(const std::string& name) {
  std::ifstream in(fs::path(NPUSIM_SOURCE_DIR) / "configs" / "memory" / (name + ".yaml"));
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Writes `text` as <dir>/<name>.yaml and returns the path.
std::string temp_preset(const std::string& name, const std::string& text) {
  const fs::path dir = fs::temp_directory_path() / ("npusim-mem-config-" + std::to_string(getpid()));
  fs::create_directories(dir);
  const fs::path p = dir / (name + ".yaml");
  std::ofstream(p) << text;
  return p.string();
}

std::string replace(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "<no error>";
}

}  // namespace

TEST_CASE("every DRAM preset loads and its timings convert to cycles with JEDEC rounding") {
  const auto names = dram_preset_names();
  CHECK(names == std::vector<std::string>{"hbm2", "hbm2e", "hbm3"});
  for (const auto& n : names) {
    const DramConfig d = test::preset(n);
    CHECK(d.name == n);
    CHECK(d.geometry.burst_bytes() == 32);
  }
  const DramTiming hbm2 = make_dram_timing(test::preset("hbm2"));  // 1.2 GHz: tCK 833 ps
  CHECK(hbm2.tck_ps == Approx(833.333));
  CHECK(hbm2.rcd_rd == 17);  // ceil(14 / 0.833)
  CHECK(hbm2.faw == 36);     // 30 ns exactly
  CHECK(hbm2.rc == hbm2.ras + hbm2.rp);
  CHECK(hbm2.burst == 2);    // BL4, 2 beats per clock
  CHECK(hbm2.refi == 4680);
  const DramTiming hbm3 = make_dram_timing(test::preset("hbm3"));  // 1.3 GHz, 4 beats per clock
  CHECK(hbm3.burst == 2);    // BL8
  CHECK(hbm3.cl == 19);      // Ramulator2 HBM3_5.2Gbps nCL
  CHECK(hbm3.faw == 39);
}

TEST_CASE("a misspelt DRAM key is an error with a did-you-mean") {
  CHECK(error_of([] { (void)test::preset("hbm2", {"dram.timing_ns.fawx=20"}); }) ==
        "--set dram.timing_ns.fawx=20: unknown key 'timing_ns.fawx' (did you mean "
        "'timing_ns.faw'?)");
  const std::string path =
      temp_preset("typo", replace(replace(preset_text("hbm2"), "name: hbm2", "name: typo"),
                                  "  rrd_l: 6", "  rrd_ll: 6"));
  CHECK_THAT(error_of([&] { (void)test::preset(path); }),
             Catch::Matches(".*typo\\.yaml:[0-9]+: unknown key 'timing_ns\\.rrd_ll' \\(did you "
                            "mean 'timing_ns\\.rrd_l'\\?\\)"));
}

TEST_CASE("impossible DRAM values are errors that say what was expected") {
  const auto err = [](const std::string& set) { return error_of([&] { (void)test::preset("hbm2e", {set}); }); };
  CHECK_THAT(err("dram.timing_ns.rfc=5000"), Catch::Contains("expected less than refi"));
  CHECK_THAT(err("dram.controller.write_low_watermark=50"),
             Catch::Contains("expected < write_high_watermark"));
  CHECK_THAT(err("dram.controller.write_high_watermark=70"),
             Catch::Contains("expected <= write_queue_depth"));
  CHECK_THAT(err("dram.controller.scheduler=frfcsf"), Catch::Contains("did you mean 'frfcfs'"));
  CHECK_THAT(err("dram.controller.address_map=RoBaCoBgCH"),
             Catch::Contains("did you mean 'RoBaCoBgCh'"));
  CHECK_THAT(err("dram.controller.page_policy=opne"), Catch::Contains("did you mean 'open'"));
  CHECK_THAT(err("dram.timing_nck.ccd_s=1"), Catch::Contains("back-to-back bursts would overlap"));
  CHECK_THAT(err("dram.data_rate_mtps=3000"), Catch::Contains("whole number of clocks"));
  CHECK_THAT(err("dram.geometry.bank_groups=3"), Catch::Contains("power of two"));
  CHECK_THAT(err("dram.timing_ns.rrd_l=2"), Catch::Contains("expected >= rrd_s"));
  CHECK_THAT(err("timing_ns.faw=20"), Catch::Contains("must start with 'dram.'"));
  CHECK_THAT(err("dram.name=x"), Catch::Contains("'dram.name' cannot be changed"));
  CHECK_THAT(err("dram.timing_ns.faw"), Catch::StartsWith("--set dram.timing_ns.faw: missing '='"));
}

TEST_CASE("a DRAM preset file must be valid YAML named like its file") {
  const std::string wrong = temp_preset("other", preset_text("hbm2"));
  CHECK_THAT(error_of([&] { (void)test::preset(wrong); }),
             Catch::Contains("name 'hbm2' does not match the file name (expected 'other'"));
  const std::string broken = temp_preset("broken", "name: broken\ngeometry: [1, 2\n");
  CHECK_THAT(error_of([&] { (void)test::preset(broken); }),
             Catch::Matches(".*broken\\.yaml:[0-9]+:[0-9]+: YAML syntax error.*"));
  CHECK_THAT(error_of([] { (void)test::preset("hbm4"); }),
             Catch::StartsWith("unknown DRAM preset 'hbm4' (did you mean"));
}

TEST_CASE("chips name their DRAM in hbm.dram and match it") {
  CHECK(load_chip("ascend910").hbm.dram == "hbm2");
  CHECK(load_chip("ascend910b").hbm.dram == "hbm2e");
  CHECK(load_chip("ascend910c").hbm.dram == "hbm2e");
  CHECK(load_chip("nvidia-h100").hbm.dram == "hbm3");
  CHECK(load_chip("nvidia-a100").hbm.dram == "hbm2e");
  CHECK(load_chip("ascend310p").hbm.dram.empty());  // LPDDR4X: no preset yet
  for (const char* chip : {"ascend910", "ascend910b", "ascend910c", "nvidia-h100", "nvidia-a100"}) {
    const ChipConfig c = load_chip(chip);
    INFO(chip);
    CHECK_NOTHROW(check_chip_dram(c, test::preset(c.hbm.dram)));
  }
  CHECK_THAT(resolved_chip_yaml("ascend910b"), Catch::Contains("dram: hbm2e"));
}

TEST_CASE("an hbm section that does not match its DRAM is reported with both numbers") {
  CHECK_THAT(error_of([] { (void)load_chip("ascend910b", {"hbm.dram=hbm9"}); }),
             Catch::StartsWith("--set hbm.dram=hbm9: 'hbm.dram': unknown DRAM preset 'hbm9'"));
  const auto check = [](const std::string& set) {
    return error_of([&] {
      const ChipConfig c = load_chip("ascend910b", {set});
      check_chip_dram(c, test::preset(c.hbm.dram));
    });
  };
  CHECK_THAT(check("hbm.channels=16"),
             Catch::Contains("hbm.bandwidth_gbps is 1600 but hbm.dram 'hbm2e' gives hbm.channels "
                             "16 x 2 pseudo-channels x 64 bit x 3200 MT/s = 819.2 GB/s"));
  CHECK_THAT(check("hbm.capacity_gib=32"), Catch::Contains("hbm.capacity_gib is 32"));
  CHECK_THAT(check("hbm.dram=hbm3"), Catch::Contains("= 1331.2 GB/s"));
}
