// LayerNorm and RMSNorm over the last dimension on vector cores (docs/kernels.md#norms):
// rows split over cores, tiles of whole rows double-buffered through UB, fp32 compute;
// gamma (and beta) loaded once per core.

#include "sim/kernels/generator.h"
#include "sim/kernels/kernel_args.h"
#include "sim/kernels/row_kernel.h"

namespace npusim::kgen {
namespace {

/// The MTE2 -> VECTOR event id announcing gamma/beta (ids 0 and 1 belong to the input ring).
constexpr uint32_t kParamsReadyId = 2;

class NormGenerator final : public KernelGenerator {
 public:
  explicit NormGenerator(bool layernorm) : layernorm_(layernorm) {}

  std::string_view kind() const override { return layernorm_ ? "layernorm" : "rmsnorm"; }
  std::string_view summary() const override {
    return layernorm_ ? "LayerNorm over each row of [rows, cols] (mean, variance, gamma, beta)"
                      : "RMSNorm over each row of [rows, cols] (root mean square, gamma)";
  }
  std::vector<GeneratorParam> params() const override {
    return {
        {"rows", "rows (tokens)", ""},
        {"cols", "elements per row (hidden size)", ""},
        {"dtype", "input/output/gamma type: fp16, bf16, fp32", "fp16"},
        {"cores", "vector cores to use (all or a count)", "all"},
        {"tile_rows", "rows per UB tile (auto = as many as fit UB)", "auto"},
    };
  }

  KernelTrace generate(const std::map<std::string, std::string>& given,
                       const ChipConfig& chip) const override {
    KernelArgs args(*this, given);
    RowKernelSpec spec = row_kernel_spec(args, chip);
    const bool cast = spec.dtype != DType::fp32;
    std::vector<std::string> ops = {"mul", "reduce_sum", "muls", "adds", "rsqrt", "cast", "copy"};
    if (layernorm_) ops.insert(ops.end(), {"sub", "add"});
    require_vector_ops(args, chip, ops);
    require_event_ids(args, chip, kParamsReadyId + 1);

    const uint64_t cols = spec.cols;
    const uint64_t es = dtype_bytes(spec.dtype, 1);
    const DType ct = compute_dtype(spec.dtype);
    const uint64_t params = layernorm_ ? 2 : 1;  // gamma (+ beta)
    // Per tile row: fp32 work row (16-bit inputs), reduction scratch row (reductions write a
    // destination as large as their source: row statistics end up broadcast across the row,
    // which the following elementwise ops consume), and gamma/beta replicated to tile height
    // so they too apply with one tile-wide op.
    spec.row_regions.assign((cast ? 1 : 0) + 1 + params, cols * 4);
    spec.fixed_regions.assign(params, cols * es);
    spec.extra_gm_bytes = params * align_up(cols * es, kGmAlign);

    uint64_t work = 0, scratch = 0, stage[2] = {0, 0}, tiled[2] = {0, 0}, tile_rows = 0;
    spec.prologue = [&](CoreBuilder& core, BufferLayout& ub, uint64_t rows, uint64_t gm) {
      tile_rows = rows;
      work = cast ? ub.alloc(rows * cols * 4, "fp32 work tile") : 0;
      scratch = ub.alloc(rows * cols * 4, "reduction scratch");
      for (uint64_t p = 0; p < params; ++p) {
        stage[p] = ub.alloc(cols * es, "gamma/beta row");
        tiled[p] = ub.alloc(rows * cols * 4, "gamma/beta tile");
        core.mte2(gm + p * align_up(cols * es, kGmAlign), {Buffer::UB, stage[p]}, cols * es);
      }
      core.set_flag(Pipe::MTE2, Pipe::VECTOR, kParamsReadyId);
    };
    spec.compute = [&](CoreBuilder& core, const RowTile& t) {
      if (t.first) {
        // gamma/beta arrive once per core; widen to fp32 and replicate to the tile height.
        core.wait_flag(Pipe::MTE2, Pipe::VECTOR, kParamsReadyId);
        for (uint64_t p = 0; p < params; ++p)
          for (uint64_t r = 0; r < tile_rows; ++r) {
            if (cast)
              core.vec("cast", spec.dtype, cols, tiled[p] + r * cols * 4, stage[p], std::nullopt,
                       ct);
            else
              core.vec("copy", ct, cols, tiled[p] + r * cols * 4, stage[p]);
          }
      }
      const uint64_t n = t.rows * cols;
      const uint64_t w = cast ? work : t.in;
      const uint64_t last = cast ? w : t.out;  // the last fp32 op writes the output directly
      if (cast) core.vec("cast", spec.dtype, n, w, t.in, std::nullopt, ct);
      if (layernorm_) {
        core.vec("reduce_sum", ct, n, scratch, w);  // row sum, broadcast
        core.vec("muls", ct, n, scratch, scratch);  // * 1/cols -> mean
        core.vec("sub", ct, n, w, w, scratch);      // x - mean
        core.vec("mul", ct, n, scratch, w, w);      // squares
      } else {
        core.vec("mul", ct, n, scratch, w, w);  // squares
      }
      core.vec("reduce_sum", ct, n, scratch, scratch);  // sum of squares, broadcast
      core.vec("muls", ct, n, scratch, scratch);        // * 1/cols
      core.vec("adds", ct, n, scratch, scratch);        // + eps
      core.vec("rsqrt", ct, n, scratch, scratch);       // 1/std (1/rms)
      core.vec("mul", ct, n, w, w, scratch);
      if (layernorm_) {
        core.vec("mul", ct, n, w, w, tiled[0]);
        core.vec("add", ct, n, last, w, tiled[1]);
      } else {
        core.vec("mul", ct, n, last, w, tiled[0]);
      }
      if (cast) core.vec("cast", ct, n, t.out, w, std::nullopt, spec.dtype);
    };
    return run_row_kernel(kind(), args, chip, spec);
  }

 private:
  bool layernorm_;
};

}  // namespace

const KernelGenerator& layernorm_generator() {
  static const NormGenerator generator(true);
  return generator;
}

const KernelGenerator& rmsnorm_generator() {
  static const NormGenerator generator(false);
  return generator;
}

}  // namespace npusim::kgen
