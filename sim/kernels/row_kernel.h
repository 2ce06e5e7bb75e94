#pragma once
// Skeleton shared by the row-wise vector kernels (softmax, layernorm, rmsnorm): rows split over
// vector cores, each core streaming tiles of whole rows through UB with double buffering:
// MTE2 GM->UB (input slot), VECTOR work, MTE3 UB->GM (output slot), TQue-style flags.

#include <cstdint>
#include <functional>
#include <vector>

#include "sim/kernels/trace_builder.h"

namespace npusim::kgen {

/// What the kernel computes on one tile of rows.
struct RowTile {
  uint64_t rows = 0;   ///< rows in this tile
  uint64_t in = 0;     ///< UB address of the input slot (rows x cols of the I/O dtype)
  uint64_t out = 0;    ///< UB address of the output slot (rows x cols of the I/O dtype)
  bool first = false;  ///< first tile of the core
};

struct RowKernelSpec {
  uint64_t rows = 0, cols = 0;
  DType dtype = DType::fp16;  ///< I/O type in GM
  uint32_t cores = 0;         ///< vector cores to use
  /// The kernel's own UB regions that scale with the tile (bytes per tile row of each), and
  /// those that do not (bytes of each); used to find the largest tile that fits.
  std::vector<uint64_t> row_regions, fixed_regions;
  uint64_t extra_gm_bytes = 0;  ///< kernel's own GM tensors (gamma, beta), after x and y
  /// Once per core after the ring flags are set up: allocate own UB regions for `tile_rows`,
  /// emit one-off loads (gamma/beta) from the extra GM region at `gm_extra`.
  std::function<void(CoreBuilder&, BufferLayout&, uint64_t tile_rows, uint64_t gm_extra)> prologue;
  /// The vector work of one tile: reads tile.in, writes tile.out.
  std::function<void(CoreBuilder&, const RowTile&)> compute;
  /// Once per core at the end (balance the prologue's flags).
  std::function<void(CoreBuilder&)> epilogue;
};

/// Emits the whole trace; tile rows are chosen to fit UB (InputError if one row does not).
/// A spec with the arguments every row kernel takes: rows, cols, dtype and cores.
[[nodiscard]] RowKernelSpec row_kernel_spec(KernelArgs& args, const ChipConfig& chip);

[[nodiscard]] KernelTrace run_row_kernel(std::string_view kind, KernelArgs& args,
                                         const ChipConfig& chip, const RowKernelSpec& spec);

/// fp32 work type for 16-bit inputs (Ascend norm/softmax kernels compute in fp32).
[[nodiscard]] inline DType compute_dtype(DType io) {
  return dtype_bits(io) == 16 ? DType::fp32 : io;
}

}  // namespace npusim::kgen
