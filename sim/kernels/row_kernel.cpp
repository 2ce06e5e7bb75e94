#include "sim/kernels/row_kernel.h"

#include <algorithm>

namespace npusim::kgen {
namespace {
constexpr uint64_t kMaxInstructions = 20'000'000;
constexpr uint64_t kMaxWorkTileBytes = 64 * 1024;
}  // namespace

RowKernelSpec row_kernel_spec(KernelArgs& args, const ChipConfig& chip) {
  RowKernelSpec spec;
  spec.rows = args.positive("rows", uint64_t{1} << 32);
  spec.cols = args.positive("cols", uint64_t{1} << 24);
  spec.dtype = args.dtype("dtype", vector_dtypes());
  spec.cores = args.cores("cores", chip.core_count(vector_core_kind(chip)), "vector cores");
  return spec;
}

KernelTrace run_row_kernel(std::string_view kind, KernelArgs& args, const ChipConfig& chip,
                           const RowKernelSpec& spec) {
  const CoreKind core_kind = vector_core_kind(chip);
  const uint64_t ub_size = buffer_capacity(args, chip, Buffer::UB);
  const uint64_t es = dtype_bytes(spec.dtype, 1);
  const uint64_t row_bytes = spec.cols * es;
  const uint64_t rows_per_core = ceil_div(spec.rows, spec.cores);

  // The largest tile (in rows) whose regions, each rounded to the allocation alignment, fit UB:
  // two input and two output slots plus the kernel's own regions.
  const auto need = [&](uint64_t rows) {
    uint64_t bytes = 4 * align_up(rows * row_bytes, kBufAlign);
    for (uint64_t per_row : spec.row_regions) bytes += align_up(rows * per_row, kBufAlign);
    for (uint64_t fixed : spec.fixed_regions) bytes += align_up(fixed, kBufAlign);
    return bytes;
  };
  uint64_t tile_rows = 0;
  if (args.text("tile_rows") == "auto") {
    // Keep one fp32 VEC operand near Ascend's 255-repeat limit when rows allow.
    tile_rows = std::max<uint64_t>(1, kMaxWorkTileBytes / (spec.cols * 4));
    tile_rows = std::min(tile_rows, rows_per_core);
    while (tile_rows > 0 && need(tile_rows) > ub_size) --tile_rows;
    if (tile_rows == 0)
      throw args.error("a row of " + to_text(spec.cols) + " " + std::string(name_of(spec.dtype)) +
                       " values does not fit the " + kib(ub_size) + " unified buffer");
  } else {
    tile_rows = args.positive("tile_rows", uint64_t{1} << 20);  // BufferLayout checks the fit
  }
  args.resolve("tile_rows", to_text(tile_rows));
  if (ceil_div(spec.rows, tile_rows) * 24 + uint64_t{spec.cores} * tile_rows * 2 > kMaxInstructions)
    throw args.error("trace would be too long (" + to_text(spec.rows) + " rows)");

  GmLayout gm;
  const uint64_t x = gm.alloc(spec.rows * row_bytes);
  const uint64_t y = gm.alloc(spec.rows * row_bytes);
  const uint64_t gm_extra = spec.extra_gm_bytes != 0 ? gm.alloc(spec.extra_gm_bytes) : 0;

  std::vector<CoreBuilder> builders;
  for (uint32_t c = 0; c < spec.cores; ++c) {
    builders.emplace_back(core_kind, c, chip.core.event_ids);
    CoreBuilder& core = builders.back();
    const uint64_t begin = std::min(spec.rows, c * rows_per_core);
    const uint64_t end = std::min(spec.rows, begin + rows_per_core);
    if (begin == end) continue;

    BufferLayout ub(args, Buffer::UB, ub_size);
    uint64_t in[2], out[2];
    for (int s = 0; s < 2; ++s) {
      in[s] = ub.alloc(tile_rows * row_bytes, "input tile");
      out[s] = ub.alloc(tile_rows * row_bytes, "output tile");
    }
    SlotRing in_ring(Pipe::MTE2, Pipe::VECTOR, 2, 0);
    SlotRing out_ring(Pipe::VECTOR, Pipe::MTE3, 2, 0);
    in_ring.init(core);
    out_ring.init(core);
    if (spec.prologue) spec.prologue(core, ub, tile_rows, gm_extra);

    for (uint64_t r0 = begin; r0 < end; r0 += tile_rows) {
      const uint64_t rows = std::min(tile_rows, end - r0);
      const uint32_t si = in_ring.acquire(core);
      core.mte2(x + r0 * row_bytes, {Buffer::UB, in[si]}, rows * row_bytes);
      in_ring.produced(core);

      (void)in_ring.consume(core);
      const uint32_t so = out_ring.acquire(core);
      spec.compute(core, RowTile{rows, in[si], out[so], r0 == begin});
      in_ring.release(core);
      out_ring.produced(core);

      (void)out_ring.consume(core);
      core.mte3({Buffer::UB, out[so]}, {Buffer::GM, y + r0 * row_bytes}, rows * row_bytes);
      out_ring.release(core);
    }
    in_ring.finish(core);
    out_ring.finish(core);
    if (spec.epilogue) spec.epilogue(core);
  }
  return finish_trace(kind, args, builders);
}

}  // namespace npusim::kgen
