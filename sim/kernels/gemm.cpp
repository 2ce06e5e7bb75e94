// GEMM C[m,n] = A[m,k] * B[k,n] on the cube, Ascend C matmul style (docs/kernels.md#gemm):
// output base blocks handed round-robin to cube cores; per block a K loop that streams L1
// chunks (MTE2, double buffered) into L0A/L0B k-slabs (MTE1, ping-pong) feeding MMADs that
// accumulate in L0C; FIXPIPE drains the accumulator to GM (split) or via UB and MTE3 (coupled).

#include <algorithm>

#include "sim/kernels/generator.h"
#include "sim/kernels/kernel_args.h"
#include "sim/kernels/trace_builder.h"

namespace npusim::kgen {
namespace {

/// Traces beyond this many instructions would not fit in memory comfortably.
constexpr uint64_t kMaxInstructions = 20'000'000;
constexpr uint64_t kAccBytes = 4;  // fp32 / int32 accumulator element

struct GemmShape {
  uint64_t m = 0, n = 0, k = 0;
  DType in = DType::fp16, out = DType::fp16;
  bool trans_a = false, trans_b = false;
  uint32_t slots = 2;  // 2 = double buffering of L1, L0A/L0B and (if it fits) L0C
};

struct GemmTiling {
  uint64_t bm = 0, bn = 0, bk = 0, kl1 = 0;
  uint32_t l0c_slots = 1;
  uint64_t drain_rows = 0;  ///< coupled cores: accumulator rows per trip through UB
};

/// Bytes of one element of the cube input type (the cube dtypes here are whole bytes).
uint64_t elem_bytes(DType t) {
  return dtype_bytes(t, 1);
}

/// Reads an optional tile override: "auto" -> 0, else a positive multiple of `multiple`.
uint64_t tile_override(KernelArgs& args, const std::string& key, uint64_t multiple) {
  if (args.text(key) == "auto") return 0;
  const uint64_t v = args.positive(key, 1 << 16);
  if (v % multiple != 0)
    throw args.error(key + " must be a multiple of " + to_text(multiple) + " (got '" + to_text(v) +
                     "')");
  return v;
}

GemmTiling choose_tiling(KernelArgs& args, const ChipConfig& chip, const GemmShape& s,
                         uint32_t cores) {
  const auto& buf = chip.core.buffers;
  const uint64_t es = elem_bytes(s.in);
  const uint64_t kalign = std::max<uint64_t>(32 / es, 1);  // one fractal row is 32 bytes
  GemmTiling t;
  t.bm = tile_override(args, "base_m", 16);
  t.bn = tile_override(args, "base_n", 16);
  const bool user_mn = t.bm != 0 || t.bn != 0;
  if (t.bm == 0) t.bm = 128;
  if (t.bn == 0) t.bn = 256;
  // Halve the longer side of the block until `bytes_per_element` x block fits `capacity`.
  const auto shrink_to_fit = [&](uint64_t bytes_per_element, uint64_t capacity) {
    while (!user_mn && t.bm * t.bn * bytes_per_element > capacity) {
      if (t.bn >= t.bm && t.bn > 16)
        t.bn /= 2;
      else if (t.bm > 16)
        t.bm /= 2;
      else
        break;
    }
  };
  // 128 x 256 fp32 fills a 128 KiB L0C: the largest block (least operand traffic per MAC)
  // that fits; smaller L0Cs halve the longer side.
  shrink_to_fit(kAccBytes, buf.l0c);
  // Coupled cores drain L0C through UB, in row pieces of the output tile when a whole tile
  // per slot does not fit (as GPU epilogues stage output sub-tiles through shared memory):
  // only a 16-row piece per slot must fit, else the block shrinks.
  const uint64_t slot_elem_bytes = uint64_t{s.slots} * dtype_bytes(s.out, 1);  // all slots
  if (!chip.split) {
    const uint64_t fit_n = buf.ub / (16 * slot_elem_bytes);
    if (!user_mn) t.bn = std::min(t.bn, std::max<uint64_t>(align_down(fit_n, 16), 16));
  }
  t.bm = std::min(t.bm, align_up(s.m, 16));
  t.bn = std::min(t.bn, align_up(s.n, 16));
  // Too few blocks would leave cores idle: split blocks down to 64 on a side first.
  if (!user_mn) {
    while (ceil_div(s.m, t.bm) * ceil_div(s.n, t.bn) < cores && std::max(t.bm, t.bn) > 64) {
      if (t.bn >= t.bm)
        t.bn = align_up(t.bn / 2, 16);
      else
        t.bm = align_up(t.bm / 2, 16);
    }
  }
  if (t.bm * t.bn * kAccBytes > buf.l0c)
    throw args.error("base block " + to_text(t.bm) + "x" + to_text(t.bn) + " needs " +
                     kib(t.bm * t.bn * kAccBytes) + " of L0C, chip has " + kib(buf.l0c));
  t.l0c_slots = s.slots == 2 && 2 * t.bm * t.bn * kAccBytes <= buf.l0c ? 2 : 1;
  if (!chip.split) {
    t.drain_rows = t.bm;
    while (t.drain_rows > 16 && t.drain_rows * t.bn * slot_elem_bytes > buf.ub)
      t.drain_rows = align_up(t.drain_rows / 2, 16);
  }

  // k-slab per MMAD: as deep as two L0A and two L0B slots allow (the same depth without
  // double buffering, so double_buffer=0 changes only the synchronisation).
  t.bk = tile_override(args, "base_k", kalign);
  if (t.bk == 0) {
    const uint64_t by_l0a = buf.l0a / (2 * t.bm * es);
    const uint64_t by_l0b = buf.l0b / (2 * t.bn * es);
    t.bk = align_down(std::min({by_l0a, by_l0b, uint64_t{256}}), kalign);
    if (t.bk == 0)
      throw args.error("L0A/L0B too small for a " + to_text(kalign) + "-deep k-slab of a " +
                       to_text(t.bm) + "x" + to_text(t.bn) + " block");
    t.bk = std::min(t.bk, align_up(s.k, kalign));
  }

  // L1 chunk: as many k-slabs as two A+B chunks fit in L1, then evened out over K so the
  // last chunk is not a sliver.
  t.kl1 = tile_override(args, "l1_k", t.bk);
  if (t.kl1 == 0) {
    const auto stage = [&](uint64_t kl1) {
      return align_up(t.bm * kl1 * es, kBufAlign) + align_up(kl1 * t.bn * es, kBufAlign);
    };
    uint64_t kl1 = t.bk;
    while (kl1 + t.bk <= align_up(s.k, t.bk) && 2 * stage(kl1 + t.bk) <= buf.l1) kl1 += t.bk;
    const uint64_t chunks = ceil_div(s.k, kl1);
    t.kl1 = std::min(kl1, align_up(ceil_div(s.k, chunks), t.bk));
  }
  return t;
}

/// GM offset (bytes from the tensor base) of the L1 chunk of A for block row mb, k range
/// [k0, k0 + kc). Operands are stored blocked so that each chunk is one contiguous region:
/// A by row blocks (trans_a: by k chunks), B by k chunks (trans_b: by column blocks).
uint64_t a_chunk_offset(const GemmShape& s, const GemmTiling& t, uint64_t mb, uint64_t rm,
                        uint64_t k0, uint64_t kc) {
  const uint64_t es = elem_bytes(s.in);
  return s.trans_a ? (k0 * s.m + kc * mb * t.bm) * es : (mb * t.bm * s.k + rm * k0) * es;
}

uint64_t b_chunk_offset(const GemmShape& s, const GemmTiling& t, uint64_t nb, uint64_t rn,
                        uint64_t k0, uint64_t kc) {
  const uint64_t es = elem_bytes(s.in);
  return s.trans_b ? (nb * t.bn * s.k + rn * k0) * es : (k0 * s.n + kc * nb * t.bn) * es;
}

/// One L1 chunk of work: block (mb, nb) of rm x rn outputs, k range [k0, k0 + kc).
struct Chunk {
  uint64_t mb, nb, rm, rn, k0, kc;
  bool first, last;  // first / last chunk of its block
};

class GemmGenerator final : public KernelGenerator {
 public:
  std::string_view kind() const override { return "gemm"; }
  std::string_view summary() const override {
    return "C[m,n] = A[m,k] x B[k,n] on the cube, base blocks over cube cores, double buffered";
  }
  std::vector<GeneratorParam> params() const override {
    return {
        {"m", "rows of A and C", ""},
        {"n", "columns of B and C", ""},
        {"k", "reduction dimension", ""},
        {"dtype", "input type: fp16, bf16, int8, fp32 (as the chip's cube supports)", "fp16"},
        {"out_dtype", "output type written by FIXPIPE; auto = dtype (fp16 for int8)", "auto"},
        {"trans_a", "1: A stored as [k,m] (MTE1 transposes)", "0"},
        {"trans_b", "1: B stored as [n,k] (MTE1 transposes)", "0"},
        {"double_buffer", "1: ping-pong L1, L0A/L0B and L0C; 0: single buffers", "1"},
        {"cores", "cube cores to use (all or a count)", "all"},
        {"base_m", "rows of an output base block (auto or a multiple of 16)", "auto"},
        {"base_n", "columns of an output base block (auto or a multiple of 16)", "auto"},
        {"base_k", "k depth of one MMAD (auto or a multiple of 32 bytes of dtype)", "auto"},
        {"l1_k", "k depth of one L1 chunk (auto or a multiple of base_k)", "auto"},
    };
  }

