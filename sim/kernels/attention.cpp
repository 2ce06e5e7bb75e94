// Flash attention O = softmax(Q K^T / sqrt(d)) V, forward, FlashAttention-2 style
// (docs/kernels.md#attention). Work units are (batch*head, q block); each loops over kv blocks
// with an online softmax.
//  split chips:   AIC computes S = Q K^T -> GM workspace, CROSS_SET; its two AIVs each take
//                 half the rows: online softmax, P -> GM workspace, CROSS_SET; AIC computes
//                 P V -> GM workspace, CROSS_SET; AIVs rescale and accumulate O.
//  coupled chips: one core does it all: FIXPIPE L0C->UB (on VECTOR), P UB->L1 by MTE3.

#include <algorithm>

#include "sim/kernels/generator.h"
#include "sim/kernels/kernel_args.h"
#include "sim/kernels/trace_builder.h"

namespace npusim::kgen {
namespace {

constexpr uint64_t kMaxInstructions = 20'000'000;

// Cross-core flag ids of a split group (CROSS_SET reaches every other core of the group, so
// each id has exactly one kind of setter and every receiver consumes every set).
constexpr uint32_t kCrossS = 0;      // AIC -> AIVs: S tile in workspace
constexpr uint32_t kCrossPEven = 1;  // AIV 2g -> AIC (and AIV 2g+1): its P rows in workspace
constexpr uint32_t kCrossO = 2;      // AIC -> AIVs: P V tile in workspace
constexpr uint32_t kCrossPOdd = 3;   // AIV 2g+1 -> AIC (and AIV 2g): its P rows in workspace

struct Shape {
  uint64_t batch = 1, heads = 1, sq = 0, skv = 0, d = 0;
  DType dt = DType::fp16;
  bool causal = false;
  bool split = true;
  [[nodiscard]] uint64_t es() const { return dtype_bytes(dt, 1); }
};

/// One kv block of one work unit.
struct Tile {
  uint64_t bh = 0, q0 = 0, rq = 0, k0 = 0, rk = 0;
  bool first = false, last = false;  // first / last kv block of the unit
  bool diag = false;                 // straddles the causal diagonal: needs the mask
};

/// Per-core buffer addresses. Vector-side sizes are for `vr` rows (half a q block on split
/// chips, a whole one on coupled chips).
struct Plan {
  uint64_t bq = 0, bk = 0, vr = 0;
  // cube side
  uint64_t l1_q[2] = {}, l1_k[2] = {}, l1_v[2] = {}, l1_p[2] = {};
  uint64_t l0a[2] = {}, l0b[2] = {}, l0c[2] = {};
  // vector side
  uint64_t s[2] = {}, p[2] = {}, t = 0, m = 0, l = 0, alpha[2] = {}, oj = 0, oacc = 0, out = 0;
  uint64_t bcast = 0;  // a per-row factor broadcast to O's width (rows x d fp32)
};

/// Sequential region allocation that reports overflow instead of throwing.
class Fit {
 public:
  explicit Fit(uint64_t capacity) : capacity_(capacity) {}
  uint64_t operator()(uint64_t bytes) {
    const uint64_t addr = align_up(next_, kBufAlign);
    next_ = addr + bytes;
    if (next_ > capacity_) ok_ = false;
    return addr;
  }
  [[nodiscard]] bool ok() const { return ok_; }

