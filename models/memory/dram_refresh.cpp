#include "models/memory/dram_refresh.h"

#include <algorithm>

namespace npusim {

DramRefresh::DramRefresh(uint32_t pseudo_channels, uint64_t refi, uint32_t first_index,
                         uint32_t total)
    : refi_(refi), due_(pseudo_channels, std::numeric_limits<uint64_t>::max()) {
  if (refi == 0) return;
  for (uint32_t pc = 0; pc < pseudo_channels; ++pc)
    due_[pc] = refi * (first_index + pc + 1) / total;
}

uint64_t DramRefresh::next_due() const {
  return *std::min_element(due_.begin(), due_.end());
}

}  // namespace npusim
