// Model specs (workloads/models): every preset loads, parameter counts and FLOPs match the
// published figures, --set overrides, and one test per bad-input path (docs/models.md).

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include "sim/base/error.h"
#include "sim/config/model_loader.h"
#include "sim/config/model_math.h"

using namespace npusim;
namespace fs = std::filesystem;

namespace {

/// Relative difference of `value` from `published`.
double rel(double value, double published) {
  return std::abs(value - published) / published;
}

double total(const std::string& name, const std::vector<std::string>& sets = {}) {
  return static_cast<double>(parameter_count(load_model(name, sets)).total);
}

/// A copy of a preset with one line replaced, in a fresh temp folder, named <stem>.yaml.
std::string edited_preset(const std::string& preset, const std::string& from,
                          const std::string& to) {
  const fs::path src = fs::path(NPUSIM_SOURCE_DIR) / "workloads" / "models" / (preset + ".yaml");
  std::ifstream in(src);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), to);
  const fs::path dir =
      fs::temp_directory_path() / ("npusim-test-models-" + std::to_string(getpid()));
  fs::create_directories(dir);
  const fs::path out = dir / (preset + ".yaml");
  std::ofstream(out) << text;
  return out.string();
}

/// Loading `path` fails with a message that starts with "<path>:<line>: " and contains `part`.
void expect_error_at_line(const std::string& path, const std::string& part) {
  try {
    (void)load_model(path);
    FAIL("expected an InputError for " << path);
  } catch (const InputError& e) {
    const std::string msg = e.what();
    INFO(msg);
    CHECK(msg.rfind(path + ":", 0) == 0);
    const std::string rest = msg.substr(path.size() + 1);
    CHECK(std::isdigit(static_cast<unsigned char>(rest.front())));
    CHECK(rest.find(": ") != std::string::npos);
    CHECK(msg.find(part) != std::string::npos);
  }
  std::error_code ec;
  fs::remove_all(fs::path(path).parent_path(), ec);
}

}  // namespace

TEST_CASE("every model preset loads") {
  const std::vector<std::string> names = model_preset_names();
  for (const char* expected :
       {"bert-large", "deepseek-v3-like", "gpt3-175b", "llama2-70b", "llama2-7b",
        "pangu-alpha-200b", "pangu-ultra-135b-like", "resnet50"})
    CHECK(std::find(names.begin(), names.end(), expected) != names.end());
  for (const auto& name : names) {
    INFO(name);
    const ModelSpec m = load_model(name);
    CHECK(m.name == name);
    CHECK(!m.description.empty());
    CHECK(parameter_count(m).total > 0);
    CHECK(forward_flops_per_token(m) > 0);
    CHECK(!resolved_model_yaml(name).empty());
  }
}

TEST_CASE("dense parameter counts match the published sizes within 2 percent") {
  CHECK(rel(total("gpt3-175b"), 175e9) < 0.02);
  CHECK(rel(total("llama2-7b"), 6.74e9) < 0.02);
  CHECK(rel(total("llama2-70b"), 69e9) < 0.02);
  CHECK(rel(total("pangu-alpha-200b"), 207e9) < 0.02);  // PanGu-alpha Table 1: 207B
  CHECK(rel(total("pangu-ultra-135b-like"), 135e9) < 0.02);
}

TEST_CASE("llama2-70b grouped-query attention counts narrow key and value projections") {
  const ModelSpec m = load_model("llama2-70b");
  const ParamCount p = parameter_count(m);
  // Q and O 8192^2 each, K and V 8192 x (8 x 128) each, per layer.
  CHECK(p.attention == 80ULL * (2ULL * 8192 * 8192 + 2ULL * 8192 * 1024));
  CHECK(p.dense_mlp == 80ULL * 3 * 8192 * 28672);
}

TEST_CASE("deepseek-v3-like total and activated parameters are within 10 percent") {
  // MLA is simplified to standard multi-head attention, hence the wider tolerance.
  const ParamCount p = parameter_count(load_model("deepseek-v3-like"));
  CHECK(rel(static_cast<double>(p.total), 671e9) < 0.10);
  CHECK(rel(static_cast<double>(p.activated), 37e9) < 0.10);
  CHECK(p.activated < p.total);
  CHECK(p.experts == 58ULL * 256 * 3 * 7168 * 2048);
}

TEST_CASE("resnet50 has 25.6M parameters and 4.1 GMACs per image") {
  const ModelSpec m = load_model("resnet50");
  CHECK(rel(static_cast<double>(parameter_count(m).total), 25.6e6) < 0.05);
  CHECK(rel(static_cast<double>(forward_macs_per_sample(m)), 4.1e9) < 0.05);
  CHECK(forward_flops_per_token(m) == 2.0 * static_cast<double>(forward_macs_per_sample(m)));
  size_t convs = 0;
  for (const auto& op : m.ops) convs += op.type == "conv2d" ? 1 : 0;
  CHECK(convs == 53);
  CHECK(m.ops.back().type == "fc");
  CHECK(m.ops.back().out_channels == 1000);
}