  KernelTrace generate(const std::map<std::string, std::string>& given,
                       const ChipConfig& chip) const override {
    KernelArgs args(*this, given);
    GemmShape s;
    s.m = args.positive("m", 1 << 20);
    s.n = args.positive("n", 1 << 20);
    s.k = args.positive("k", 1 << 20);
    std::vector<DType> cube_types;
    for (DType t : {DType::fp16, DType::bf16, DType::int8, DType::fp32})
      if (chip.core.cube.k_per_cycle.contains(t)) cube_types.push_back(t);
    s.in = args.dtype("dtype", cube_types, "by the cube of chip " + chip.name);
    if (args.text("out_dtype") == "auto") {
      s.out = s.in == DType::int8 ? DType::fp16 : s.in;
      args.resolve("out_dtype", std::string(name_of(s.out)));
    } else {
      s.out = args.dtype("out_dtype",
                         {DType::fp16, DType::bf16, DType::fp32, DType::int32, DType::int8});
    }
    s.trans_a = args.flag("trans_a");
    s.trans_b = args.flag("trans_b");
    s.slots = args.flag("double_buffer") ? 2 : 1;
    const CoreKind core_kind = cube_core_kind(chip);
    const uint32_t cores = args.cores("cores", chip.core_count(core_kind), "cube cores");
    for (Buffer b : {Buffer::L1, Buffer::L0A, Buffer::L0B, Buffer::L0C})
      (void)buffer_capacity(args, chip, b);
    if (!chip.split) (void)buffer_capacity(args, chip, Buffer::UB);
    require_event_ids(args, chip, s.slots);

    const GemmTiling t = choose_tiling(args, chip, s, cores);
    args.resolve("base_m", to_text(t.bm));
    args.resolve("base_n", to_text(t.bn));
    args.resolve("base_k", to_text(t.bk));
    args.resolve("l1_k", to_text(t.kl1));

    const uint64_t blocks_m = ceil_div(s.m, t.bm), blocks_n = ceil_div(s.n, t.bn);
    const uint64_t chunks_k = ceil_div(s.k, t.kl1);
    const uint64_t estimate = blocks_m * blocks_n * (chunks_k * 6 + ceil_div(s.k, t.bk) * 7 + 8);
    if (estimate > kMaxInstructions)
      throw args.error("trace would hold about " + to_text(estimate) +
                       " instructions; use larger tiles or a smaller problem");

    GmLayout gm;
    const uint64_t es = elem_bytes(s.in);
    const uint64_t a_base = gm.alloc(s.m * s.k * es);
    const uint64_t b_base = gm.alloc(s.k * s.n * es);
    const uint64_t c_base = gm.alloc(s.m * s.n * dtype_bytes(s.out, 1));

    std::vector<CoreBuilder> builders;
    for (uint32_t c = 0; c < cores; ++c) {
      builders.emplace_back(core_kind, c, chip.core.event_ids);
      builders.back().reserve(ceil_div(estimate, cores));
      std::vector<Chunk> chunks;
      for (uint64_t b = c; b < blocks_m * blocks_n; b += cores) {
        const uint64_t mb = b / blocks_n, nb = b % blocks_n;
        const uint64_t rm = std::min(t.bm, s.m - mb * t.bm), rn = std::min(t.bn, s.n - nb * t.bn);
        for (uint64_t k0 = 0; k0 < s.k; k0 += t.kl1)
          chunks.push_back(
              {mb, nb, rm, rn, k0, std::min(t.kl1, s.k - k0), k0 == 0, k0 + t.kl1 >= s.k});
      }
      emit_core(builders.back(), args, chip, s, t, chunks, a_base, b_base, c_base);
    }
    return finish_trace(kind(), args, builders);
  }

