// `npusim model list|show`: the model specs of workloads/models (docs/models.md).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "sim/base/error.h"
#include "sim/cli/cli.h"
#include "sim/config/model_loader.h"
#include "sim/config/model_math.h"

namespace npusim {
namespace {

/// "175.0e9" style with an SI-ish suffix for readability: 174.6 B, 25.6 M.
std::string count_text(double n) {
  if (n >= 1e9) return fmt::format("{:.2f} B", n / 1e9);
  if (n >= 1e6) return fmt::format("{:.2f} M", n / 1e6);
  return fmt::format("{:.0f}", n);
}

std::string derived_text(const ModelSpec& m) {
  const ParamCount p = parameter_count(m);
  std::string out = "# derived (formulas: docs/models.md)\n";
  const auto line = [&out](const std::string& key, const std::string& value,
                           const std::string& note) {
    out += fmt::format("# {:<46} {:>14}  {}\n", key, value, note);
  };
  const auto count = [&](const std::string& key, uint64_t v) {
    line(key, fmt::format("{}", v), count_text(static_cast<double>(v)));
  };
  count("params_total", p.total);
  if (m.kind != ModelKind::ops) {
    count("params_activated_per_token", p.activated);
    count("params_embedding", p.embedding);
    count("params_attention", p.attention);
    count("params_dense_mlp", p.dense_mlp);
    if (m.kind == ModelKind::moe) {
      count("params_experts", p.experts);
      count("params_shared_experts", p.shared_experts);
      count("params_router", p.router);
    }
    count("params_norms", p.norms);
    count(m.kind == ModelKind::encoder ? "params_pooler" : "params_output", p.output);
  } else {
    count("forward_macs_per_sample", forward_macs_per_sample(m));
  }
  const char* unit = m.kind == ModelKind::ops ? "sample" : "token";
  const auto flops = [&](const std::string& key, double v) {
    line(key + "_per_" + unit, fmt::format("{:.4e}", v), "FLOP");
  };
  flops("forward_flops", forward_flops_per_token(m));
  flops("training_flops", training_flops_per_token(m, Recompute::none));
  flops("training_flops_selective_recompute", training_flops_per_token(m, Recompute::selective));
  flops("training_flops_full_recompute", training_flops_per_token(m, Recompute::full));
  return out;
}

}  // namespace

void add_model_command(CLI::App& app, CommandAction& action) {
  CLI::App* model = app.add_subcommand(
      "model", "Model specs for training runs (workloads/models): list them, show one resolved");
  model->require_subcommand(1);
  model->footer(
      "Examples:\n"
      "  npusim model list\n"
      "  npusim model show llama2-70b\n"
      "  npusim model show gpt3-175b --set model.layers=4");

  CLI::App* list = model->add_subcommand("list", "List the model presets in workloads/models");
  list->footer("Example:\n  npusim model list");
  list->callback([&action] {
    action = [] {
      for (const auto& name : model_preset_names()) {
        std::string description;
        try {
          const ModelSpec m = load_model(name);
          description = fmt::format("{:<8} {:>10} params  {}", to_string(m.kind),
                                    count_text(static_cast<double>(parameter_count(m).total)),
                                    m.description);
        } catch (const InputError& e) {
          description = std::string("(invalid: ") + e.what() + ")";
        }
        std::cout << fmt::format("{:<24} {}\n", name, description);
      }
      return kExitOk;
    };
  });

  auto show_name = std::make_shared<std::string>();
  auto show_overrides = std::make_shared<std::vector<std::string>>();
  CLI::App* show = model->add_subcommand(
      "show",
      "Print a model spec as resolved YAML (each value with the file:line or --set it came\n"
      "from) followed by its derived parameter counts and FLOPs per token");
  show->add_option("name", *show_name, "Model preset (npusim model list) or model YAML file")
      ->required();
  show->add_option("--set", *show_overrides,
                   "Override a key, e.g. --set model.layers=4 or --set seq_len=512 (the model.\n"
                   "prefix is optional; repeatable)");
  show->footer(
      "Examples:\n"
      "  npusim model show deepseek-v3-like\n"
      "  npusim model show bert-large --set model.seq_len=512");
  show->callback([&action, show_name, show_overrides] {
    action = [show_name, show_overrides] {
      const std::string yaml = resolved_model_yaml(*show_name, *show_overrides);
      const ModelSpec m = load_model(*show_name, *show_overrides);
      std::cout << yaml << derived_text(m);
      return kExitOk;
    };
  });
}

}  // namespace npusim
