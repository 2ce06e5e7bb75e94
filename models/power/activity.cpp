#include "models/power/activity.h"

namespace npusim {

ActivityCounts& ActivityCounts::operator+=(const ActivityCounts& o) {
  for (size_t i = 0; i < kDTypeCount; ++i) macs[i] += o.macs[i];
  vector_bytes += o.vector_bytes;
  vector_flops += o.vector_flops;
  scalar_instrs += o.scalar_instrs;
  for (size_t i = 0; i < kBufferCount; ++i) {
    read_bytes[i] += o.read_bytes[i];
    write_bytes[i] += o.write_bytes[i];
  }
  l2_hit_bytes += o.l2_hit_bytes;
  l2_miss_bytes += o.l2_miss_bytes;
  l2_write_bytes += o.l2_write_bytes;
  l2_writeback_bytes += o.l2_writeback_bytes;
  hbm_read_bytes += o.hbm_read_bytes;
  hbm_write_bytes += o.hbm_write_bytes;
  noc_bytes += o.noc_bytes;
  die_link_bytes += o.die_link_bytes;
  return *this;
}

}  // namespace npusim