 private:
  static void emit_core(CoreBuilder& core, const KernelArgs& args, const ChipConfig& chip,
                        const GemmShape& s, const GemmTiling& t, const std::vector<Chunk>& chunks,
                        uint64_t a_base, uint64_t b_base, uint64_t c_base) {
    if (chunks.empty()) return;
    const uint64_t es = elem_bytes(s.in), out_es = dtype_bytes(s.out, 1);
    const bool via_ub = !chip.split;  // coupled: L0C -> UB (FIXPIPE on VECTOR) -> GM (MTE3)
    const Pipe fix = fixpipe_pipe(chip, via_ub ? Buffer::UB : Buffer::GM);

    // Buffer plan: every slot at a fixed address for the whole kernel.
    BufferLayout l1(args, Buffer::L1, chip.core.buffers.l1);
    BufferLayout l0a(args, Buffer::L0A, chip.core.buffers.l0a);
    BufferLayout l0b(args, Buffer::L0B, chip.core.buffers.l0b);
    BufferLayout l0c(args, Buffer::L0C, chip.core.buffers.l0c);
    BufferLayout ub(args, Buffer::UB, chip.core.buffers.ub);
    std::vector<uint64_t> l1_a, l1_b, l0a_slot, l0b_slot, l0c_slot, ub_slot;
    for (uint32_t i = 0; i < s.slots; ++i) {
      l1_a.push_back(l1.alloc(t.bm * t.kl1 * es, "L1 A chunk"));
      l1_b.push_back(l1.alloc(t.kl1 * t.bn * es, "L1 B chunk"));
      l0a_slot.push_back(l0a.alloc(t.bm * t.bk * es, "L0A slab"));
      l0b_slot.push_back(l0b.alloc(t.bk * t.bn * es, "L0B slab"));
      if (via_ub) ub_slot.push_back(ub.alloc(t.drain_rows * t.bn * out_es, "UB output rows"));
    }
    for (uint32_t i = 0; i < t.l0c_slots; ++i)
      l0c_slot.push_back(l0c.alloc(t.bm * t.bn * kAccBytes, "L0C accumulator"));

    SlotRing l1_ring(Pipe::MTE2, Pipe::MTE1, s.slots, 0);     // L1 chunk loaded / free
    SlotRing l0_ring(Pipe::MTE1, Pipe::CUBE, s.slots, 0);     // L0A+L0B slab loaded / free
    SlotRing acc_ring(Pipe::CUBE, fix, t.l0c_slots, 0);       // accumulator done / drained
    SlotRing out_ring(Pipe::VECTOR, Pipe::MTE3, s.slots, 0);  // coupled: UB tile full / free
    l1_ring.init(core);
    l0_ring.init(core);
    acc_ring.init(core);
    if (via_ub) out_ring.init(core);

    const Mte1Mode mode_a = s.trans_a ? Mte1Mode::transpose : Mte1Mode::plain;
    const Mte1Mode mode_b = s.trans_b ? Mte1Mode::transpose : Mte1Mode::plain;
    // GM reads go out as equal-sized MTE2 transfers (the B chunk of a 128x256 block is two
    // pieces the size of the A chunk): transfers of one length keep every core's MTE2 stream
    // in step, so none queues behind a much longer transfer of another core at an L2 slice.
    const uint64_t piece = std::min(t.bm * t.kl1 * es, t.kl1 * t.bn * es);
    const auto copy_in = [&](uint64_t gm, uint64_t l1_addr, uint64_t bytes) {
      const uint64_t each = align_up(ceil_div(bytes, ceil_div(bytes, piece)), kGmAlign);
      for (uint64_t off = 0; off < bytes; off += each)
        core.mte2(gm + off, {Buffer::L1, l1_addr + off}, std::min(each, bytes - off));
    };
    const auto load = [&](const Chunk& ch) {
      const uint32_t slot = l1_ring.acquire(core);
      copy_in(a_base + a_chunk_offset(s, t, ch.mb, ch.rm, ch.k0, ch.kc), l1_a[slot],
              ch.rm * ch.kc * es);
      copy_in(b_base + b_chunk_offset(s, t, ch.nb, ch.rn, ch.k0, ch.kc), l1_b[slot],
              ch.kc * ch.rn * es);
      l1_ring.produced(core);
    };

    uint32_t acc = 0;
    load(chunks[0]);
    for (size_t i = 0; i < chunks.size(); ++i) {
      const Chunk& ch = chunks[i];
      // Issue the next chunk's loads before this chunk's compute so MTE2 runs one chunk ahead.
      if (i + 1 < chunks.size()) load(chunks[i + 1]);
      const uint32_t slot = l1_ring.consume(core);
      for (uint64_t dk = 0; dk < ch.kc; dk += t.bk) {
        const uint64_t kk = std::min(t.bk, ch.kc - dk);
        const uint32_t p = l0_ring.acquire(core);
        // L1 chunks are kept in the cube's fractal (Nz) layout, where a k-slab is contiguous.
        core.mte1({Buffer::L1, l1_a[slot] + dk * t.bm * es}, {Buffer::L0A, l0a_slot[p]},
                  ch.rm * kk * es, mode_a);
        core.mte1({Buffer::L1, l1_b[slot] + dk * t.bn * es}, {Buffer::L0B, l0b_slot[p]},
                  kk * ch.rn * es, mode_b);
        l0_ring.produced(core);
        if (dk + t.bk >= ch.kc) l1_ring.release(core);
        const bool block_start = ch.first && dk == 0;
        if (block_start) acc = acc_ring.acquire(core);
        (void)l0_ring.consume(core);
        core.mmad(static_cast<uint32_t>(ch.rm), static_cast<uint32_t>(kk),
                  static_cast<uint32_t>(ch.rn), s.in, l0a_slot[p], l0b_slot[p], l0c_slot[acc],
                  !block_start);
        l0_ring.release(core);
      }
      if (!ch.last) continue;
      // Drain the finished accumulator.
      const uint64_t c_off = (ch.mb * t.bm * s.n + ch.rm * ch.nb * t.bn) * out_es;
      const uint64_t acc_bytes = ch.rm * ch.rn * kAccBytes, out_bytes = ch.rm * ch.rn * out_es;
      acc_ring.produced(core);
      (void)acc_ring.consume(core);
      if (via_ub) {
        for (uint64_t r0 = 0; r0 < ch.rm; r0 += t.drain_rows) {
          const uint64_t rows = std::min(t.drain_rows, ch.rm - r0);
          const uint32_t u = out_ring.acquire(core);
          core.fixpipe(l0c_slot[acc] + r0 * ch.rn * kAccBytes, {Buffer::UB, ub_slot[u]},
                       rows * ch.rn * kAccBytes, rows * ch.rn * out_es);
          if (r0 + rows >= ch.rm) acc_ring.release(core);
          out_ring.produced(core);
          (void)out_ring.consume(core);
          core.mte3({Buffer::UB, ub_slot[u]}, {Buffer::GM, c_base + c_off + r0 * s.n * out_es},
                    rows * ch.rn * out_es);
          out_ring.release(core);
        }
      } else {
        core.fixpipe(l0c_slot[acc], {Buffer::GM, c_base + c_off}, acc_bytes, out_bytes);
        acc_ring.release(core);
      }
    }
    l1_ring.finish(core);
    l0_ring.finish(core);
    acc_ring.finish(core);
    if (via_ub) out_ring.finish(core);
  }
};

}  // namespace

const KernelGenerator& gemm_generator() {
  static const GemmGenerator generator;
  return generator;
}

}  // namespace npusim::kgen
