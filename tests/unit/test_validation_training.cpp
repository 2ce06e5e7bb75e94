// Validation of `npusim train` against published training throughput (docs/validation.md,
// "Cluster level"). Each case prices its kernels on the chip model from scratch.
//
// Narayanan et al. SC'21 Table 1: issue 4 asks for 10% on each row, which these checks hold
// (docs/validation.md has each row's error and how it got there).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "cli_harness.h"

using namespace npusim::test;

namespace {

nlohmann::json train(const std::string& args) {
  const auto json = temp_path("validation.json");
  const Outcome o = run_npusim("train " + args + " --cost-cache none -q --json " + json.string());
  INFO(o.out);
  REQUIRE(o.status == 0);
  return nlohmann::json::parse(read_file(json));
}

// Megatron-LM as of SC'21: full recompute and no FlashAttention. Parallelism, micro-batch
// size and DDP of each row as in NVIDIA/Megatron-LM examples/sc21/run_table_1.sh: PyTorch DDP
// (gradients reduced during the backward pass) on the PP=1 rows, Megatron's own "local" DDP
// (after it: --no-overlap-grad) and the interleaved schedule on the pipelined one.
std::string megatron(const std::string& size) {
  return std::string(" --cluster dgx-a100 --model ") + NPUSIM_SOURCE_DIR +
         "/tests/validation/models/megatron-gpt-" + size +
         ".yaml --recompute full --attention unfused";
}

// (model - published) / published allowed for the SC'21 rows: the 10%.
constexpr double kMegatronBandLow = -0.10;
constexpr double kMegatronBandHigh = 0.10;

void check_megatron(const nlohmann::json& r, double published_tflops) {
  const double model = r["tflops_per_npu"].get<double>();
  const double error = (model - published_tflops) / published_tflops;
  INFO("model " << model << " TFLOP/s per GPU, published " << published_tflops << ", error "
                << 100 * error << "%");
  CHECK(r["fits_memory"] == true);
  // Only kernels too wide for the chip model: the logits' weight-gradient GEMM on the 1.7B
  // row, layer norms of 6144 or 12288 columns (a row exceeds the A100's assumed 64 KiB UB).
  CHECK(r["roofline_kernels"].size() <= 2);
  CHECK(error >= kMegatronBandLow);
  CHECK(error <= kMegatronBandHigh);
}

}  // namespace

TEST_CASE("SC'21 Table 1: GPT 1.7B, TP1 PP1 DP32, batch 512: 137 TFLOP/s per A100") {
  check_megatron(train(megatron("1.7b") + " --dp 32 --micro-batch 16 --global-batch 512"), 137);
}

TEST_CASE("SC'21 Table 1: GPT 18.4B, TP8 PP1 DP32, batch 1024: 135 TFLOP/s per A100") {
  check_megatron(
      train(megatron("18.4b") + " --tp 8 --dp 32 --micro-batch 8 --global-batch 1024"), 135);
}

TEST_CASE("SC'21 Table 1: GPT 145.6B, TP8 PP8 DP24, batch 2304: 148 TFLOP/s per A100") {
  check_megatron(
      train(megatron("145.6b") + " --tp 8 --pp 8 --dp 24 --micro-batch 2 --global-batch 2304 "
                                 "--schedule 1f1b-interleaved --vpp 2 --no-overlap-grad"),
      148);
}

TEST_CASE("Ascend 910 ResNet-50 v1.5 batch 256: 2115 images/s measured (MindSpore)") {
  const auto r = train("--cluster atlas900-pod --model resnet50 --micro-batch 256 --global-batch 256 "
                       "--set model.dtype=fp16");
  const double images = r["tokens_per_s"].get<double>();
  INFO("model " << images << " images/s, measured 2115");
  CHECK(images > 2115 / 2.0);  // reported with its gap in docs/validation.md
  CHECK(images < 2115 * 2.0);
}

TEST_CASE("Ascend 910 BERT-Large seq 128 batch 96: 269 sentences/s measured (MindSpore)") {
  const auto r = train("--cluster atlas900-pod --model bert-large --micro-batch 96 --global-batch 96 "
                       "--set model.dtype=fp16 --set model.seq_len=128 --attention unfused");
  const double sentences = r["tokens_per_s"].get<double>() / 128;
  INFO("model " << sentences << " sentences/s, measured 269");
  CHECK(sentences > 269 / 2.0);
  CHECK(sentences < 269 * 2.5);
}

// Korthikanti et al., "Reducing Activation Recomputation in Large Transformer Models" (MLSys
// 2023, arXiv 2205.05198), Table 4: one layer of their 22B GPT (64 heads, h 6144, s 2048,
// micro-batch 4, TP 8) on Selene's A100 80 GB, no recompute: forward 7.7 ms, backward 11.9 ms.
// Megatron-LM of 2022, still without FlashAttention. Its backward overlaps the layer's TP
// all-reduces with the weight-gradient GEMMs (sec. 6), which npusim does not, so the backward
// is compared without them. Times are read from the timeline of a middle layer.
TEST_CASE("Korthikanti et al. Table 4: a 22B layer on 8 A100s, forward 7.7 ms, backward 11.9 ms") {
  const auto timeline = temp_path("layer22b.json");
  const Outcome o = run_npusim(
      "train --cluster dgx-a100 --model " + std::string(NPUSIM_SOURCE_DIR) +
      "/tests/validation/models/megatron-gpt-18.4b.yaml --set model.heads=64 --set "
      "model.kv_heads=64 --set model.layers=4 --attention unfused --tp 8 --micro-batch 4 "
      "--cost-cache none -q --timeline " + timeline.string());
  INFO(o.out);
  REQUIRE(o.status == 0);
  double forward_ms = 0, backward_compute_ms = 0;
  const nlohmann::json trace = nlohmann::json::parse(read_file(timeline));
  for (const auto& e : trace["traceEvents"]) {
    if (e.value("ph", "") != "X" || e.value("pid", -1) != 0) continue;
    const std::string name = e["name"].get<std::string>();
    const double ms = e["dur"].get<double>() / 1e3;  // trace times are microseconds
    const bool tp = name.size() > 3 && name.compare(name.size() - 3, 3, " tp") == 0;
    if (name.rfind("fwd mb0 L1 ", 0) == 0) forward_ms += ms;
    if (name.rfind("bwd mb0 L1 ", 0) == 0 && !tp) backward_compute_ms += ms;
  }
  INFO("model: forward " << forward_ms << " ms, backward without TP " << backward_compute_ms);
  CHECK(std::abs(forward_ms - 7.7) / 7.7 < 0.10);
  CHECK(std::abs(backward_compute_ms - 11.9) / 11.9 < 0.10);
}
