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
