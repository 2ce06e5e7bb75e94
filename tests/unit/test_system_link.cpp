// Chip-to-chip link model: serialisation with line coding and flit headers, latency, credit
// flow control, and the link rates of the shipped systems against their datasheet figures.
// Each SystemC run happens in a forked child (tests/unit/system_fixtures.h).
#include "models/memory/hbm_sustained_rate.h"
#include "models/system/npu.h"
#include "models/system/schedule.h"
#include "sim/config/system_loader.h"
#include "sim/system/system_runner.h"
#include "system_fixtures.h"

using namespace npusim;
using npusim::testing::in_child;
using npusim::testing::TempDir;
using npusim::testing::tiny_system_yaml;

namespace {

/// Simulated time of one transfer of `bytes` from NPU 0 to NPU 1, in ps.
double one_transfer_ps(const std::string& path, uint64_t bytes) {
  const auto v = in_child([&] {
    SystemSimulator sim(load_system(path));
    Schedule s;
    s.npus = sim.config().npus;
    ScheduleBuilder(s).add(0, 1, bytes, false, {}, {0});
    return std::vector<double>{sim.run_schedule(s).time_s * 1e12};
  });
  REQUIRE(v.size() == 1);
  return v[0];
}

}  // namespace

TEST_CASE("line codes multiply into an efficiency") {
  CHECK(parse_encoding("128b/130b").value() == Approx(128.0 / 130));
  CHECK(parse_encoding("64b/66b").value() == Approx(64.0 / 66));
  CHECK(parse_encoding("256b/257b").value() == Approx(256.0 / 257));
  CHECK(parse_encoding("none").value() == 1.0);
  CHECK(parse_encoding("256b/257b+RS(544,514)").value() == Approx(256.0 / 257 * 514 / 544));
  for (const char* bad : {"", "128/130", "130b/128b", "8b10b", "RS(514,544)", "64b/66b+", "0b/1b"})
    CHECK_FALSE(parse_encoding(bad).has_value());
}

TEST_CASE("one packet over one link takes read plus serialisation plus latency plus drain") {
  TempDir dir;
  const std::string path = dir.write("tiny.yaml", tiny_system_yaml("tiny", 2, 1024, 10));
  const SystemConfig s = load_system(path);
  const LinkTypeConfig& l = s.link("l");
  // 3000 bytes: 11 full flits of 256 payload bytes and a partial 12th, each with 16 header bytes.
  const uint64_t bytes = 3000;
  REQUIRE(l.wire_bytes(bytes) == 3000 + 12 * 16);
  const double data_bytes_per_ps = 4 * 25e9 * 64.0 / 66 / 8 * 1e-12;
  const double hbm_bytes_per_ps = npu_sustained_hbm_bytes_per_s(s) * 1e-12;
  REQUIRE(s.dma_bytes_per_s() > npu_sustained_hbm_bytes_per_s(s));  // the read is HBM-bound
  const double write_cost = hbm_write_cost(s.chip);  // written bytes pay turnarounds
  const double expected = bytes / hbm_bytes_per_ps         // DMA reads it from HBM
                          + 3192 / data_bytes_per_ps       // serialisation
                          + 50e3                           // serdes 40 + wire 10 ns
                          + bytes * write_cost / hbm_bytes_per_ps;  // written into the peer
  CHECK(one_transfer_ps(path, bytes) == Approx(expected).margin(0.01));
}

TEST_CASE("a long transfer streams at the link's payload rate") {
  TempDir dir;
  const std::string path = dir.write("tiny.yaml", tiny_system_yaml("tiny", 2, 1024, 10));
  const SystemConfig s = load_system(path);
  const uint64_t packets = 256, bytes = packets * 4096;  // 16 flits = 4352 wire bytes each
  const double ser = 4352 / (4 * 25e9 * 64.0 / 66 / 8 * 1e-12);
  const double hbm = 4096 / (npu_sustained_hbm_bytes_per_s(s) * 1e-12);
  const double drain = hbm * hbm_write_cost(s.chip);  // written bytes pay turnarounds
  // First read, then back-to-back packets, the last one's flight and drain.
  const double expected = hbm + packets * ser + 50e3 + drain;
  CHECK(one_transfer_ps(path, bytes) == Approx(expected).margin(0.01));
  // 256/272 of 12.12 GB/s.
  CHECK(s.link("l").payload_bytes_per_s() == Approx(12.121212e9 * 256 / 272).epsilon(1e-6));
}

