// The framework costs of a training step that are not layers: the fp32 cross-entropy, the
// per-micro-batch gradient accumulation, the mixed-precision optimizer step and the loss's
// TP all-reduces (docs/training.md, "What a step contains").
#include <fmt/format.h>

#include <algorithm>
#include <catch2/catch.hpp>

#include "sim/cluster/layer_kernels.h"
#include "sim/cluster/training_graph.h"
#include "sim/cluster/training_memory.h"
#include "cluster_test_models.h"

using namespace npusim;

namespace {

ModelSpec gpt(const std::string& dtype = "fp16") { return test::small_gpt(4, dtype); }

bool contains(const KernelList& list, const std::string& spec) {
  return std::any_of(list.begin(), list.end(), [&](const KernelUse& k) { return k.spec == spec; });
}

double count_of(const KernelList& list, const std::string& spec) {
  for (const KernelUse& k : list)
    if (k.spec == spec) return k.count;
  return 0;
}

}  // namespace

TEST_CASE("the loss runs on an fp32 copy of this rank's vocabulary slice of the logits") {
  ParallelConfig par;
  par.tp = 4;
  par.micro_batch = 2;
  const StepKernels k = step_kernels(gpt(), par);
  const uint64_t logits = 2 * 1024 * (32000 / 4);
  CHECK(
      contains(k.head_forward, fmt::format("elementwise op=cast elements={} dtype=fp16", logits)));
  CHECK(contains(k.head_backward,
                 fmt::format("elementwise op=cast elements={} dtype=fp32 out_dtype=fp16", logits)));
  // max, subtract, exp, sum, divide: 32 bytes per logit at 12 bytes per fp32 add.
  CHECK(count_of(k.head_forward, fmt::format("elementwise op=add elements={} dtype=fp32",
                                             logits)) == Approx(32.0 / 12.0));

  // fp32 training has nothing to cast.
  const StepKernels k32 = step_kernels(gpt("fp32"), par);
  for (const KernelUse& use : k32.head_forward)
    CHECK(use.spec.find("op=cast") == std::string::npos);
}

TEST_CASE("each micro-batch's backward accumulates the gradients of the parameters it touched") {
  ParallelConfig par;
  par.tp = 2;
  const ModelSpec m = gpt();
  const StepKernels k = step_kernels(m, par);
  const NpuParameters p = npu_parameters(m, par);
  CHECK(k.mlp_backward.back().spec ==
        fmt::format("elementwise op=add elements={} dtype=fp16", p.dense_layer));
  CHECK(k.embedding_backward.back().spec ==
        fmt::format("elementwise op=add elements={} dtype=fp16", p.embedding));
  CHECK(k.head_backward.size() > 0);
  CHECK(
      contains(k.head_backward, fmt::format("elementwise op=add elements={} dtype=fp16", p.head)));
}

TEST_CASE("the optimizer step moves 52 bytes per parameter in mixed precision, 32 in fp32") {
  const KernelList mixed = optimizer_kernels(1000, 2);
  REQUIRE(mixed.size() == 1);
  CHECK(mixed[0].spec == "elementwise op=add elements=1000 dtype=fp32");
  CHECK(mixed[0].count * 12 == Approx(52));
  CHECK(optimizer_kernels(1000, 4)[0].count * 12 == Approx(32));
  CHECK(optimizer_kernels(0, 2).empty());
}

TEST_CASE("with TP the loss all-reduces its max, target logit and sum of exponentials") {
  auto loss_collectives = [](const ParallelConfig& par) {
    const TrainingGraph g = build_training_graph(gpt(), par);
    int n = 0;
    for (const StageProgram& stage : g.stages)
      for (const GraphOp& op : stage.ops)
        if (op.type == OpType::collective &&
            g.labels[op.label].find(" loss ") != std::string::npos) {
          CHECK(op.bytes == uint64_t{par.micro_batch} * 1024 * 4);
          ++n;
        }
    return n;
  };
  ParallelConfig par;
  par.tp = 4;
  par.micro_batch = 2;
  par.global_batch = 6;  // three micro-batches
  CHECK(loss_collectives(par) == 3 * 3);
  par.tp = 1;
  CHECK(loss_collectives(par) == 0);
}

TEST_CASE("linear biases: a QKV bias pass forward, a bias-gradient sum per linear backward") {
  ParallelConfig par;
  par.tp = 2;
  ModelSpec m = gpt();
  const uint64_t tokens = 1024;
  const uint64_t qkv = 3 * 1024 / 2;
  const StepKernels plain = step_kernels(m, par);
  m.linear_bias = true;
  const StepKernels biased = step_kernels(m, par);
  CHECK(count_of(biased.attention_forward, fmt::format("elementwise op=add elements={} dtype=fp16",
                                                       tokens * qkv)) == Approx(2.0 / 3.0));
  // Bias gradients read each output gradient once: QKV and output projection, FC1 and FC2.
  CHECK(count_of(biased.attention_backward, fmt::format("elementwise op=add elements={} dtype=fp16",
                                                        tokens * qkv)) == Approx(1.0 / 3.0));
  CHECK(biased.attention_backward.size() == plain.attention_backward.size() + 2);
  CHECK(biased.mlp_backward.size() == plain.mlp_backward.size() + 2);
  CHECK(biased.attention_forward.size() == plain.attention_forward.size() + 1);
  CHECK(biased.mlp_forward.size() == plain.mlp_forward.size());
}