 private:
  uint64_t capacity_, next_ = 0;
  bool ok_ = true;
};

std::optional<Plan> make_plan(const ChipConfig& chip, const Shape& sh, uint64_t bq, uint64_t bk) {
  const auto& buf = chip.core.buffers;
  const uint64_t es = sh.es(), d = sh.d;
  Plan p;
  p.bq = bq;
  p.bk = bk;
  p.vr = sh.split ? ceil_div(bq, 2) : bq;
  Fit l1(buf.l1), l0a(buf.l0a), l0b(buf.l0b), l0c(buf.l0c), ub(buf.ub);
  for (int i = 0; i < 2; ++i) {
    p.l1_q[i] = l1(bq * d * es);
    p.l1_k[i] = l1(bk * d * es);
    p.l1_v[i] = l1(bk * d * es);
    p.l1_p[i] = l1(bq * bk * es);
    p.l0a[i] = l0a(bq * std::max(d, bk) * es);  // Q for Q K^T, P for P V
    p.l0b[i] = l0b(bk * d * es);                // K^T, then V
    p.l0c[i] = l0c(bq * std::max(bk, d) * 4);   // S or P V, fp32
  }
  // Vector side: per-row statistics (max, sum, rescale factor) are kept broadcast across the
  // row at the S tile's width, because the trace gives a reduction a destination as large as
  // its source. On split chips two alpha buffers: the softmax of tile t+1 runs before the
  // rescale of tile t. On coupled chips S arrives by FIXPIPE on the VECTOR pipe itself, so one
  // S buffer suffices and the order keeps one alpha.
  const uint64_t vr = p.vr, tile = vr * bk * 4;
  const int s_slots = sh.split ? 2 : 1;
  for (int i = 0; i < s_slots; ++i) p.s[i] = ub(tile);
  for (int i = 0; i < 2; ++i) p.p[i] = ub(vr * bk * es);
  p.t = ub(tile);
  p.m = ub(tile);
  p.l = ub(tile);
  for (int i = 0; i < s_slots; ++i) p.alpha[i] = ub(tile);
  if (!sh.split) p.alpha[1] = p.alpha[0];
  p.oj = ub(vr * d * 4);
  p.oacc = ub(vr * d * 4);
  p.bcast = ub(vr * d * 4);
  p.out = ub(vr * d * es);
  if (!(l1.ok() && l0a.ok() && l0b.ok() && l0c.ok() && ub.ok())) return std::nullopt;
  return p;
}

/// GM tensors and workspaces.
struct GmPlan {
  uint64_t q = 0, k = 0, v = 0, o = 0;
  std::vector<uint64_t> ws_s, ws_p, ws_o;  // per group: 2 slots each (split chips)
};

/// Cube-side work shared by the split AIC and the coupled core.
class CubeSide {
 public:
  CubeSide(CoreBuilder& core, const Shape& sh, const Plan& p, const GmPlan& gm, Pipe acc_consumer)
      : core_(core),
        sh_(sh),
        p_(p),
        gm_(gm),
        q_ring_(Pipe::MTE2, Pipe::MTE1, 2, 0),
        kv_ring_(Pipe::MTE2, Pipe::MTE1, 2, 2),
        l0_ring_(Pipe::MTE1, Pipe::CUBE, 2, 0),
        acc_ring_(Pipe::CUBE, acc_consumer, 2, 0) {
    q_ring_.init(core);
    kv_ring_.init(core);
    l0_ring_.init(core);
    acc_ring_.init(core);
  }

  /// Loads Q (at a unit's first tile), K and V, and runs S = Q K^T into an L0C slot.
  void qk(const Tile& t) {
    const uint64_t es = sh_.es(), d = sh_.d;
    if (t.first) {
      const uint32_t qs = q_ring_.acquire(core_);
      core_.mte2(gm_.q + (t.bh * sh_.sq + t.q0) * d * es, {Buffer::L1, p_.l1_q[qs]}, t.rq * d * es);
      q_ring_.produced(core_);
    }
    const uint32_t kvs = kv_ring_.acquire(core_);
    core_.mte2(gm_.k + (t.bh * sh_.skv + t.k0) * d * es, {Buffer::L1, p_.l1_k[kvs]}, t.rk * d * es);
    core_.mte2(gm_.v + (t.bh * sh_.skv + t.k0) * d * es, {Buffer::L1, p_.l1_v[kvs]}, t.rk * d * es);
    kv_ring_.produced(core_);

    if (t.first) q_slot_ = q_ring_.consume(core_);
    kv_slot_.push_back(kv_ring_.consume(core_));
    const uint32_t l0 = l0_ring_.acquire(core_);
    core_.mte1({Buffer::L1, p_.l1_q[q_slot_]}, {Buffer::L0A, p_.l0a[l0]}, t.rq * d * es);
    core_.mte1({Buffer::L1, p_.l1_k[kv_slot_.back()]}, {Buffer::L0B, p_.l0b[l0]}, t.rk * d * es,
               Mte1Mode::transpose);  // K is stored [kv, d]; the cube needs K^T
    l0_ring_.produced(core_);
    if (t.last) q_ring_.release(core_);
    mmad(t.rq, d, t.rk, l0);
  }