TEST_CASE("a collective protocol efficiency stretches serialisation, not HBM or latency") {
  TempDir dir;
  std::string yaml = tiny_system_yaml("tiny", 2, 1024, 10);
  const std::string wire = "    wire_ns: 10\n";
  yaml.replace(yaml.find(wire), wire.size(), wire + "    protocol_efficiency: 0.5\n");
  const std::string path = dir.write("tiny.yaml", yaml);
  const SystemConfig s = load_system(path);
  REQUIRE(s.link("l").protocol_efficiency == 0.5);
  const uint64_t packets = 256, bytes = packets * 4096;
  const double ser = 4352 / (0.5 * 4 * 25e9 * 64.0 / 66 / 8 * 1e-12);
  const double hbm = 4096 / (npu_sustained_hbm_bytes_per_s(s) * 1e-12);
  const double drain = hbm * hbm_write_cost(s.chip);
  CHECK(one_transfer_ps(path, bytes) == Approx(hbm + packets * ser + 50e3 + drain).margin(0.01));
  CHECK(s.link("l").payload_bytes_per_s() == Approx(0.5 * 12.121212e9 * 256 / 272).epsilon(1e-6));
}

TEST_CASE("with one packet of credit and a slow credit return the sender stalls every packet") {
  TempDir dir;
  // 16 flits of buffer = one 4096-byte packet; credits come back 2 us after the drain.
  const std::string path = dir.write("tiny.yaml", tiny_system_yaml("tiny", 2, 16, 2000));
  const SystemConfig s = load_system(path);
  const uint64_t packets = 64, bytes = packets * 4096;
  const double ser = 4352 / (4 * 25e9 * 64.0 / 66 / 8 * 1e-12);
  const double hbm = 4096 / (npu_sustained_hbm_bytes_per_s(s) * 1e-12);
  const double drain = hbm * hbm_write_cost(s.chip);
  // Packet k+1 may start when packet k's credit is back: serialise, fly, drain, return.
  const double cycle = ser + 50e3 + drain + 2000e3;
  const double expected = hbm + (packets - 1) * cycle + ser + 50e3 + drain;
  const double t = one_transfer_ps(path, bytes);
  CHECK(t == Approx(expected).margin(1.0));
  // Throughput drops from the link rate to one packet per credit round trip.
  const double rate = double(bytes) / t;  // bytes per ps
  CHECK(rate == Approx(4096 / cycle).epsilon(0.02));
  CHECK(rate < 0.2 * s.link("l").payload_bytes_per_s() * 1e-12);
}

TEST_CASE("an ample credit buffer does not slow the link") {
  TempDir dir;
  const std::string big = dir.write("big.yaml", tiny_system_yaml("big", 2, 1024, 2000));
  const std::string tiny = dir.write("tiny.yaml", tiny_system_yaml("tiny", 2, 16, 2000));
  const double with_credit = one_transfer_ps(big, 64 * 4096);
  const double starved = one_transfer_ps(tiny, 64 * 4096);
  CHECK(starved > 5 * with_credit);
}

TEST_CASE("shipped link types give their datasheet rates after coding") {
  const SystemConfig a2 = load_system("atlas800t-a2");
  // 200GE: 4 x 53.125 Gb/s with 256b/257b transcoding and RS(544,514) FEC = 200 Gb/s.
  CHECK(a2.link("roce200").data_bytes_per_s() == Approx(25e9).epsilon(1e-9));
  // RoCEv2 with a 4096-byte MTU carries 4096 of every 4178 bytes on the wire.
  CHECK(a2.link("roce200").payload_bytes_per_s() == Approx(25e9 * 4096 / 4178).epsilon(1e-9));
  // PCIe 5.0 x16: 32 GT/s x 16 x 128/130 = 63.0 GB/s.
  CHECK(a2.link("pcie").data_bytes_per_s() == Approx(63.015e9).epsilon(1e-4));
  // HCCS 910B: 56 GB/s of signalling per link [S].
  CHECK(a2.link("hccs").lanes * a2.link("hccs").lane_gbps / 8 == Approx(56));

  const SystemConfig a800 = load_system("atlas800-910");
  CHECK(a800.link("roce100").data_bytes_per_s() == Approx(12.5e9).epsilon(1e-9));
  CHECK(a800.link("pcie").data_bytes_per_s() == Approx(31.508e9).epsilon(1e-4));  // PCIe 4.0 x16
  CHECK(a800.link("hccs").lanes * a800.link("hccs").lane_gbps == Approx(240));    // HC31: 240 Gb/s

  // DGX A100: 12 NVLink3 links of 25 GB/s per direction = 600 GB/s bidirectional.
  const SystemConfig dgx = load_system("dgx-a100");
  CHECK(2 * dgx.link("nvlink3").data_bytes_per_s(dgx.topology.bridge.links_per_npu) ==
        Approx(600e9));
}
