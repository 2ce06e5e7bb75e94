#include "models/power/energy_model.h"

#include <cctype>
#include <string>

namespace npusim {
namespace {
constexpr double kPico = 1e-12;

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}
}  // namespace

EnergyBreakdown compute_energy(const ActivityCounts& counts, const ChipConfig& chip,
                               double seconds) {
  const EnergyConfig& e = chip.energy;
  EnergyBreakdown out;
  auto add = [&out](const std::string& unit, double joules) {
    out.joules[unit] += joules;
    out.dynamic_j += joules;
  };

  double cube_pj = 0;
  for (size_t i = 0; i < kDTypeCount; ++i) {
    if (counts.macs[i] == 0) continue;
    const auto it = e.cube_pj_per_mac.find(static_cast<DType>(i));
    // The validator rejects MMADs of dtypes the cube lacks; a missing energy entry costs 0.
    if (it != e.cube_pj_per_mac.end()) cube_pj += counts.macs[i] * it->second;
  }
  add("cube", cube_pj * kPico);
  add("vector", double(counts.vector_bytes) * e.vector_pj_per_byte * kPico);
  add("scalar", double(counts.scalar_instrs) * e.scalar_pj_per_instr * kPico);
  for (const auto& [buffer, pj] : e.buffer_pj_per_byte) {
    const size_t i = static_cast<size_t>(buffer);
    add(lower(name_of(buffer)), double(counts.read_bytes[i] + counts.write_bytes[i]) * pj * kPico);
  }
  const uint64_t l2_bytes = counts.l2_hit_bytes + counts.l2_miss_bytes + counts.l2_write_bytes;
  add("l2", double(l2_bytes) * e.l2_pj_per_byte * kPico);
  add("hbm", double(counts.hbm_read_bytes + counts.hbm_write_bytes) * e.hbm_pj_per_byte * kPico);
  add("noc", double(counts.noc_bytes) * e.noc_pj_per_byte * kPico);
  add("die_link", double(counts.die_link_bytes) * e.die_link_pj_per_byte * kPico);

  const double static_w = e.static_w_per_aic * chip.cube_cores * chip.dies +
                          e.static_w_per_aiv * chip.vector_cores * chip.dies +
                          e.static_w_uncore * chip.dies;
  out.static_j = static_w * seconds;
  out.joules["static"] = out.static_j;
  return out;
}

}  // namespace npusim