  /// P V with P already in L1 slot `p_slot`; the caller frees that slot after MTE1 (`free_p`).
  template <typename FreeP>
  void pv(const Tile& t, uint32_t p_slot, FreeP free_p) {
    const uint64_t es = sh_.es(), d = sh_.d;
    const uint32_t l0 = l0_ring_.acquire(core_);
    core_.mte1({Buffer::L1, p_.l1_p[p_slot]}, {Buffer::L0A, p_.l0a[l0]}, t.rq * t.rk * es);
    core_.mte1({Buffer::L1, p_.l1_v[kv_slot_.front()]}, {Buffer::L0B, p_.l0b[l0]}, t.rk * d * es);
    kv_slot_.erase(kv_slot_.begin());
    l0_ring_.produced(core_);
    free_p();
    kv_ring_.release(core_);
    mmad(t.rq, t.rk, d, l0);
  }

  /// Consumer side of the accumulator: returns the L0C address to drain; call drained() after.
  uint64_t acc_ready() { return p_.l0c[acc_ring_.consume(core_)]; }
  void drained() { acc_ring_.release(core_); }

  void finish() {
    q_ring_.finish(core_);
    kv_ring_.finish(core_);
    l0_ring_.finish(core_);
    acc_ring_.finish(core_);
  }

 private:
  void mmad(uint64_t m, uint64_t k, uint64_t n, uint32_t l0) {
    const uint32_t c = acc_ring_.acquire(core_);
    (void)l0_ring_.consume(core_);
    core_.mmad(static_cast<uint32_t>(m), static_cast<uint32_t>(k), static_cast<uint32_t>(n), sh_.dt,
               p_.l0a[l0], p_.l0b[l0], p_.l0c[c], false);
    l0_ring_.release(core_);
    acc_ring_.produced(core_);
  }

  CoreBuilder& core_;
  const Shape& sh_;
  const Plan& p_;
  const GmPlan& gm_;
  SlotRing q_ring_, kv_ring_, l0_ring_, acc_ring_;
  uint32_t q_slot_ = 0;
  std::vector<uint32_t> kv_slot_;  // KV slots of tiles whose P V is still to come
};

/// Vector-side work on `rows` rows of a tile, shared by the split AIV and the coupled core.
class VectorSide {
 public:
  VectorSide(CoreBuilder& core, const Shape& sh, const Plan& p) : core_(core), sh_(sh), p_(p) {}

  /// Online softmax of the S tile at `s` (fp32): updates max/sum, writes alpha[slot] and P
  /// (input dtype) to `p_dst`.
  void softmax(const Tile& t, uint64_t rows, uint64_t s, uint32_t slot, uint64_t p_dst) {
    const uint64_t n = rows * t.rk;
    const DType f = DType::fp32;
    core_.vec("muls", f, n, s, s);                   // * 1/sqrt(d)
    if (t.diag) core_.vec("select", f, n, s, s, s);  // causal mask -> -inf
    core_.vec("reduce_max", f, n, p_.t, s);          // row max
    if (t.first) {
      core_.vec("copy", f, n, p_.m, p_.t);
    } else {
      core_.vec("max", f, n, p_.t, p_.t, p_.m);            // new running max
      core_.vec("sub", f, n, p_.alpha[slot], p_.m, p_.t);  // old - new
      core_.vec("exp", f, n, p_.alpha[slot], p_.alpha[slot]);
      core_.vec("copy", f, n, p_.m, p_.t);
    }
    core_.vec("sub", f, n, s, s, p_.m);
    core_.vec("exp", f, n, s, s);            // P (unnormalised)
    core_.vec("reduce_sum", f, n, p_.t, s);  // row sum
    if (t.first) {
      core_.vec("copy", f, n, p_.l, p_.t);
    } else {
      core_.vec("mul", f, n, p_.l, p_.l, p_.alpha[slot]);
      core_.vec("add", f, n, p_.l, p_.l, p_.t);
    }
    core_.vec("cast", f, n, p_dst, s, std::nullopt, sh_.dt);
  }

