// The rate the chip model's HBM channels sustain: the DRAM timing model's stream rate when the
// chip names a DRAM preset, the pin rate without one, the chip's own figure when it gives one.
#include <catch2/catch.hpp>

#include "dram_test_util.h"
#include "models/memory/hbm_sustained_rate.h"
#include "sim/config/chip_loader.h"

using namespace npusim;

TEST_CASE("without a DRAM preset the HBM channels stream at pin rate") {
  const ChipConfig c = load_chip("ascend310p");  // LPDDR4X: no DRAM preset
  REQUIRE(c.hbm.dram.empty());
  CHECK(hbm_sustained_fraction(c) == 1.0);
  CHECK(sustained_hbm_bytes_per_s(c) == c.peak_hbm_bytes_per_s());
}

TEST_CASE("with a DRAM preset the channels lose what the DRAM model loses on a stream: refresh and up to 4% more") {
  for (const std::string name : {"ascend910", "ascend910b", "nvidia-a100", "nvidia-h100"}) {
    INFO(name);
    const ChipConfig c = load_chip(name);
    const DramConfig d = test::preset(c.hbm.dram);
    const double refresh = d.timing_ns.rfc / d.timing_ns.refi;
    const double f = hbm_sustained_fraction(c);
    CHECK(f <= 1 - refresh);
    CHECK(f >= 1 - refresh - 0.04);
    CHECK(sustained_hbm_bytes_per_s(c) == Approx(c.peak_hbm_bytes_per_s() * f));
  }
}

TEST_CASE("hbm.stream_efficiency overrides the DRAM model, and repeated calls agree") {
  const ChipConfig a = load_chip("nvidia-a100");
  CHECK(hbm_sustained_fraction(a) == hbm_sustained_fraction(load_chip("nvidia-a100")));
  CHECK(hbm_sustained_fraction(load_chip("nvidia-a100", {"hbm.stream_efficiency=0.5"})) == 0.5);
  CHECK(hbm_sustained_fraction(load_chip("ascend310p", {"hbm.stream_efficiency=0.8"})) == 0.8);
}

TEST_CASE("written bytes cost the turnarounds of a mix where the DRAM model pays them, else as read") {
  CHECK(hbm_write_cost(load_chip("ascend310p")) == 1.0);  // no DRAM preset
  CHECK(hbm_write_cost(load_chip("nvidia-a100", {"hbm.stream_efficiency=0.9"})) == 1.0);
  for (const std::string name : {"ascend910", "ascend910b", "nvidia-a100", "nvidia-h100"}) {
    INFO(name);
    const double cost = hbm_write_cost(load_chip(name));
    CHECK(cost > 1.2);
    CHECK(cost < 2.0);
  }
}

// NVIDIA/cccl issue 2714, cub babelstream on an A100-SXM4-80GB: triad (two reads, one write)
// at 1.500 TB/s = 73.5% of the 2.04 TB/s pins. The channels serve reads at the sustained
// fraction e and writes at e / cost, so a 2:1 stream sustains 3 e / (2 + cost).
TEST_CASE("A100: a 2:1 read/write stream through the HBM channels sustains the measured triad") {
  const ChipConfig a100 = load_chip("nvidia-a100");
  const double e = hbm_sustained_fraction(a100);
  const double triad = 3 * e / (2 + hbm_write_cost(a100));
  INFO("model " << triad << " of pins, measured 0.735");
  CHECK(std::abs(triad - 0.735) < 0.02);
}
