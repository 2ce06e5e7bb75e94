// Memory per NPU (sim/cluster/training_memory.h): ZeRO bytes per parameter, Korthikanti et
// al.'s activation formulas at hand-computed values, pipeline in-flight counts, MoE experts.

#include <catch2/catch.hpp>

#include "sim/base/error.h"
#include "sim/cluster/training_memory.h"
#include "sim/config/model_loader.h"
#include "sim/config/model_math.h"

using namespace npusim;

namespace {

constexpr uint64_t kGiB = uint64_t{1} << 30;

uint64_t states(const MemoryBreakdown& b) { return b.weights + b.gradients + b.optimizer; }

ParallelConfig gpt3_layout(uint32_t zero) {
  ParallelConfig p;
  p.tp = 8;
  p.pp = 16;
  p.dp = 8;
  p.zero_stage = zero;
  p.global_batch = 1536;  // GPT-3's batch (Brown et al. Table 2.1)
  return p;
}

}  // namespace

TEST_CASE("zero 0 without model parallelism stores exactly 16 bytes per parameter") {
  for (const char* name : {"gpt3-175b", "llama2-7b", "deepseek-v3-like", "bert-large"}) {
    INFO(name);
    const ModelSpec m = load_model(name);
    const MemoryBreakdown b = memory_per_npu(m, ParallelConfig{}, 64 * kGiB);
    const uint64_t params = parameter_count(m).total;
    CHECK(b.weights == 2 * params);
    CHECK(b.gradients == 2 * params);
    CHECK(b.optimizer == 12 * params);
    CHECK(states(b) == 16 * params);
    CHECK(b.total == states(b) + b.activations + b.buffers);
  }
}

TEST_CASE("fp32 training keeps no separate master copy: 4 + 4 + 8 bytes per parameter") {
  const ModelSpec m = load_model("llama2-7b", {"dtype=fp32"});
  const MemoryBreakdown b = memory_per_npu(m, ParallelConfig{}, 64 * kGiB);
  CHECK(states(b) == 16 * parameter_count(m).total);
  CHECK(b.optimizer == 8 * parameter_count(m).total);
}

TEST_CASE("GPT-3 175B on TP8 PP16 DP8: each ZeRO stage shrinks the model states") {
  const ModelSpec m = load_model("gpt3-175b");
  const MemoryBreakdown z0 = memory_per_npu(m, gpt3_layout(0), 64 * kGiB);
  const MemoryBreakdown z1 = memory_per_npu(m, gpt3_layout(1), 64 * kGiB);
  const MemoryBreakdown z2 = memory_per_npu(m, gpt3_layout(2), 64 * kGiB);
  const MemoryBreakdown z3 = memory_per_npu(m, gpt3_layout(3), 64 * kGiB);
  CHECK(states(z0) > states(z1));
  CHECK(states(z1) > states(z2));
  CHECK(states(z2) > states(z3));
  // ZeRO-1 shards only the optimizer, over the 8 DP ranks (the same stage is the peak).
  REQUIRE(z0.stage == z1.stage);
  CHECK(z1.weights == z0.weights);
  CHECK(z1.gradients == z0.gradients);
  CHECK(z1.optimizer == (z0.optimizer + 7) / 8);
  CHECK(z2.gradients == (z0.gradients + 7) / 8);
  CHECK(z3.weights == (z0.weights + 7) / 8);
  // The peak is stage 0: 6 of the 96 blocks split 8 ways plus the vocab-parallel word
  // embedding and the replicated position table, 16 bytes per parameter.
  const ParamCount c = parameter_count(m);
  const double blocks = static_cast<double>(c.attention + c.dense_mlp + c.norms);
  const double stage0 = blocks * 6 / 96 / 8 + 50257.0 * 12288 / 8 + 2048.0 * 12288;
  CHECK(z0.stage == 0);
  CHECK(static_cast<double>(states(z0)) == Approx(16 * stage0).epsilon(0.002));
  // ZeRO-3 adds the gathered parameters of two layers to the buffers.
  CHECK(z3.buffers > z2.buffers);
}

