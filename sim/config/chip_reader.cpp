#include "sim/config/chip_reader.h"

#include <algorithm>
#include <bit>

#include "sim/base/text.h"
#include "sim/config/dram_files.h"

namespace npusim::config {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;
constexpr double kGiB = 1024.0 * kMiB;

/// Address bits are sliced for these, so they must be powers of two.
uint32_t power_of_two(const MapReader& m, std::string_view key) {
  const uint32_t value = m.u32(key, 1);
  if (!std::has_single_bit(value))
    m.fail(key, "invalid value for '" + m.path_of(key) + "': " + m.raw(key) +
                    " (expected a power of two)");
  return value;
}

L2Config read_l2(const MapReader& m) {
  L2Config l2;
  l2.size_bytes = m.size_bytes("size_mib", kMiB);
  l2.slices = m.u32("slices", 1);
  l2.ways = m.u32("ways", 1);
  l2.line_bytes = power_of_two(m, "line_bytes");
  l2.slice_bytes_per_cycle = m.number("slice_bytes_per_cycle", Bound::positive);
  l2.hit_latency_cycles = m.u32("hit_latency_cycles", 0);
  l2.mshrs_per_slice = m.u32("mshrs_per_slice", 1);
  // The cache model splits the capacity into slices x sets x ways lines.
  const uint64_t set_bytes = uint64_t(l2.slices) * l2.ways * l2.line_bytes;
  if (l2.size_bytes % set_bytes != 0)
    m.fail("size_mib", "invalid value for '" + m.path_of("size_mib") + "': " + m.raw("size_mib") +
                           " MiB is not a whole number of sets (expected a multiple of slices x "
                           "ways x line_bytes = " +
                           std::to_string(set_bytes) + " bytes)");
  return l2;
}

HbmConfig read_hbm(const MapReader& m) {
  HbmConfig hbm;
  hbm.capacity_bytes = m.size_bytes("capacity_gib", kGiB);
  hbm.channels = m.u32("channels", 1);
  hbm.bandwidth_gbps = m.number("bandwidth_gbps", Bound::positive);
  hbm.latency_ns = m.number("latency_ns", Bound::non_negative);
  hbm.interleave_bytes = power_of_two(m, "interleave_bytes");
  // Optional: the DRAM preset behind the channels (npusim mem run); checked to exist here so a
  // misspelt name is reported at its line.
  if (m.has("dram")) {
    hbm.dram = m.text("dram");
    if (const std::string problem = check_dram_reference(hbm.dram); !problem.empty())
      m.fail("dram", "'" + m.path_of("dram") + "': " + problem);
  }
  if (m.has("stream_efficiency")) {
    hbm.stream_efficiency = m.number("stream_efficiency", Bound::fraction);
  } else {
    m.record_default("stream_efficiency", hbm.dram.empty()
                                              ? "1 (pin rate: no hbm.dram given)"
                                              : "the DRAM model's read-stream rate of hbm.dram");
  }
  return hbm;
}

EnergyConfig read_energy(const MapReader& m, const ChipConfig& chip) {
  EnergyConfig e;
  const MapReader cube = m.named_map("cube_pj_per_mac");
  for (const std::string& name : cube.names(true)) {
    const auto dtype = parse_dtype(name);
    if (!dtype)
      cube.fail(name, "unknown dtype '" + name + "' in '" + cube.path() + "'" +
                          did_you_mean(name, dtype_names()) +
                          " (expected one of: " + join(dtype_names()) + ")");
    // An energy for a dtype the cube cannot run would never be used.
    if (!chip.core.cube.k_per_cycle.contains(*dtype))
      cube.fail(name, "'" + cube.path_of(name) +
                          "' prices a dtype the cube does not run "
                          "(expected only dtypes listed in core.cube.k_per_cycle)");
    e.cube_pj_per_mac[*dtype] = cube.number(name, Bound::non_negative);
  }
  for (const auto& [dtype, rate] : chip.core.cube.k_per_cycle)
    if (!e.cube_pj_per_mac.contains(dtype))
      throw InputError(cube.where(), "missing required key '" +
                                         cube.path_of(std::string(name_of(dtype))) +
                                         "' (expected an energy for every dtype in "
                                         "core.cube.k_per_cycle)");
  e.vector_pj_per_byte = m.number("vector_pj_per_byte", Bound::non_negative);
  e.scalar_pj_per_instr = m.number("scalar_pj_per_instr", Bound::non_negative);
  const MapReader b = m.map("buffer_pj_per_byte", {"l1", "l0a", "l0b", "l0c", "ub"});
  e.buffer_pj_per_byte[Buffer::L1] = b.number("l1", Bound::non_negative);
  e.buffer_pj_per_byte[Buffer::L0A] = b.number("l0a", Bound::non_negative);
  e.buffer_pj_per_byte[Buffer::L0B] = b.number("l0b", Bound::non_negative);
  e.buffer_pj_per_byte[Buffer::L0C] = b.number("l0c", Bound::non_negative);
  e.buffer_pj_per_byte[Buffer::UB] = b.number("ub", Bound::non_negative);
  e.l2_pj_per_byte = m.number("l2_pj_per_byte", Bound::non_negative);
  e.hbm_pj_per_byte = m.number("hbm_pj_per_byte", Bound::non_negative);
  e.noc_pj_per_byte = m.number("noc_pj_per_byte", Bound::non_negative);
  // Optional: only multi-die chips move bytes over a die link.
  if (chip.dies > 1 || m.has("die_link_pj_per_byte"))
    e.die_link_pj_per_byte = m.number("die_link_pj_per_byte", Bound::non_negative);
  e.static_w_per_aic = m.number("static_w_per_aic", Bound::non_negative);
  e.static_w_per_aiv = m.number("static_w_per_aiv", Bound::non_negative);
  if (!chip.split && e.static_w_per_aiv != 0)
    m.fail("static_w_per_aiv", "invalid value for '" + m.path_of("static_w_per_aiv") +
                                   "': " + m.raw("static_w_per_aiv") +
                                   " (expected 0: a coupled chip has no AIV cores)");
  e.static_w_uncore = m.number("static_w_uncore", Bound::non_negative);
  return e;
}

/// The on-chip topology: a crossbar needs nothing more; a mesh or ring needs its size, link
/// rate and hop latency (and a crossbar must not carry them, so a typo is not ignored).
void read_noc_topology(const MapReader& m, NocConfig& noc) {
  const std::vector<std::string> topologies = {"crossbar", "mesh", "ring"};
  noc.topology = m.text("topology");
  if (std::find(topologies.begin(), topologies.end(), noc.topology) == topologies.end())
    m.fail("topology", "invalid value for '" + m.path_of("topology") + "': '" + noc.topology +
                           "'" + did_you_mean(noc.topology, topologies) +
                           " (expected crossbar, mesh or ring)");
  const std::vector<std::string> link_keys = {"mesh_cols", "mesh_rows", "link_bytes_per_cycle",
                                              "hop_latency_cycles"};
  if (noc.topology == "crossbar") {
    for (const auto& key : link_keys)
      if (m.has(key))
        m.fail(key, "'" + m.path_of(key) + "' is set but noc.topology is crossbar (expected it "
                                           "only with mesh or ring)");
    return;
  }
  noc.mesh_cols = m.u32("mesh_cols", 2);
  noc.mesh_rows = noc.topology == "ring" ? 1 : m.u32("mesh_rows", 1);
  if (noc.topology == "ring" && m.has("mesh_rows"))
    m.fail("mesh_rows", "'" + m.path_of("mesh_rows") + "' is set but a ring has one row "
                                                         "(expected only mesh_cols, its nodes)");
  noc.link_bytes_per_cycle = m.number("link_bytes_per_cycle", Bound::positive);
  noc.hop_latency_cycles = m.u32("hop_latency_cycles", 0);
}

void read_cores(const MapReader& m, ChipConfig& chip) {
  chip.cube_cores = m.u32("cube", 1);
  chip.vector_cores = m.u32("vector", 0);
  if (chip.split && chip.vector_cores == 0)
    m.fail("vector", "invalid value for '" + m.path_of("vector") +
                         "': 0 (expected >= 1 on a split chip: its vector work runs on AIV cores)");
  if (!chip.split && chip.vector_cores != 0)
    m.fail("vector", "invalid value for '" + m.path_of("vector") + "': " + m.raw("vector") +
                         " (expected 0 on a coupled chip: each AI core holds its vector unit)");
}

}  // namespace

