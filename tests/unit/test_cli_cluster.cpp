// `npusim cluster` end to end: list, show with derived numbers and --set, help texts, and
// exit status 2 with one line for bad input.
#include "cli_harness.h"

using npusim::test::expect_bad_input;
using npusim::test::Outcome;
using npusim::test::run_npusim;

namespace {

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("cluster help texts explain themselves with an example") {
  for (const char* cmd : {"cluster", "cluster list", "cluster show"}) {
    const Outcome o = run_npusim(std::string(cmd) + " --help");
    INFO(cmd << "\n" << o.out);
    CHECK(o.status == 0);
    CHECK(contains(o.out, "Example"));
  }
}

TEST_CASE("cluster list names every preset with its description") {
  const Outcome o = run_npusim("cluster list");
  INFO(o.out);
  CHECK(o.status == 0);
  for (const char* name : {"atlas900-pod", "atlas-a2-cluster", "cloudmatrix384", "dgx-a100"})
    CHECK(contains(o.out, name));
  CHECK_FALSE(contains(o.out, "invalid"));
}

TEST_CASE("cluster show prints the resolved yaml and derived numbers") {
  const Outcome o = run_npusim("cluster show atlas-a2-cluster --set scale_out.oversubscription=2");
  INFO(o.out);
  CHECK(o.status == 0);
  CHECK(contains(o.out, "node: atlas800t-a2"));
  CHECK(contains(o.out, "oversubscription: 2  # --set scale_out.oversubscription=2"));
  CHECK(contains(o.out, "2048 x 8 NPUs = 16384"));
  CHECK(contains(o.out, "25.0 GB/s per direction (200 Gb/s)"));
  CHECK(contains(o.out, "12.5 GB/s per direction (after oversubscription 2)"));
  const Outcome s = run_npusim("cluster show cloudmatrix384");
  INFO(s.out);
  CHECK(s.status == 0);
  CHECK(contains(s.out, "supernode bandwidth per NPU"));
}

TEST_CASE("cluster show of a bad name or value exits 2 with one line") {
  expect_bad_input("cluster show atlas900-pods", "did you mean 'atlas900-pod'", false);
  expect_bad_input("cluster show dgx-a100 --set scale_out.oversubscription=0.5",
                   "--set scale_out.oversubscription=0.5: ");
  expect_bad_input("cluster show dgx-a100 --set scale_out.tierz=2",
                   "--set scale_out.tierz=2: unknown key 'scale_out.tierz' (did you mean "
                   "'scale_out.tiers'?)");
  expect_bad_input("cluster show dgx-a100 --set node=dgx-a1000", "--set node=dgx-a1000: ");
}
