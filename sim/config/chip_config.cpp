#include "sim/config/chip_config.h"

#include "sim/base/error.h"

namespace npusim {

uint64_t BufferSizes::of(Buffer b) const {
  switch (b) {
    case Buffer::L1: return l1;
    case Buffer::L0A: return l0a;
    case Buffer::L0B: return l0b;
    case Buffer::L0C: return l0c;
    case Buffer::UB: return ub;
    case Buffer::GM: break;
  }
  throw InternalError("BufferSizes::of(GM): GM has no per-core size");
}

uint32_t ChipConfig::core_count(CoreKind k) const {
  switch (k) {
    case CoreKind::aicore: return split ? 0 : cube_cores * dies;
    case CoreKind::aic: return split ? cube_cores * dies : 0;
    case CoreKind::aiv: return split ? vector_cores * dies : 0;
  }
  throw InternalError("unknown core kind");
}

double ChipConfig::peak_flops(DType t) const {
  const auto it = core.cube.k_per_cycle.find(t);
  if (it == core.cube.k_per_cycle.end()) return 0;
  const double macs_per_cycle = double(core.cube.tile_m) * core.cube.tile_n * it->second;
  return 2.0 * macs_per_cycle * freq_mhz * 1e6 * cube_cores * dies;
}

}  // namespace npusim
