// Elementwise vector kernel: z = x op y (add, mul) or z = cast(x), Ascend C vector style
// (docs/kernels.md#elementwise): the tensor split in contiguous ranges over vector cores, each
// range streamed through UB in double-buffered tiles: MTE2 GM->UB, one VEC, MTE3 UB->GM.

#include <algorithm>

#include "sim/kernels/generator.h"
#include "sim/kernels/kernel_args.h"
#include "sim/kernels/trace_builder.h"

namespace npusim::kgen {
namespace {

constexpr uint64_t kMaxInstructions = 20'000'000;
/// One VEC instruction covers at most 255 repeats of 256 bytes on Ascend; stay within 64 KiB.
constexpr uint64_t kMaxOperandBytes = 64 * 1024;

class ElementwiseGenerator final : public KernelGenerator {
 public:
  std::string_view kind() const override { return "elementwise"; }
  std::string_view summary() const override {
    return "z = x op y (add, mul) or z = cast(x) over vector cores, double-buffered UB tiles";
  }
  std::vector<GeneratorParam> params() const override {
    return {
        {"op", "add, mul or cast", "add"},
        {"dtype", "input type", "fp16"},
        {"out_dtype", "cast only: output type; auto = fp32 for 16-bit inputs, else fp16", "auto"},
        {"elements", "total elements of each tensor", ""},
        {"cores", "vector cores to use (all or a count)", "all"},
        {"tile", "elements per UB tile (auto or a count)", "auto"},
    };
  }

  KernelTrace generate(const std::map<std::string, std::string>& given,
                       const ChipConfig& chip) const override {
    KernelArgs args(*this, given);
    const std::string op = args.choice("op", {"add", "mul", "cast"});
    const bool binary = op != "cast";
    const std::vector<DType> arith = {DType::fp16, DType::bf16, DType::fp32, DType::int16,
                                      DType::int32};
    const std::vector<DType> castable = {DType::fp16, DType::bf16,  DType::fp32,
                                         DType::int8, DType::int16, DType::int32};
    const DType in = args.dtype("dtype", binary ? arith : castable, "for op " + op);
    DType out = in;
    if (binary) {
      args.resolve("out_dtype", std::string(name_of(in)));
    } else if (args.text("out_dtype") == "auto") {
      out = dtype_bits(in) == 16 ? DType::fp32 : DType::fp16;
      args.resolve("out_dtype", std::string(name_of(out)));
    } else {
      out = args.dtype("out_dtype", castable);
      if (out == in) throw args.error("cast needs out_dtype different from dtype");
    }
    const uint64_t elements = args.positive("elements", uint64_t{1} << 40);
    const CoreKind core_kind = vector_core_kind(chip);
    const uint32_t cores = args.cores("cores", chip.core_count(core_kind), "vector cores");
    const uint64_t ub_size = buffer_capacity(args, chip, Buffer::UB);
    require_vector_ops(args, chip, {op});
    require_event_ids(args, chip, 2);

    const uint64_t es = dtype_bytes(in, 1), oes = dtype_bytes(out, 1);
    const uint64_t inputs = binary ? 2 : 1;
    // Split on 512-byte boundaries of the input so every core starts on an L2 line.
    const uint64_t grain = std::max<uint64_t>(kGmAlign / es, 1);
    const uint64_t per_core = align_up(ceil_div(elements, cores), grain);

    // Tile: two slots of every input and the output fit UB; whole 32-byte blocks.
    uint64_t tile = 0;
    if (args.text("tile") == "auto") {
      // Whole 512-byte units per tile keep GM transfers L2-line aligned and the six UB regions
      // free of alignment padding.
      const uint64_t unit = std::max<uint64_t>(kGmAlign / std::min(es, oes), 1);
      tile = ub_size / (2 * (inputs * es + oes));
      tile = std::min(tile, kMaxOperandBytes / std::max(es, oes));
      tile = std::min(align_down(tile, unit), align_up(per_core, unit));
      if (tile == 0) throw args.error("UB too small for one tile");
      args.resolve("tile", to_text(tile));
    } else {
      tile = args.positive("tile", uint64_t{1} << 30);
    }
    if (ceil_div(elements, tile) * 12 > kMaxInstructions)
      throw args.error("trace would be too long; use a larger tile");

    GmLayout gm;
    const uint64_t x = gm.alloc(elements * es);
    const uint64_t y = binary ? gm.alloc(elements * es) : 0;
    const uint64_t z = gm.alloc(elements * oes);

    std::vector<CoreBuilder> builders;
    for (uint32_t c = 0; c < cores; ++c) {
      builders.emplace_back(core_kind, c, chip.core.event_ids);
      CoreBuilder& core = builders.back();
      const uint64_t begin = std::min(elements, c * per_core);
      const uint64_t end = std::min(elements, begin + per_core);
      if (begin == end) continue;

      BufferLayout ub(args, Buffer::UB, ub_size);
      uint64_t ub_x[2], ub_y[2], ub_z[2];
      for (int s = 0; s < 2; ++s) {
        ub_x[s] = ub.alloc(tile * es, "input tile");
        ub_y[s] = binary ? ub.alloc(tile * es, "input tile") : 0;
        ub_z[s] = ub.alloc(tile * oes, "output tile");
      }
      SlotRing in_ring(Pipe::MTE2, Pipe::VECTOR, 2, 0);   // inputs loaded / consumed
      SlotRing out_ring(Pipe::VECTOR, Pipe::MTE3, 2, 0);  // output computed / stored
      in_ring.init(core);
      out_ring.init(core);
      for (uint64_t e0 = begin; e0 < end; e0 += tile) {
        const uint64_t n = std::min(tile, end - e0);
        const uint32_t si = in_ring.acquire(core);
        core.mte2(x + e0 * es, {Buffer::UB, ub_x[si]}, n * es);
        if (binary) core.mte2(y + e0 * es, {Buffer::UB, ub_y[si]}, n * es);
        in_ring.produced(core);

        (void)in_ring.consume(core);
        const uint32_t so = out_ring.acquire(core);
        if (binary)
          core.vec(op, in, n, ub_z[so], ub_x[si], ub_y[si]);
        else
          core.vec(op, in, n, ub_z[so], ub_x[si], std::nullopt, out);
        in_ring.release(core);
        out_ring.produced(core);

        (void)out_ring.consume(core);
        core.mte3({Buffer::UB, ub_z[so]}, {Buffer::GM, z + e0 * oes}, n * oes);
        out_ring.release(core);
      }
      in_ring.finish(core);
      out_ring.finish(core);
    }
    return finish_trace(kind(), args, builders);
  }
};

}  // namespace

const KernelGenerator& elementwise_generator() {
  static const ElementwiseGenerator generator;
  return generator;
}

}  // namespace npusim::kgen
