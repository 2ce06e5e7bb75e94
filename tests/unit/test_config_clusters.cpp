// Cluster config loader: every preset, derived numbers, base: inheritance, --set overrides
// (cluster keys and node.* keys), and one test per bad-input path with its `path:line:` form.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <string>

#include "sim/base/error.h"
#include "sim/config/cluster_loader.h"

using namespace npusim;
namespace fs = std::filesystem;

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

/// "<file>.yaml:<line>: " at the start of an error message.
bool has_line_prefix(const std::string& message, const std::string& file) {
  return std::regex_search(message, std::regex("^[^:]*" + file + ":[0-9]+(:[0-9]+)?: "));
}

/// A folder under the system temp dir, removed at the end of the test.
class Scratch {
 public:
  Scratch() {
    static int counter = 0;
    dir_ = fs::temp_directory_path() /
           ("npusim-cluster-test-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
    fs::create_directories(dir_);
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  /// Writes `text` to <dir>/<name>.yaml and returns its path.
  std::string write(const std::string& name, const std::string& text) const {
    const fs::path p = dir_ / (name + ".yaml");
    std::ofstream(p) << text;
    return p.string();
  }

 private:
  fs::path dir_;
};

/// A valid cluster file of name `name` (line numbers are relied on by the tests below).
std::string cluster_yaml(const std::string& name, const std::string& node = "atlas800t-a2",
                         const std::string& max_npus = "64",
                         const std::string& oversubscription = "2") {
  return "name: " + name +                          // 1
         "\ndescription: test cluster"              // 2
         "\nnode: " + node +                        // 3
         "\nmax_npus: " + max_npus +                // 4
         "\nscale_out:"                             // 5
         "\n  topology: clos"                       // 6
         "\n  tiers: 2"                             // 7
         "\n  rails: 1"                             // 8
         "\n  nic_gbps_per_npu: 200"                // 9
         "\n  link_latency_ns: 100"                 // 10
         "\n  switch_latency_ns: 500"               // 11
         "\n  oversubscription: " + oversubscription +  // 12
         "\nfacility:"                              // 13
         "\n  pue: 1.25\n";                         // 14
}

}  // namespace

TEST_CASE("every shipped cluster preset loads with sane derived numbers") {
  const std::vector<std::string> names = cluster_preset_names();
  for (const char* wanted : {"atlas900-pod", "atlas-a2-cluster", "cloudmatrix384", "dgx-a100"})
    CHECK(std::find(names.begin(), names.end(), wanted) != names.end());
  for (const std::string& name : names) {
    INFO(name);
    const ClusterConfig c = load_cluster(name);
    CHECK(c.name == name);
    CHECK(!c.description.empty());
    CHECK(c.max_npus % c.npus_per_node() == 0);
    CHECK(c.nodes_at_max() * c.npus_per_node() == c.max_npus);
    CHECK(c.scale_out.oversubscription >= 1);
    CHECK(c.facility.pue >= 1);
    CHECK(c.facility.pue < 2);
    CHECK(c.nic_bytes_per_s_per_npu() > 0);
    CHECK(c.bisection_bytes_per_s_per_npu() <= c.nic_bytes_per_s_per_npu());
  }
}

TEST_CASE("atlas900-pod is 128 Atlas 800 nodes on 100GE") {
  const ClusterConfig c = load_cluster("atlas900-pod");
  CHECK(c.node.name == "atlas800-910");
  CHECK(c.max_npus == 1024);
  CHECK(c.nodes_at_max() == 128);
  CHECK(c.scale_out.topology == "clos");
  CHECK(c.nic_bytes_per_s_per_npu() == Approx(12.5e9));
  CHECK(c.facility.pue == Approx(1.1));
  CHECK_FALSE(c.supernode.has_value());
}

TEST_CASE("atlas-a2-cluster is 2048 nodes of 8 x 910B on 200GE with oversubscription") {
  const ClusterConfig c = load_cluster("atlas-a2-cluster");
  CHECK(c.node.chip.name == "ascend910b");
  CHECK(c.max_npus == 16384);
  CHECK(c.nodes_at_max() == 2048);
  CHECK(c.scale_out.tiers == 2);
  CHECK(c.nic_bytes_per_s_per_npu() == Approx(25e9));
  const ClusterConfig o = load_cluster("atlas-a2-cluster", {"scale_out.oversubscription=2.5"});
  CHECK(o.scale_out.oversubscription == Approx(2.5));
  CHECK(o.bisection_bytes_per_s_per_npu() == Approx(10e9));
  CHECK(o.bisection_bytes_per_s() == Approx(10e9 * 16384 / 2));
}

TEST_CASE("cloudmatrix384 is a UB supernode of 768 dies with RDMA between supernodes") {
  const ClusterConfig c = load_cluster("cloudmatrix384");
  CHECK(c.node.name == "atlas800t-a3");
  CHECK(c.node.npus == 16);
  REQUIRE(c.supernode.has_value());
  CHECK(c.supernode->npus == 768);
  CHECK(c.scale_up_npus() == 768);
  CHECK(c.max_npus % 768 == 0);
  CHECK(c.scale_out_domains_at_max() == c.max_npus / 768);
  CHECK(c.supernode_bytes_per_s_per_npu() == Approx(392e9));
  CHECK(c.nic_bytes_per_s_per_npu() == Approx(50e9));
  REQUIRE(c.facility.other_power_w_per_npu.has_value());
  CHECK(*c.facility.other_power_w_per_npu > 0);
}

TEST_CASE("dgx-a100 is DGX A100 80 GB nodes with 8 HDR rails") {
  const ClusterConfig c = load_cluster("dgx-a100");
  CHECK(c.node.chip.name == "nvidia-a100");
  CHECK(c.node.chip.hbm.capacity_bytes == 80ull << 30);
  CHECK(c.scale_out.topology == "fat_tree");
  CHECK(c.scale_out.rails == 8);
  CHECK(c.max_npus >= 3072);  // SC'21's largest run
  CHECK(c.nic_bytes_per_s_per_npu() == Approx(25e9));
}

TEST_CASE("node overrides reach the node's system and chip") {
  const ClusterConfig c =
      load_cluster("dgx-a100", {"node.chip.hbm.capacity_gib=40", "max_npus=64"});
  CHECK(c.node.chip.hbm.capacity_bytes == 40ull << 30);
  CHECK(c.max_npus == 64);
  const std::string e = error_of([] { (void)load_cluster("dgx-a100", {"node.npuss=4"}); });
  CHECK(contains(e, "npuss"));
  CHECK(contains(e, "did you mean 'npus'"));
}

TEST_CASE("base inheritance takes the base values and overrides some") {
  Scratch dir;
  const std::string path = dir.write("mine",
                                     "name: mine\n"
                                     "description: an oversubscribed A2 cluster\n"
                                     "base: atlas-a2-cluster\n"
                                     "max_npus: 4096\n"
                                     "scale_out:\n"
                                     "  oversubscription: 3\n");
  const ClusterConfig c = load_cluster(path);
  CHECK(c.name == "mine");
  CHECK(c.description == "an oversubscribed A2 cluster");
  CHECK(c.node.name == "atlas800t-a2");
  CHECK(c.max_npus == 4096);
  CHECK(c.scale_out.oversubscription == Approx(3));
  CHECK(c.scale_out.tiers == 2);  // from the base
  REQUIRE(c.base_paths.size() == 1);
  CHECK(contains(c.base_paths[0], "atlas-a2-cluster.yaml"));
  const std::string yaml = resolved_cluster_yaml(path, {"facility.pue=1.5"});
  CHECK(contains(yaml, "oversubscription: 3  # mine.yaml:6"));
  CHECK(contains(yaml, "tiers: 2  # atlas-a2-cluster.yaml:"));
  CHECK(contains(yaml, "pue: 1.5  # --set facility.pue=1.5"));
}

TEST_CASE("the resolved yaml of every preset loads again as a cluster file") {
  Scratch dir;
  for (const std::string& name : cluster_preset_names()) {
    INFO(name);
    const ClusterConfig a = load_cluster(name);
    const ClusterConfig b = load_cluster(dir.write(name, resolved_cluster_yaml(name)));
    CHECK(b.max_npus == a.max_npus);
    CHECK(b.node.name == a.node.name);
    CHECK(b.scale_out.nic_gbps_per_npu == a.scale_out.nic_gbps_per_npu);
    CHECK(b.scale_out.oversubscription == a.scale_out.oversubscription);
    CHECK(b.supernode.has_value() == a.supernode.has_value());
    CHECK(b.facility.pue == a.facility.pue);
    CHECK(b.facility.other_power_w_per_npu == a.facility.other_power_w_per_npu);
  }
}

TEST_CASE("a valid test cluster loads") {
  Scratch dir;
  const ClusterConfig c = load_cluster(dir.write("ok", cluster_yaml("ok")));
  CHECK(c.max_npus == 64);
  CHECK(c.nodes_at_max() == 8);
  CHECK(c.bisection_bytes_per_s_per_npu() == Approx(12.5e9));
}

TEST_CASE("an unknown key is a path line error with did-you-mean") {
  Scratch dir;
  std::string text = cluster_yaml("bad");
  text.replace(text.find("  tiers: 2"), 10, "  tier: 2");
  const std::string e = error_of([&] { (void)load_cluster(dir.write("bad", text)); });
  CHECK(has_line_prefix(e, "bad.yaml"));
  CHECK(contains(e, "bad.yaml:7"));
  CHECK(contains(e, "did you mean 'scale_out.tiers'"));
}

TEST_CASE("an unknown node system is a path line error with did-you-mean") {
  Scratch dir;
  const std::string e =
      error_of([&] { (void)load_cluster(dir.write("bad", cluster_yaml("bad", "atlas800t-a22"))); });
  CHECK(contains(e, "bad.yaml:3: "));
  CHECK(contains(e, "unknown system preset 'atlas800t-a22'"));
  CHECK(contains(e, "did you mean 'atlas800t-a2'"));
}

TEST_CASE("max_npus not a multiple of the node size is a path line error") {
  Scratch dir;
  const std::string e =
      error_of([&] { (void)load_cluster(dir.write("bad", cluster_yaml("bad", "atlas800t-a2", "12"))); });
  CHECK(contains(e, "bad.yaml:4: "));
  CHECK(contains(e, "multiple of 8"));
}

TEST_CASE("oversubscription below one is a path line error") {
  Scratch dir;
  const std::string e = error_of(
      [&] { (void)load_cluster(dir.write("bad", cluster_yaml("bad", "atlas800t-a2", "64", "0.5"))); });
  CHECK(contains(e, "bad.yaml:12: "));
  CHECK(contains(e, "expected >= 1"));
}

TEST_CASE("other bad values are path line errors") {
  Scratch dir;
  const auto error_with = [&](const std::string& from, const std::string& to) {
    std::string text = cluster_yaml("bad");
    text.replace(text.find(from), from.size(), to);
    return error_of([&] { (void)load_cluster(dir.write("bad", text)); });
  };
  CHECK(contains(error_with("pue: 1.25", "pue: 0.9"), "bad.yaml:14: "));
  CHECK(contains(error_with("topology: clos", "topology: closs"), "did you mean 'clos'"));
  CHECK(contains(error_with("nic_gbps_per_npu: 200", "nic_gbps_per_npu: 400"),
                 "exceeds the NIC of node atlas800t-a2"));
  CHECK(contains(error_with("rails: 1", "rails: 3"), "bad.yaml:8: "));
  CHECK(contains(error_with("tiers: 2", "tiers: 1"), "single switch tier"));
  CHECK(contains(error_with("topology: clos", "topology: supernode"), "needs a 'supernode' map"));
  CHECK(contains(error_with("name: bad", "name: other"), "does not match the file name"));
  CHECK(contains(error_with("max_npus: 64", "max_npus: many"), "bad.yaml:4: "));
}

TEST_CASE("bad presets overrides and base chains are input errors") {
  CHECK(contains(error_of([] { (void)load_cluster("atlas900-pods"); }),
                 "did you mean 'atlas900-pod'"));
  CHECK(contains(error_of([] { (void)load_cluster("dgx-a100", {"scale_out.oversubscription=0.5"}); }),
                 "--set scale_out.oversubscription=0.5"));
  CHECK(contains(error_of([] { (void)load_cluster("dgx-a100", {"name=x"}); }),
                 "'name' cannot be changed"));
  CHECK(contains(error_of([] { (void)load_cluster("dgx-a100", {"max_npus=100"}); }),
                 "multiple of 8"));
  Scratch dir;
  const std::string a = dir.write("a", "name: a\ndescription: x\nbase: b.yaml\n");
  dir.write("b", "name: b\ndescription: y\nbase: a.yaml\n");
  CHECK(contains(error_of([&] { (void)load_cluster(a); }), "inheritance cycle"));
  const std::string c = dir.write("c", "name: c\ndescription: x\nbase: atlas-a2-clusterr\n");
  const std::string e = error_of([&] { (void)load_cluster(c); });
  CHECK(contains(e, "c.yaml:3"));
  CHECK(contains(e, "did you mean 'atlas-a2-cluster'"));
}