  /// O = O * alpha + (P V) for the tile's rows; at the unit's last tile O /= sum (returns
  /// true then, and the caller stores the result with cast_out()). A per-row factor is first
  /// broadcast to O's width (`dup`, Ascend C's Brcb) so it applies with one tile-wide `mul`.
  bool rescale(const Tile& t, uint64_t rows) {
    const uint64_t n = rows * sh_.d;
    const DType f = DType::fp32;
    if (t.first) {
      core_.vec("copy", f, n, p_.oacc, p_.oj);
    } else {
      core_.vec("dup", f, n, p_.bcast, p_.bcast);  // alpha per row -> rows x d
      core_.vec("mul", f, n, p_.oacc, p_.oacc, p_.bcast);
      core_.vec("add", f, n, p_.oacc, p_.oacc, p_.oj);
    }
    if (!t.last) return false;
    core_.vec("dup", f, n, p_.bcast, p_.bcast);  // 1 / sum per row -> rows x d
    core_.vec("mul", f, n, p_.oacc, p_.oacc, p_.bcast);
    return true;
  }

  void cast_out(uint64_t rows) {
    core_.vec("cast", DType::fp32, rows * sh_.d, p_.out, p_.oacc, std::nullopt, sh_.dt);
  }

 private:
  CoreBuilder& core_;
  const Shape& sh_;
  const Plan& p_;
};

class AttentionGenerator final : public KernelGenerator {
 public:
  std::string_view kind() const override { return "attention"; }
  std::string_view summary() const override {
    return "flash attention forward (online softmax); AIC/AIV pipeline on split chips";
  }
  std::vector<GeneratorParam> params() const override {
    return {
        {"batch", "batch size", "1"},
        {"heads", "attention heads", "1"},
        {"seq", "sequence length (needed unless seq_q and seq_kv are both given)", "unset"},
        {"seq_q", "query length; 'seq' = same as seq", "seq"},
        {"seq_kv", "key/value length; 'seq' = same as seq", "seq"},
        {"head_dim", "head dimension", "128"},
        {"dtype", "Q/K/V/O type: fp16 or bf16 (as the cube supports)", "fp16"},
        {"causal", "1: causal mask (bottom-right aligned); fully masked tiles are skipped", "0"},
        {"cores", "cube cores (split: AIC+2 AIV groups; coupled: AI cores) to use", "all"},
        {"block_q", "query rows per tile (auto or a multiple of 16)", "auto"},
        {"block_kv", "key/value rows per tile (auto or a multiple of 16)", "auto"},
    };
  }

