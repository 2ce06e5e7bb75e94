// Validation against published measurements (docs/validation.md, "8-NPU all-reduce on an
// Atlas 800T A2 class server"): limulidae measured 8 x 910B fp32 all-reduce with
// torch.distributed over HCCL at 72 GB/s algbw = 126 GB/s busbw (x 2(n-1)/n), and all-gather
// at 149 GB/s algbw = 130 GB/s busbw. The model has no HCCL/runtime overheads and takes the
// unofficial 56 GB/s per HCCS link at face value, so it is an upper bound, not a match:
//   - the model's full-mesh busbw must lie at or above the measurement and at or below the
//     links' signalling peak 7 x 56 = 392 GB/s;
//   - its ring busbw (one link per NPU) must lie below the measurement, so the measured
//     figure is only reachable by using the mesh — as HCCL does;
//   - the measured/model ratio must be about the same (spread under 30%) at 2, 4 and 8
//     NPUs: the gap is per link, not in the algorithm's scaling.
// The same source measured 8 x A800 (NVLink3 cut to 8 links) at 89 GB/s algbw; dgx-a100's
// NCCL protocol efficiency comes from a different measurement (8 x A100, 12 links), so the
// A800 is an independent check of it.
#include <cmath>

#include "sim/config/system_loader.h"
#include "sim/system/system_runner.h"
#include "system_fixtures.h"

using namespace npusim;
using npusim::testing::in_child;

namespace {

/// busbw of a 1 GiB fp32 collective on a system (atlas800t-a2 with `npus` NPUs by default).
double model_busbw(uint32_t npus, Collective c, const std::string& algorithm,
                   const std::string& system = "atlas800t-a2",
                   std::vector<std::string> overrides = {}) {
  overrides.push_back("npus=" + std::to_string(npus));
  const SystemConfig s = load_system(system, overrides);
  const auto v = in_child([&] {
    SystemSimulator sim(s);
    return std::vector<double>{sim.run(c, algorithm, 1ull << 30).busbw_gbps};
  });
  REQUIRE(v.size() == 1);
  return v[0];
}

}  // namespace

TEST_CASE("8 x 910B all-reduce busbw bounds the measured 126 GB/s from above") {
  constexpr double measured = 72 * 2.0 * 7 / 8;  // limulidae README: 72 GB/s algbw, 8 x 910B
  const double mesh = model_busbw(8, Collective::allreduce, "fullmesh");
  const double ring = model_busbw(8, Collective::allreduce, "ring");
  INFO("model full mesh " << mesh << " GB/s, ring " << ring << " GB/s, measured " << measured);
  CHECK(mesh >= measured);
  CHECK(mesh <= 7 * 56.0);
  CHECK(ring < measured);
}

TEST_CASE("measured over model is about constant from 2 to 8 NPUs") {
  // limulidae README (algbw, GB/s): all_reduce 18 / 30 / 72, all_gather 38 / 64 / 149.
  const std::vector<std::pair<uint32_t, std::pair<double, double>>> measured_algbw = {
      {2, {18, 38}}, {4, {30, 64}}, {8, {72, 149}}};
  std::vector<double> ratios;
  for (const auto& [n, algbw] : measured_algbw) {
    const double ar = algbw.first * 2.0 * (n - 1) / n, ag = algbw.second * double(n - 1) / n;
    ratios.push_back(ar / model_busbw(n, Collective::allreduce, "fullmesh"));
    ratios.push_back(ag / model_busbw(n, Collective::allgather, "fullmesh"));
  }
  const auto [lo, hi] = std::minmax_element(ratios.begin(), ratios.end());
  INFO("measured / model from " << *lo << " to " << *hi);
  CHECK(*lo > 0.25);
  CHECK(*hi < 0.45);
  CHECK(*hi / *lo < 1.3);
}

TEST_CASE("8 x A800 all-reduce: within 10 percent of the measured 156 GB/s busbw with NCCL's protocol efficiency") {
  constexpr double measured = 89 * 2.0 * 7 / 8;  // limulidae README: 89 GB/s algbw, 8 x A800
  const std::vector<std::string> a800 = {"topology.bridge.links_per_npu=8"};
  const double model = model_busbw(8, Collective::allreduce, "auto", "dgx-a100", a800);
  const double raw = model_busbw(8, Collective::allreduce, "auto", "dgx-a100",
                                 {"topology.bridge.links_per_npu=8",
                                  "link_types.nvlink3.protocol_efficiency=1"});
  INFO("model " << model << " GB/s (without the protocol efficiency " << raw << "), measured "
                << measured);
  CHECK(model < raw);
  CHECK(std::abs(model - measured) / measured < 0.10);
}