ChipConfig read_chip(const std::vector<Layer>& layers, Provenance* provenance) {
  const MapReader root =
      MapReader::root(layers,
                      {"name", "description", "base", "arch", "freq_mhz", "sustained_freq_mhz",
                       "dies", "cores", "core", "l2", "hbm", "noc", "die_link", "energy"},
                      provenance);
  ChipConfig chip;
  chip.description = root.text("description");
  const std::string arch = root.text("arch");
  if (arch != "coupled" && arch != "split")
    root.fail("arch", "invalid value for 'arch': '" + arch + "'" +
                          did_you_mean(arch, {"coupled", "split"}) +
                          " (expected coupled or split)");
  chip.split = arch == "split";
  chip.freq_mhz = root.number("freq_mhz", Bound::positive);
  if (root.has("sustained_freq_mhz")) {
    chip.sustained_freq_mhz = root.number("sustained_freq_mhz", Bound::positive);
    if (chip.sustained_freq_mhz > chip.freq_mhz)
      root.fail("sustained_freq_mhz",
                "invalid value for 'sustained_freq_mhz': " + root.raw("sustained_freq_mhz") +
                    " (expected at most freq_mhz = " + root.raw("freq_mhz") + ")");
  } else {
    root.record_default("sustained_freq_mhz", "freq_mhz (no sustained clock given)");
  }
  chip.dies = root.u32("dies", 1);
  read_cores(root.map("cores", {"cube", "vector"}), chip);
  chip.core = read_core(root.map("core", {"queue_depth", "event_ids", "buffers_kib", "cube",
                                          "vector", "scalar", "paths"}),
                        chip.split);
  chip.l2 = read_l2(root.map("l2", {"size_mib", "slices", "ways", "line_bytes",
                                    "slice_bytes_per_cycle", "hit_latency_cycles",
                                    "mshrs_per_slice"}));
  chip.hbm = read_hbm(root.map(
      "hbm",
      {"capacity_gib", "channels", "bandwidth_gbps", "latency_ns", "interleave_bytes", "dram",
       "stream_efficiency"}));
  const MapReader noc = root.map("noc", {"latency_cycles", "request_bytes", "topology",
                                         "mesh_cols", "mesh_rows", "link_bytes_per_cycle",
                                         "hop_latency_cycles"});
  chip.noc.latency_cycles = noc.u32("latency_cycles", 0);
  chip.noc.request_bytes = noc.u32("request_bytes", 1);
  read_noc_topology(noc, chip.noc);
  // Optional: a single-die chip has no die link (one inherited from a multi-die base is
  // allowed and simply unused, so `--set dies=1` works on a two-die preset).
  if (root.has("die_link")) {
    const MapReader link = root.map("die_link", {"bandwidth_gbps", "latency_ns"});
    chip.die_link.bandwidth_gbps = link.number("bandwidth_gbps", Bound::positive);
    chip.die_link.latency_ns = link.number("latency_ns", Bound::non_negative);
  } else if (chip.dies > 1) {
    root.fail("dies", "'dies' is " + root.raw("dies") +
                          " but 'die_link' is missing (expected a die_link map on multi-die "
                          "chips)");
  }
  chip.energy =
      read_energy(root.map("energy", {"cube_pj_per_mac", "vector_pj_per_byte",
                                      "scalar_pj_per_instr", "buffer_pj_per_byte", "l2_pj_per_byte",
                                      "hbm_pj_per_byte", "noc_pj_per_byte", "die_link_pj_per_byte",
                                      "static_w_per_aic", "static_w_per_aiv", "static_w_uncore"}),
                  chip);
  return chip;
}

}  // namespace npusim::config