  KernelTrace generate(const std::map<std::string, std::string>& given,
                       const ChipConfig& chip) const override {
    KernelArgs args(*this, given);
    Shape sh;
    sh.split = chip.split;
    sh.batch = args.positive("batch", 1 << 16);
    sh.heads = args.positive("heads", 1 << 16);
    if (given.contains("seq")) (void)args.positive("seq", 1 << 24);  // keep it in the kernel line
    sh.sq = seq_length(args, "seq_q");
    sh.skv = seq_length(args, "seq_kv");
    sh.d = args.positive("head_dim", 1024);
    if (sh.d % 16 != 0)
      throw args.error("head_dim must be a multiple of 16 (got '" + to_text(sh.d) + "')");
    std::vector<DType> types;
    for (DType t : {DType::fp16, DType::bf16})
      if (chip.core.cube.k_per_cycle.contains(t)) types.push_back(t);
    sh.dt = args.dtype("dtype", types, "by the cube of chip " + chip.name);
    sh.causal = args.flag("causal");
    const CoreKind cube_kind = cube_core_kind(chip);
    const uint32_t groups = args.cores("cores", chip.core_count(cube_kind), "cube cores");
    if (sh.split && chip.core_count(CoreKind::aiv) < 2 * chip.core_count(CoreKind::aic))
      throw args.error("needs two AIV per AIC (chip " + chip.name + " has fewer)");
    for (Buffer b : {Buffer::L1, Buffer::L0A, Buffer::L0B, Buffer::L0C, Buffer::UB})
      (void)buffer_capacity(args, chip, b);
    require_vector_ops(args, chip,
                       {"muls", "select", "reduce_max", "copy", "max", "sub", "exp", "reduce_sum",
                        "mul", "add", "cast", "dup"});
    require_event_ids(args, chip, sh.split ? 6 : 4);

    const Plan plan = choose_plan(args, chip, sh);
    args.resolve("block_q", to_text(plan.bq));
    args.resolve("block_kv", to_text(plan.bk));

    // Work units (batch*head, q block) with their unmasked kv blocks, spread over the groups
    // longest-first (causal units differ in length) onto the least loaded group.
    std::vector<std::vector<Tile>> units;
    uint64_t total_tiles = 0;
    const auto offset = static_cast<int64_t>(sh.skv) - static_cast<int64_t>(sh.sq);
    for (uint64_t bh = 0; bh < sh.batch * sh.heads; ++bh) {
      for (uint64_t q0 = 0; q0 < sh.sq; q0 += plan.bq) {
        std::vector<Tile> unit;
        const uint64_t rq = std::min(plan.bq, sh.sq - q0);
        const int64_t last_key = static_cast<int64_t>(q0 + rq - 1) + offset;  // of the last row
        for (uint64_t k0 = 0; k0 < sh.skv; k0 += plan.bk) {
          const uint64_t rk = std::min(plan.bk, sh.skv - k0);
          if (sh.causal && static_cast<int64_t>(k0) > last_key) break;
          const bool diag =
              sh.causal && static_cast<int64_t>(k0 + rk - 1) > static_cast<int64_t>(q0) + offset;
          unit.push_back({bh, q0, rq, k0, rk, false, false, diag});
        }
        if (unit.empty()) continue;  // every row fully masked: nothing to compute
        unit.front().first = true;
        unit.back().last = true;
        total_tiles += unit.size();
        units.push_back(std::move(unit));
      }
    }
    if (total_tiles * 100 > kMaxInstructions)
      throw args.error("trace would hold more than " + to_text(kMaxInstructions) +
                       " instructions; use a smaller problem");
    std::vector<size_t> order(units.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return units[a].size() > units[b].size(); });
    std::vector<std::vector<Tile>> work(groups);
    std::vector<uint64_t> load(groups, 0);
    for (size_t u : order) {
      const auto g = static_cast<size_t>(std::min_element(load.begin(), load.end()) - load.begin());
      load[g] += units[u].size();
      work[g].insert(work[g].end(), units[u].begin(), units[u].end());
    }

    GmLayout gm_layout;
    GmPlan gm;
    const uint64_t qo_bytes = sh.batch * sh.heads * sh.sq * sh.d * sh.es();
    const uint64_t kv_bytes = sh.batch * sh.heads * sh.skv * sh.d * sh.es();
    gm.q = gm_layout.alloc(qo_bytes);
    gm.k = gm_layout.alloc(kv_bytes);
    gm.v = gm_layout.alloc(kv_bytes);
    gm.o = gm_layout.alloc(qo_bytes);
    if (sh.split) {
      for (uint32_t g = 0; g < groups; ++g) {
        gm.ws_s.push_back(gm_layout.alloc(2 * align_up(plan.bq * plan.bk * 4, kGmAlign)));
        gm.ws_p.push_back(gm_layout.alloc(2 * align_up(plan.bq * plan.bk * sh.es(), kGmAlign)));
        gm.ws_o.push_back(gm_layout.alloc(2 * align_up(plan.bq * sh.d * 4, kGmAlign)));
      }
    }

