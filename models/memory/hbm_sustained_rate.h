#pragma once
// The rate the chip model's HBM channels sustain. The channels are bandwidth servers; on their
// own they would stream at pin bandwidth, which no HBM does: refresh, row switches and bank
// timing take 10-15 %. This scales them by what npusim's DRAM timing model sustains on a read
// stream of the chip's DRAM preset, so the chip model inherits those losses without stepping
// the DRAM per request (docs/memory.md, "Plugged into the chip model").

#include "sim/config/chip_config.h"

namespace npusim {

/// Fraction of hbm.bandwidth_gbps the channels sustain: hbm.stream_efficiency when the chip
/// gives it; else, with an hbm.dram preset, the DRAM model's read-stream rate over its pin
/// rate (one channel, 2 MiB of 64 B reads; memoised per process by preset and interleave);
/// else 1 (pin rate). Throws InputError if the DRAM preset cannot be loaded.
[[nodiscard]] double hbm_sustained_fraction(const ChipConfig& chip);

/// HBM channel time of a written byte over that of a read byte (>= 1): the bus turnarounds
/// a read/write mix pays. With an hbm.dram preset, set so that a 1:1 mix through the channels
/// sustains what the DRAM model does on a 1:1 stream (its write drain batches the writes,
/// docs/memory.md); 1 when the chip gives hbm.stream_efficiency or has no DRAM preset.
[[nodiscard]] double hbm_write_cost(const ChipConfig& chip);

/// Sustained HBM bandwidth of the whole chip in bytes/s (peak x hbm_sustained_fraction).
[[nodiscard]] double sustained_hbm_bytes_per_s(const ChipConfig& chip);

}  // namespace npusim
