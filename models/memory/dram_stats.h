#pragma once
// Counters of a DRAM system run, the energy they price to, and the optional command log the
// timing tests read.

#include <cstdint>

#include "models/memory/dram_bank_state.h"
#include "sim/config/dram_config.h"

namespace npusim {

struct DramStats {
  uint64_t reads = 0;        ///< RD commands (bursts)
  uint64_t writes = 0;       ///< WR commands (bursts)
  uint64_t activates = 0;
  uint64_t precharges = 0;   ///< explicit PRE and auto-precharges
  uint64_t refreshes = 0;    ///< all-bank REF, per pseudo-channel
  uint64_t write_drains = 0; ///< times the controller switched to draining writes
  uint64_t read_bytes = 0;
  uint64_t write_bytes = 0;

  /// Column accesses that found their row open: 1 - activates / bursts.
  [[nodiscard]] double row_hit_rate() const {
    const uint64_t bursts = reads + writes;
    return bursts == 0 ? 0.0 : 1.0 - double(activates) / double(bursts);
  }
};

struct DramEnergy {
  double activate_pj = 0;
  double read_pj = 0;
  double write_pj = 0;
  double refresh_pj = 0;
  [[nodiscard]] double total_pj() const { return activate_pj + read_pj + write_pj + refresh_pj; }
};

[[nodiscard]] inline DramEnergy dram_energy(const DramStats& s, const DramEnergyConfig& e) {
  return {double(s.activates) * e.activate_pj, double(s.read_bytes) * 8 * e.read_pj_per_bit,
          double(s.write_bytes) * 8 * e.write_pj_per_bit, double(s.refreshes) * e.refresh_pj};
}

/// One issued command, for tests and debugging (DramSystemConfig::record_commands).
struct DramCommandRecord {
  uint64_t cycle = 0;
  DramCommand command = DramCommand::act;
  bool auto_precharge = false;  ///< a PRE the bank did itself after RDA/WRA
  uint32_t channel = 0, pseudo_channel = 0, bank_group = 0, bank = 0, row = 0, column = 0;
  uint32_t read_queue = 0;   ///< bursts in the channel's read queue just before the command
  uint32_t write_queue = 0;  ///< bursts in the channel's write queue just before the command
};

}  // namespace npusim