    std::vector<CoreBuilder> builders;
    const uint32_t ids = chip.core.event_ids;
    for (uint32_t g = 0; g < groups; ++g) {
      if (work[g].empty()) continue;
      if (sh.split) {
        builders.emplace_back(CoreKind::aic, g, ids);
        emit_aic(builders.back(), sh, plan, gm, g, work[g]);
        for (uint32_t h = 0; h < 2; ++h) {
          builders.emplace_back(CoreKind::aiv, 2 * g + h, ids);
          emit_aiv(builders.back(), sh, plan, gm, g, h, work[g]);
        }
      } else {
        builders.emplace_back(CoreKind::aicore, g, ids);
        emit_coupled(builders.back(), chip, sh, plan, gm, work[g]);
      }
    }
    return finish_trace(kind(), args, builders);
  }

 private:
  static uint64_t seq_length(KernelArgs& args, const std::string& key) {
    if (args.text(key) != "seq") return args.positive(key, 1 << 24);
    if (args.text("seq") == "unset")
      throw args.error("missing required parameter seq (or give both seq_q and seq_kv)");
    const uint64_t v = args.positive("seq", 1 << 24);
    args.resolve(key, to_text(v));
    return v;
  }

  static Plan choose_plan(KernelArgs& args, const ChipConfig& chip, const Shape& sh) {
    const auto block = [&](const std::string& key) -> uint64_t {
      if (args.text(key) == "auto") return 0;
      const uint64_t v = args.positive(key, 1024);
      if (v % 16 != 0)
        throw args.error(key + " must be a multiple of 16 (got '" + to_text(v) + "')");
      return v;
    };
    const uint64_t user_q = block("block_q"), user_kv = block("block_kv");
    // Largest tiles first: fewer K/V re-reads (bigger q blocks) and longer MMADs.
    static constexpr std::pair<uint64_t, uint64_t> kCandidates[] = {
        {128, 128}, {128, 64}, {64, 128}, {64, 64}, {32, 128},
        {32, 64},   {32, 32},  {16, 32},  {16, 16}};
    for (auto [bq, bk] : kCandidates) {
      if (user_q != 0) bq = user_q;
      if (user_kv != 0) bk = user_kv;
      bq = std::min(bq, align_up(sh.sq, 16));
      bk = std::min(bk, align_up(sh.skv, 16));
      if (auto plan = make_plan(chip, sh, bq, bk)) return *plan;
      if (user_q != 0 && user_kv != 0) break;
    }
    throw args.error("no q/kv tile fits the core buffers for head_dim " + to_text(sh.d) +
                     (user_q || user_kv ? " with the given block sizes" : ""));
  }

  /// Split chip, cube core of group g.
  static void emit_aic(CoreBuilder& core, const Shape& sh, const Plan& p, const GmPlan& gm,
                       uint32_t g, const std::vector<Tile>& tiles) {
    CubeSide cube(core, sh, p, gm, Pipe::FIXP);
    SlotRing p_ring(Pipe::MTE2, Pipe::MTE1, 2, 4);  // P tile fetched from the workspace
    p_ring.init(core);
    const uint64_t es = sh.es();
    const uint64_t s_slot = align_up(p.bq * p.bk * 4, kGmAlign);
    const uint64_t p_slot = align_up(p.bq * p.bk * es, kGmAlign);
    const uint64_t o_slot = align_up(p.bq * sh.d * 4, kGmAlign);

    const auto qk = [&](size_t i) {
      const Tile& t = tiles[i];
      cube.qk(t);
      const uint64_t l0c = cube.acc_ready();
      core.fixpipe(l0c, {Buffer::GM, gm.ws_s[g] + (i % 2) * s_slot}, t.rq * t.rk * 4,
                   t.rq * t.rk * 4);
      cube.drained();
      core.cross_set(Pipe::FIXP, kCrossS);
    };
    const auto pv = [&](size_t i) {
      const Tile& t = tiles[i];
      core.cross_wait(Pipe::MTE2, kCrossPEven);  // both AIVs wrote their P rows
      core.cross_wait(Pipe::MTE2, kCrossPOdd);
      const uint32_t ps = p_ring.acquire(core);
      core.mte2(gm.ws_p[g] + (i % 2) * p_slot, {Buffer::L1, p.l1_p[ps]}, t.rq * t.rk * es);
      p_ring.produced(core);
      const uint32_t pc = p_ring.consume(core);
      cube.pv(t, pc, [&] { p_ring.release(core); });
      const uint64_t l0c = cube.acc_ready();
      core.fixpipe(l0c, {Buffer::GM, gm.ws_o[g] + (i % 2) * o_slot}, t.rq * sh.d * 4,
                   t.rq * sh.d * 4);
      cube.drained();
      core.cross_set(Pipe::FIXP, kCrossO);
    };
    // Q K^T runs one tile ahead of P V so the cube works while the AIVs do the softmax.
    qk(0);
    for (size_t i = 0; i < tiles.size(); ++i) {
      if (i + 1 < tiles.size()) qk(i + 1);
      pv(i);
    }
    cube.finish();
    p_ring.finish(core);
  }

