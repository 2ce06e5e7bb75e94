#pragma once
// Address mapping: which channel, pseudo-channel, bank group, bank, row and column a physical
// byte address falls in. Schemes sit behind one interface and are chosen by name
// (`controller.address_map` in a DRAM preset); docs/memory.md describes each.
//
// Every scheme keeps `interleave_bytes` of consecutive addresses in one pseudo-channel and row
// (the chip's hbm.interleave_bytes: the unit the channel interleave moves in); the scheme then
// orders the remaining fields. Names list the fields from the most significant to the least:
// Ro row, Ba bank (within its group), Bg bank group, Co column (above the interleave unit),
// Ch channel and pseudo-channel (channel varies first).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "models/memory/dram_timing.h"

namespace npusim {

struct DramAddress {
  uint32_t channel = 0;
  uint32_t pseudo_channel = 0;
  uint32_t bank_group = 0;
  uint32_t bank = 0;  ///< within its bank group
  uint32_t row = 0;
  uint32_t column = 0;  ///< in bursts
};

class DramAddressMap {
 public:
  virtual ~DramAddressMap() = default;
  /// Where byte `addr` lives; addresses beyond the capacity wrap around.
  [[nodiscard]] virtual DramAddress map(uint64_t addr) const = 0;
};

/// Registered scheme names, in documentation order.
[[nodiscard]] const std::vector<std::string>& dram_address_map_names();

/// Builds a registered scheme. Throws InputError for an unknown name (with a did-you-mean) or
/// an interleave that is not a power of two between one burst and one row.
[[nodiscard]] std::unique_ptr<DramAddressMap> make_dram_address_map(const std::string& name,
                                                                    const DramGeometry& geometry,
                                                                    uint32_t interleave_bytes);

}  // namespace npusim