TEST_CASE("bert-large has 335M parameters within 3 percent") {
  CHECK(rel(total("bert-large"), 335e6) < 0.03);
}

TEST_CASE("training flops reproduce the Narayanan and Korthikanti GPT formulas") {
  // GPT without biases in the count: the formulas cover matmuls only, which is what is counted.
  const ModelSpec m = load_model("gpt3-175b");
  const double l = m.layers, h = m.hidden, s = m.seq_len, v = m.vocab;
  const double full = 96 * l * h * h * (1 + s / (6 * h) + v / (16 * l * h));
  const double none = 72 * l * h * h * (1 + s / (6 * h) + v / (12 * l * h));
  CHECK(training_flops_per_token(m, Recompute::full) == Approx(full).epsilon(1e-12));
  CHECK(training_flops_per_token(m, Recompute::none) == Approx(none).epsilon(1e-12));
  CHECK(training_flops_per_token(m, Recompute::selective) ==
        Approx(none + 4 * l * s * h).epsilon(1e-12));
  // The common 6N rule of thumb is within a few percent for GPT-3 (attention adds ~s/6h).
  CHECK(rel(training_flops_per_token(m, Recompute::none), 6 * 175e9) < 0.05);
}

TEST_CASE("moe forward flops count only the activated experts") {
  const ModelSpec m = load_model("deepseek-v3-like");
  const ParamCount p = parameter_count(m);
  const double fwd = forward_flops_per_token(m);
  CHECK(fwd < 2.0 * static_cast<double>(p.total) / 5);
  CHECK(fwd > 2.0 * static_cast<double>(p.activated - p.embedding));
}

TEST_CASE("set overrides change the count with or without the model prefix") {
  const double full = total("llama2-7b");
  const double four = total("llama2-7b", {"model.layers=4"});
  CHECK(four < full / 5);
  CHECK(total("llama2-7b", {"layers=4"}) == four);
  CHECK(load_model("llama2-7b", {"layers=4", "model.layers=8"}).layers == 8);
  const std::string yaml = resolved_model_yaml("llama2-7b", {"model.layers=4"});
  CHECK(yaml.find("layers: 4") != std::string::npos);
  CHECK(yaml.find("--set model.layers=4") != std::string::npos);
}

TEST_CASE("an unknown key is an error at its line with a did-you-mean") {
  const std::string path = edited_preset("llama2-7b", "kv_heads: 32", "kv_haeds: 32");
  expect_error_at_line(path, "did you mean 'kv_heads'");
}

TEST_CASE("heads not dividing hidden is an error at its line") {
  const std::string path = edited_preset("llama2-7b", "heads: 32 ", "heads: 30 ");
  expect_error_at_line(path, "does not divide hidden");
}

TEST_CASE("kv_heads not dividing heads is an error at its line") {
  const std::string path = edited_preset("llama2-70b", "kv_heads: 8 ", "kv_heads: 7 ");
  expect_error_at_line(path, "does not divide heads");
}

TEST_CASE("zero layers is an error at its line") {
  const std::string path = edited_preset("gpt3-175b", "layers: 96", "layers: 0 ");
  expect_error_at_line(path, "expected an integer >= 1");
}

TEST_CASE("top_k above experts is an error at its line") {
  const std::string path = edited_preset("deepseek-v3-like", "top_k: 8 ", "top_k: 300 ");
  expect_error_at_line(path, "is more than experts");
}

TEST_CASE("an unknown preset name suggests the closest one") {
  try {
    (void)load_model("llama2-7");
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    const std::string msg = e.what();
    INFO(msg);
    CHECK(msg.rfind("llama2-7: unknown model preset", 0) == 0);
    CHECK(msg.find("did you mean 'llama2-7b'") != std::string::npos);
  }
}

TEST_CASE("a bad override names the set it came from") {
  try {
    (void)load_model("llama2-7b", {"model.layrs=4"});
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    const std::string msg = e.what();
    INFO(msg);
    CHECK(msg.rfind("--set model.layrs=4: ", 0) == 0);
    CHECK(msg.find("did you mean 'layers'") != std::string::npos);
  }
  CHECK_THROWS_AS(load_model("llama2-7b", {"heads=33"}), InputError);
  CHECK_THROWS_AS(load_model("llama2-7b", {"name=x"}), InputError);
  CHECK_THROWS_AS(load_model("llama2-7b", {"activation=relu"}), InputError);
}