  /// Split chip, vector core h (0/1) of group g: rows [off, off + rows) of every q block.
  static void emit_aiv(CoreBuilder& core, const Shape& sh, const Plan& p, const GmPlan& gm,
                       uint32_t g, uint32_t h, const std::vector<Tile>& tiles) {
    VectorSide vec(core, sh, p);
    SlotRing s_ring(Pipe::MTE2, Pipe::VECTOR, 2, 0);    // S rows fetched
    SlotRing oj_ring(Pipe::MTE2, Pipe::VECTOR, 1, 2);   // P V rows fetched
    SlotRing p_ring(Pipe::VECTOR, Pipe::MTE3, 2, 0);    // P rows to store
    SlotRing out_ring(Pipe::VECTOR, Pipe::MTE3, 1, 2);  // O rows to store
    s_ring.init(core);
    oj_ring.init(core);
    p_ring.init(core);
    out_ring.init(core);
    const uint32_t own = h == 0 ? kCrossPEven : kCrossPOdd;
    const uint32_t sibling = h == 0 ? kCrossPOdd : kCrossPEven;
    const uint64_t es = sh.es(), d = sh.d;
    const uint64_t s_slot = align_up(p.bq * p.bk * 4, kGmAlign);
    const uint64_t p_slot = align_up(p.bq * p.bk * es, kGmAlign);
    const uint64_t o_slot = align_up(p.bq * d * 4, kGmAlign);
    const auto rows_of = [&](const Tile& t) {
      const uint64_t first_half = ceil_div(t.rq, 2);
      return std::pair<uint64_t, uint64_t>{h == 0 ? 0 : first_half,
                                           h == 0 ? first_half : t.rq - first_half};
    };

    const auto softmax = [&](size_t i) {
      const Tile& t = tiles[i];
      const auto [off, rows] = rows_of(t);
      core.cross_wait(Pipe::MTE2, kCrossS);
      if (rows > 0) {
        const uint32_t ss = s_ring.acquire(core);
        core.mte2(gm.ws_s[g] + (i % 2) * s_slot + off * t.rk * 4, {Buffer::UB, p.s[ss]},
                  rows * t.rk * 4);
        s_ring.produced(core);
        (void)s_ring.consume(core);
        const uint32_t ps = p_ring.acquire(core);
        vec.softmax(t, rows, p.s[ss], static_cast<uint32_t>(i % 2), p.p[ps]);
        s_ring.release(core);
        p_ring.produced(core);
        (void)p_ring.consume(core);
        core.mte3({Buffer::UB, p.p[ps]},
                  {Buffer::GM, gm.ws_p[g] + (i % 2) * p_slot + off * t.rk * es}, rows * t.rk * es);
        p_ring.release(core);
      }
      core.cross_set(Pipe::MTE3, own);
    };
    const auto rescale = [&](size_t i) {
      const Tile& t = tiles[i];
      const auto [off, rows] = rows_of(t);
      core.cross_wait(Pipe::MTE2, kCrossO);
      core.cross_wait(Pipe::MTE2, sibling);  // consume the sibling's P signal (already set)
      if (rows == 0) return;
      (void)oj_ring.acquire(core);
      core.mte2(gm.ws_o[g] + (i % 2) * o_slot + off * d * 4, {Buffer::UB, p.oj}, rows * d * 4);
      oj_ring.produced(core);
      (void)oj_ring.consume(core);
      const bool done = vec.rescale(t, rows);
      oj_ring.release(core);
      if (!done) return;
      (void)out_ring.acquire(core);
      vec.cast_out(rows);
      out_ring.produced(core);
      (void)out_ring.consume(core);
      core.mte3({Buffer::UB, p.out}, {Buffer::GM, gm.o + ((t.bh * sh.sq) + t.q0 + off) * d * es},
                rows * d * es);
      out_ring.release(core);
    };
    // Softmax of tile i+1 before the rescale of tile i keeps the AIC busy, except across a
    // unit boundary: the next unit's softmax resets the running sum the rescale still needs.
    softmax(0);
    for (size_t i = 0; i < tiles.size(); ++i) {
      const bool next = i + 1 < tiles.size();
      if (next && !tiles[i].last) softmax(i + 1);
      rescale(i);
      if (next && tiles[i].last) softmax(i + 1);
    }
    s_ring.finish(core);
    oj_ring.finish(core);
    p_ring.finish(core);
    out_ring.finish(core);
  }

