#pragma once
// Typed description of one DRAM device type and its controller, loaded from
// configs/memory/<preset>.yaml (see docs/memory.md). A chip names its preset with the optional
// key `hbm.dram`; the chip's `hbm.channels` says how many channels of this device it has.
// Every field is required in YAML; units are in the field names.

#include <cstdint>
#include <string>

namespace npusim {

/// Structure of one channel (JEDEC HBM: a channel is split into pseudo-channels, each with
/// its own banks and data bus; the two pseudo-channels share the command buses).
struct DramGeometryConfig {
  uint32_t pseudo_channels = 0;  ///< per channel (HBM2/2e/3 pseudo-channel mode: 2)
  uint32_t bank_groups = 0;      ///< per pseudo-channel
  uint32_t banks_per_group = 0;
  uint32_t rows = 0;       ///< per bank (stack-ID bits of tall stacks count as row bits)
  uint32_t row_bytes = 0;  ///< page size of one pseudo-channel
  uint32_t bus_bits = 0;   ///< data bus width of one pseudo-channel
  uint32_t burst_length = 0;  ///< beats per column access (BL)

  /// Bytes moved by one column command.
  [[nodiscard]] uint32_t burst_bytes() const { return bus_bits * burst_length / 8; }
};

/// Timings that are analog delays, in nanoseconds; converted to command-clock cycles with
/// JEDEC rounding (ceil) by the model.
struct DramTimingNs {
  double cl = 0;      ///< RD to first data (tAA / RL)
  double rcd_rd = 0;  ///< ACT to RD, same bank
  double rcd_wr = 0;  ///< ACT to WR, same bank
  double rp = 0;      ///< PRE to ACT, same bank
  double ras = 0;     ///< ACT to PRE, same bank
  double wr = 0;      ///< end of write data to PRE, same bank (write recovery)
  double rtp = 0;     ///< RD to PRE, same bank
  double rrd_s = 0;   ///< ACT to ACT, different bank groups
  double rrd_l = 0;   ///< ACT to ACT, same bank group
  double faw = 0;     ///< window holding at most four ACTs (per pseudo-channel)
  double wtr_s = 0;   ///< end of write data to RD, different bank groups
  double wtr_l = 0;   ///< end of write data to RD, same bank group
  double refi = 0;    ///< average interval between all-bank refreshes
  double rfc = 0;     ///< all-bank refresh cycle time
};

/// Timings that the standards give in command-clock cycles (nCK).
struct DramTimingNck {
  uint32_t cwl = 0;            ///< WR to first write data (WL)
  uint32_t ccd_s = 0;          ///< column to column, different bank groups
  uint32_t ccd_l = 0;          ///< column to column, same bank group
  uint32_t rtw_turnaround = 0; ///< idle data-bus cycles between read data and write data
  uint32_t act_cycles = 0;     ///< cycles an ACT occupies the row-command bus
};

enum class PagePolicy { open, closed };
enum class RefreshMode { all_bank, off };

struct DramControllerConfig {
  PagePolicy page_policy = PagePolicy::open;
  std::string scheduler;    ///< registered scheduler name (models/memory/dram_scheduler.h)
  std::string address_map;  ///< registered mapping name (models/memory/dram_address_map.h)
  uint32_t read_queue_depth = 0;   ///< column accesses (bursts) per pseudo-channel
  uint32_t write_queue_depth = 0;  ///< column accesses (bursts) per pseudo-channel
  uint32_t write_high_watermark = 0;  ///< start draining writes at this many queued writes
  uint32_t write_low_watermark = 0;   ///< stop draining at this many (if reads wait)
  RefreshMode refresh = RefreshMode::all_bank;
};

struct DramEnergyConfig {
  double activate_pj = 0;       ///< one ACT and its PRE, one bank of one pseudo-channel
  double read_pj_per_bit = 0;   ///< column read, array to pins
  double write_pj_per_bit = 0;  ///< column write, pins to array
  double refresh_pj = 0;        ///< one all-bank REF of one pseudo-channel
};

struct DramConfig {
  std::string name;         ///< preset name (file stem)
  std::string description;
  std::string source_path;  ///< file it was loaded from
  std::string standard;     ///< e.g. "HBM2E (JESD235C)"; informational
  double clock_mhz = 0;       ///< command clock (CK)
  double data_rate_mtps = 0;  ///< data rate per pin, MT/s
  DramGeometryConfig geometry;
  DramTimingNs timing_ns;
  DramTimingNck timing_nck;
  DramControllerConfig controller;
  DramEnergyConfig energy;

  /// Peak data bandwidth of one channel in bytes/s (all pseudo-channels).
  [[nodiscard]] double channel_bytes_per_s() const {
    return data_rate_mtps * 1e6 * geometry.bus_bits / 8.0 * geometry.pseudo_channels;
  }
  /// Bytes of one channel (all pseudo-channels, banks and rows).
  [[nodiscard]] uint64_t channel_bytes() const {
    return uint64_t(geometry.pseudo_channels) * geometry.bank_groups * geometry.banks_per_group *
           geometry.rows * geometry.row_bytes;
  }
};

}  // namespace npusim