TEST_CASE("Korthikanti per-layer activations for GPT-3 at s 2048 b 1 h 12288 a 96 t 8") {
  const ModelSpec m = load_model("gpt3-175b");
  ActivationOptions no_flash;
  no_flash.flash_attention = false;
  const double sbh = 2048.0 * 1 * 12288;  // 25,165,824
  // 5 a s / h = 5 x 96 x 2048 / 12288 = 80.
  ParallelConfig p;
  SECTION("no parallelism: sbh (34 + 5as/h) = 114 sbh") {
    CHECK(layer_activation_bytes(m, p, 0, no_flash) == Approx(114 * sbh));
    CHECK(layer_activation_bytes(m, p, 0, no_flash) == Approx(2'868'903'936.0));
  }
  SECTION("TP 8: sbh (10 + 24/t + 5as/(ht)) = 23 sbh") {
    p.tp = 8;
    CHECK(layer_activation_bytes(m, p, 0, no_flash) == Approx(23 * sbh));
    CHECK(layer_activation_bytes(m, p, 0, no_flash) == Approx(578'813'952.0));
  }
  SECTION("TP 8 + SP: sbh/t (34 + 5as/h)") {
    p.tp = 8;
    p.sp = true;
    CHECK(layer_activation_bytes(m, p, 0, no_flash) == Approx(sbh / 8 * 114));
  }
  SECTION("selective recompute drops the 5as/h term") {
    p.tp = 8;
    p.sp = true;
    p.recompute = Recompute::selective;
    CHECK(layer_activation_bytes(m, p, 0, no_flash) == Approx(sbh / 8 * 34));
    CHECK(layer_activation_bytes(m, p, 0) == Approx(sbh / 8 * 34));  // flash or not
  }
  SECTION("full recompute keeps only the layer input: 2sbh, /t with SP") {
    p.tp = 8;
    p.recompute = Recompute::full;
    CHECK(layer_activation_bytes(m, p, 0, no_flash) == Approx(2 * sbh));
    p.sp = true;
    CHECK(layer_activation_bytes(m, p, 0, no_flash) == Approx(2 * sbh / 8));
  }
  SECTION("flash attention (default) keeps one fp32 statistic per query and head") {
    p.tp = 8;
    p.sp = true;
    CHECK(layer_activation_bytes(m, p, 0) == Approx(sbh / 8 * 34 + 4.0 * 96 * 2048 / 8));
  }
  SECTION("CP divides the local sequence, micro_batch multiplies") {
    p.tp = 8;
    p.sp = true;
    p.cp = 2;
    p.micro_batch = 2;
    p.recompute = Recompute::selective;
    CHECK(layer_activation_bytes(m, p, 0) == Approx(sbh / 8 * 34));
  }
  SECTION("without dropout the masks and the dropout output go: sbh (32 + 2as/h)") {
    ActivationOptions o = no_flash;
    o.dropout = false;
    CHECK(layer_activation_bytes(m, p, 0, o) == Approx(sbh * (32 + 32)));
  }
}

TEST_CASE("GQA and SwiGLU activations follow the per-tensor derivation (LLaMA-2 70B)") {
  const ModelSpec m = load_model("llama2-70b");
  const double h = m.hidden, f = m.ffn_hidden, kv = double(m.kv_heads) * m.head_dim();
  const double s = m.seq_len;
  ParallelConfig p;
  p.tp = 8;
  p.recompute = Recompute::selective;
  // Replicated: norm inputs 4h, QKV input 2h, FFN input 2h, masks 2h. Split: Q 2h, K V 4kv,
  // O input 2h, SwiGLU gate + up + product 6f.
  const double per_token = 10 * h + (2 * h + 4 * kv + 2 * h + 6 * f) / 8;
  CHECK(layer_activation_bytes(m, p, 0) == Approx(s * per_token));
}

TEST_CASE("in-flight micro-batches per pipeline schedule") {
  ParallelConfig p;
  p.pp = 4;
  p.global_batch = 8;  // m = 8
  p.schedule = PipelineSchedule::gpipe;
  CHECK(in_flight_micro_batches(p, 0) == 8);
  CHECK(in_flight_micro_batches(p, 3) == 8);
  p.schedule = PipelineSchedule::one_f_one_b;
  CHECK(in_flight_micro_batches(p, 0) == 4);
  CHECK(in_flight_micro_batches(p, 3) == 1);
  p.global_batch = 2;
  CHECK(in_flight_micro_batches(p, 0) == 2);
  p.global_batch = 8;
  p.schedule = PipelineSchedule::interleaved;
  p.vpp = 2;
  // Stage 0: pp (1 + (pp - 1) / (pp vpp)) = 4 + 3/2 (Korthikanti et al.).
  CHECK(in_flight_micro_batches(p, 0) == Approx(4 * (1 + 3.0 / 8)));
  CHECK(in_flight_micro_batches(p, 3) == Approx(5.0 / 2));
}

TEST_CASE("pipeline peak: the most loaded rank is reported and 1F1B beats GPipe") {
  const ModelSpec m = load_model("gpt3-175b");
  ParallelConfig p = gpt3_layout(1);
  p.sp = true;
  p.recompute = Recompute::selective;
  const MemoryBreakdown f1b = memory_per_npu(m, p, 64 * kGiB);
  p.schedule = PipelineSchedule::gpipe;
  const MemoryBreakdown gpipe = memory_per_npu(m, p, 64 * kGiB);
  CHECK(gpipe.activations > f1b.activations);
  // 1F1B: stage 0 holds 16 micro-batches of 6 layers.
  CHECK(f1b.stage == 0);
  const double layer = layer_activation_bytes(m, p, 0);
  CHECK(static_cast<double>(f1b.activations) >= 16 * 6 * layer);
  CHECK(static_cast<double>(f1b.activations) < 16 * 6 * layer * 1.01);
}

TEST_CASE("pp 1 holds the fp32 logits of one micro-batch") {
  const ModelSpec m = load_model("llama2-7b");
  ParallelConfig p;
  p.recompute = Recompute::full;
  p.global_batch = 4;
  const MemoryBreakdown b = memory_per_npu(m, p, 64 * kGiB);
  const double s = m.seq_len, h = m.hidden;
  const double expected = m.layers * 2 * s * h  // layer inputs
                          + s * h                 // embedding dropout mask
                          + 2 * 2 * s * h         // final norm and output layer inputs
                          + 4 * s * m.vocab;      // fp32 logits
  CHECK(static_cast<double>(b.activations) == Approx(expected));
}

TEST_CASE("a model that does not fit reports fits = false") {
  const ModelSpec m = load_model("gpt3-175b");
  const MemoryBreakdown b = memory_per_npu(m, ParallelConfig{}, 64 * kGiB);
  CHECK_FALSE(b.fits);
  CHECK(b.capacity == 64 * kGiB);
  CHECK(b.total > b.capacity);
  const MemoryBreakdown ok = memory_per_npu(load_model("llama2-7b"), [] {
    ParallelConfig p;
    p.tp = 8;
    p.recompute = Recompute::selective;
    return p;
  }(), 64 * kGiB);
  CHECK(ok.fits);
}

TEST_CASE("DeepSeek-V3-like: expert parallelism divides the routed experts per NPU") {
  const ModelSpec m = load_model("deepseek-v3-like");
  ParallelConfig p;
  p.dp = 8;
  const MemoryBreakdown ep1 = memory_per_npu(m, p, 64 * kGiB);
  p.ep = 8;
  const MemoryBreakdown ep8 = memory_per_npu(m, p, 64 * kGiB);
  const uint64_t experts = parameter_count(m).experts;
  CHECK(ep8.weights < ep1.weights);
  CHECK(ep1.weights - ep8.weights == 2 * (experts - experts / 8));
  // ZeRO-1 shards an expert's optimizer state over the dp / ep = 1 ranks that share it.
  p.zero_stage = 1;
  const MemoryBreakdown z1 = memory_per_npu(m, p, 64 * kGiB);
  CHECK(z1.optimizer == (12 * (parameter_count(m).total - experts) + 7) / 8 + 12 * experts / 8);
}

TEST_CASE("ResNet-50 (kind ops): activations are every op output x dtype x micro-batch") {
  const ModelSpec m = load_model("resnet50");
  ParallelConfig p;
  p.micro_batch = 32;
  uint64_t elements = 0;
  for (const OpSpec& op : m.ops) elements += uint64_t{op.out_channels} * op.out_h * op.out_w;
  const MemoryBreakdown b = memory_per_npu(m, p, 32 * kGiB);
  CHECK(b.activations == elements * training_dtype_bytes(m) * 32);
  CHECK(states(b) == 16 * parameter_count(m).total);
  CHECK(b.fits);
  p.tp = 2;
  CHECK_THROWS_AS(memory_per_npu(m, p, 32 * kGiB), InputError);
}

TEST_CASE("invalid parallel configs are input errors") {
  const ModelSpec m = load_model("llama2-7b");
  ParallelConfig p;
  p.tp = 0;
  CHECK_THROWS_AS(memory_per_npu(m, p, kGiB), InputError);
  p = {};
  p.zero_stage = 4;
  CHECK_THROWS_AS(memory_per_npu(m, p, kGiB), InputError);
  p = {};
  p.dp = 4;
  p.global_batch = 2;
  CHECK_THROWS_WITH(memory_per_npu(m, p, kGiB), Catch::Contains("global_batch"));
}