  /// Coupled chip: one AI core runs the cube and the vector work of its units.
  static void emit_coupled(CoreBuilder& core, const ChipConfig& chip, const Shape& sh,
                           const Plan& p, const GmPlan& gm, const std::vector<Tile>& tiles) {
    const Pipe fix = fixpipe_pipe(chip, Buffer::UB);  // VECTOR: L0C->UB is a vector-side move
    CubeSide cube(core, sh, p, gm, fix);
    VectorSide vec(core, sh, p);
    SlotRing pub_ring(fix, Pipe::MTE3, 2, 0);         // P in UB, to move to L1
    SlotRing pl1_ring(Pipe::MTE3, Pipe::MTE1, 2, 0);  // P in L1, to load into L0A
    SlotRing out_ring(fix, Pipe::MTE3, 1, 2);         // O rows to store
    pub_ring.init(core);
    pl1_ring.init(core);
    out_ring.init(core);
    const uint64_t es = sh.es(), d = sh.d;

    const auto fix_s = [&](size_t i) {
      const Tile& t = tiles[i];
      const uint64_t l0c = cube.acc_ready();
      core.fixpipe(l0c, {Buffer::UB, p.s[0]}, t.rq * t.rk * 4, t.rq * t.rk * 4);
      cube.drained();
    };
    cube.qk(tiles[0]);
    fix_s(0);
    for (size_t i = 0; i < tiles.size(); ++i) {
      const Tile& t = tiles[i];
      const bool next = i + 1 < tiles.size();
      if (next) cube.qk(tiles[i + 1]);  // the cube computes ahead while the vector works
      const uint32_t ps = pub_ring.acquire(core);
      vec.softmax(t, t.rq, p.s[0], 0, p.p[ps]);
      pub_ring.produced(core);
      if (next) fix_s(i + 1);  // after the softmax in VECTOR order: S has one UB buffer

      (void)pub_ring.consume(core);
      const uint32_t pl = pl1_ring.acquire(core);
      core.mte3({Buffer::UB, p.p[ps]}, {Buffer::L1, p.l1_p[pl]}, t.rq * t.rk * es);
      pl1_ring.produced(core);
      pub_ring.release(core);
      const uint32_t pc = pl1_ring.consume(core);
      cube.pv(t, pc, [&] { pl1_ring.release(core); });

      const uint64_t l0c = cube.acc_ready();
      core.fixpipe(l0c, {Buffer::UB, p.oj}, t.rq * d * 4, t.rq * d * 4);
      cube.drained();
      if (vec.rescale(t, t.rq)) {
        (void)out_ring.acquire(core);
        vec.cast_out(t.rq);
        out_ring.produced(core);
        (void)out_ring.consume(core);
        core.mte3({Buffer::UB, p.out}, {Buffer::GM, gm.o + (t.bh * sh.sq + t.q0) * d * es},
                  t.rq * d * es);
        out_ring.release(core);
      }
    }
    cube.finish();
    pub_ring.finish(core);
    pl1_ring.finish(core);
    out_ring.finish(core);
  }
};

}  // namespace

const KernelGenerator& attention_generator() {
  static const AttentionGenerator generator;
  return generator;
}

}  // namespace npusim::kgen
