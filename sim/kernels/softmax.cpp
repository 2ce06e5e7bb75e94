// Row softmax y = exp(x - max(x)) / sum(exp(x - max(x))) on vector cores
// (docs/kernels.md#softmax): rows split over cores, tiles of whole rows double-buffered
// through UB, computed in fp32.

#include "sim/kernels/generator.h"
#include "sim/kernels/kernel_args.h"
#include "sim/kernels/row_kernel.h"

namespace npusim::kgen {
namespace {

class SoftmaxGenerator final : public KernelGenerator {
 public:
  std::string_view kind() const override { return "softmax"; }
  std::string_view summary() const override {
    return "row softmax over [rows, cols] on vector cores, fp32 compute, double-buffered UB";
  }
  std::vector<GeneratorParam> params() const override {
    return {
        {"rows", "rows (softmax is taken over each row)", ""},
        {"cols", "elements per row", ""},
        {"dtype", "input/output type: fp16, bf16, fp32", "fp16"},
        {"cores", "vector cores to use (all or a count)", "all"},
        {"tile_rows", "rows per UB tile (auto = as many as fit UB)", "auto"},
    };
  }

  KernelTrace generate(const std::map<std::string, std::string>& given,
                       const ChipConfig& chip) const override {
    KernelArgs args(*this, given);
    RowKernelSpec spec = row_kernel_spec(args, chip);
    const bool cast = spec.dtype != DType::fp32;
    require_vector_ops(args, chip, {"reduce_max", "sub", "exp", "reduce_sum", "div", "cast"});
    require_event_ids(args, chip, 2);

    const uint64_t cols = spec.cols;
    const DType ct = compute_dtype(spec.dtype);
    // fp32 work rows (16-bit inputs only; fp32 inputs are worked on in place) and the scratch
    // rows reductions write to: the trace gives a reduction a destination as large as its
    // source, so each row's max/sum lands broadcast across the row.
    spec.row_regions =
        cast ? std::vector<uint64_t>{cols * 4, cols * 4} : std::vector<uint64_t>{cols * 4};
    uint64_t work = 0, scratch = 0;
    spec.prologue = [&](CoreBuilder&, BufferLayout& ub, uint64_t tile_rows, uint64_t) {
      work = cast ? ub.alloc(tile_rows * cols * 4, "fp32 work tile") : 0;
      scratch = ub.alloc(tile_rows * cols * 4, "reduction scratch");
    };
    spec.compute = [&](CoreBuilder& core, const RowTile& t) {
      const uint64_t n = t.rows * cols;
      const uint64_t w = cast ? work : t.in;
      if (cast) core.vec("cast", spec.dtype, n, w, t.in, std::nullopt, ct);
      core.vec("reduce_max", ct, n, scratch, w);  // row max, broadcast
      core.vec("sub", ct, n, w, w, scratch);      // x - max
      core.vec("exp", ct, n, w, w);
      core.vec("reduce_sum", ct, n, scratch, w);  // row sum, broadcast
      core.vec("div", ct, n, cast ? w : t.out, w, scratch);
      if (cast) core.vec("cast", ct, n, t.out, w, std::nullopt, spec.dtype);
    };
    return run_row_kernel(kind(), args, chip, spec);
  }
};

}  // namespace

const KernelGenerator& softmax_generator() {
  static const SoftmaxGenerator generator;
  return generator;
}

}  // namespace npusim::kgen
