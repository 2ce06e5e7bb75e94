#include "sim/config/chip_writer.h"

#include "sim/config/yaml_text.h"

#include <fmt/format.h>

#include <cctype>

namespace npusim::config {
namespace {

void write_path(YamlText& y, const std::string& name, const PathConfig& p) {
  y.open(name);
  y.value("bytes_per_cycle", p.bytes_per_cycle);
  y.value("latency_cycles", p.latency_cycles);
  y.close();
}

void write_core(YamlText& y, const CoreConfig& c) {
  y.open("core");
  y.value("queue_depth", c.queue_depth);
  y.value("event_ids", c.event_ids);
  y.open("buffers_kib");
  for (const Buffer b : {Buffer::L1, Buffer::L0A, Buffer::L0B, Buffer::L0C, Buffer::UB}) {
    std::string key(name_of(b));
    for (char& ch : key) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    y.value(key, double(c.buffers.of(b)) / 1024.0);
  }
  y.close();
  y.open("cube");
  y.value("tile_m", c.cube.tile_m);
  y.value("tile_n", c.cube.tile_n);
  y.open("k_per_cycle");
  for (const auto& [dtype, k] : c.cube.k_per_cycle) y.value(std::string(name_of(dtype)), k);
  y.close();
  y.value("latency_cycles", c.cube.latency_cycles);
  y.value("min_issue_cycles", c.cube.min_issue_cycles);
  y.close();
  y.open("vector");
  y.value("repeat_bytes", c.vector.repeat_bytes);
  y.value("min_issue_cycles", c.vector.min_issue_cycles);
  y.open("ops");
  for (const auto& [name, op] : c.vector.ops) {
    y.open(name);
    y.value("bytes_per_cycle", op.bytes_per_cycle);
    y.value("latency_cycles", op.latency_cycles);
    y.value("flops_per_element", op.flops_per_element);
    y.close();
  }
  y.close();
  y.close();
  y.open("scalar");
  y.value("dispatch_cycles", c.scalar.dispatch_cycles);
  y.close();
  y.open("paths");
  write_path(y, "gm_read", c.paths.gm_read);
  write_path(y, "gm_write", c.paths.gm_write);
  write_path(y, "l1_to_l0a", c.paths.l1_to_l0a);
  write_path(y, "l1_to_l0b", c.paths.l1_to_l0b);
  write_path(y, "l1_to_ub", c.paths.l1_to_ub);
  write_path(y, "ub_to_l1", c.paths.ub_to_l1);
  write_path(y, "l0c_to_l1", c.paths.l0c_to_l1);
  write_path(y, "l0c_to_ub", c.paths.l0c_to_ub);
  y.close();
  y.close();
}

void write_memory(YamlText& y, const ChipConfig& c) {
  y.open("l2");
  y.value("size_mib", double(c.l2.size_bytes) / (1024.0 * 1024.0));
  y.value("slices", c.l2.slices);
  y.value("ways", c.l2.ways);
  y.value("line_bytes", c.l2.line_bytes);
  y.value("slice_bytes_per_cycle", c.l2.slice_bytes_per_cycle);
  y.value("hit_latency_cycles", c.l2.hit_latency_cycles);
  y.value("mshrs_per_slice", c.l2.mshrs_per_slice);
  y.close();
  y.open("hbm");
  y.value("capacity_gib", double(c.hbm.capacity_bytes) / (1024.0 * 1024.0 * 1024.0));
  y.value("channels", c.hbm.channels);
  y.value("bandwidth_gbps", c.hbm.bandwidth_gbps);
  y.value("latency_ns", c.hbm.latency_ns);
  y.value("interleave_bytes", c.hbm.interleave_bytes);
  if (!c.hbm.dram.empty()) y.value("dram", c.hbm.dram);
  if (c.hbm.stream_efficiency > 0) y.value("stream_efficiency", c.hbm.stream_efficiency);
  y.close();
  y.open("noc");
  y.value("latency_cycles", c.noc.latency_cycles);
  y.value("request_bytes", c.noc.request_bytes);
  y.value("topology", c.noc.topology);
  if (c.noc.topology != "crossbar") {
    y.value("mesh_cols", c.noc.mesh_cols);
    if (c.noc.topology == "mesh") y.value("mesh_rows", c.noc.mesh_rows);
    y.value("link_bytes_per_cycle", c.noc.link_bytes_per_cycle);
    y.value("hop_latency_cycles", c.noc.hop_latency_cycles);
  }
  y.close();
  if (c.die_link.bandwidth_gbps > 0) {
    y.open("die_link");
    y.value("bandwidth_gbps", c.die_link.bandwidth_gbps);
    y.value("latency_ns", c.die_link.latency_ns);
    y.close();
  }
}

void write_energy(YamlText& y, const ChipConfig& c) {
  const EnergyConfig& e = c.energy;
  y.open("energy");
  y.open("cube_pj_per_mac");
  for (const auto& [dtype, pj] : e.cube_pj_per_mac) y.value(std::string(name_of(dtype)), pj);
  y.close();
  y.value("vector_pj_per_byte", e.vector_pj_per_byte);
  y.value("scalar_pj_per_instr", e.scalar_pj_per_instr);
  y.open("buffer_pj_per_byte");
  y.value("l1", e.buffer_pj_per_byte.at(Buffer::L1));
  y.value("l0a", e.buffer_pj_per_byte.at(Buffer::L0A));
  y.value("l0b", e.buffer_pj_per_byte.at(Buffer::L0B));
  y.value("l0c", e.buffer_pj_per_byte.at(Buffer::L0C));
  y.value("ub", e.buffer_pj_per_byte.at(Buffer::UB));
  y.close();
  y.value("l2_pj_per_byte", e.l2_pj_per_byte);
  y.value("hbm_pj_per_byte", e.hbm_pj_per_byte);
  y.value("noc_pj_per_byte", e.noc_pj_per_byte);
  if (c.dies > 1 || e.die_link_pj_per_byte != 0)
    y.value("die_link_pj_per_byte", e.die_link_pj_per_byte);
  y.value("static_w_per_aic", e.static_w_per_aic);
  y.value("static_w_per_aiv", e.static_w_per_aiv);
  y.value("static_w_uncore", e.static_w_uncore);
  y.close();
}

}  // namespace

std::string write_chip_yaml(const ChipConfig& chip, const Provenance& provenance,
                            const std::vector<std::string>& header) {
  YamlText y(provenance);
  for (const auto& line : header) y.comment(line);
  y.value("name", chip.name);
  y.value("description", quoted(chip.description));
  y.value("arch", std::string(chip.split ? "split" : "coupled"));
  y.value("freq_mhz", chip.freq_mhz);
  if (chip.sustained_freq_mhz > 0) y.value("sustained_freq_mhz", chip.sustained_freq_mhz);
  y.value("dies", chip.dies);
  y.open("cores");
  y.value("cube", chip.cube_cores);
  y.value("vector", chip.vector_cores);
  y.close();
  write_core(y, chip.core);
  write_memory(y, chip);
  write_energy(y, chip);
  return y.str();
}

}  // namespace npusim::config
