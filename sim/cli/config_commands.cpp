// `npusim config list|show`: the chip presets and their resolved values.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "sim/base/error.h"
#include "sim/cli/cli.h"
#include "sim/config/chip_loader.h"

namespace npusim {

void add_config_commands(CLI::App& app, CommandAction& action) {
  CLI::App* config = app.add_subcommand("config", "List chip presets or show one, resolved");
  config->require_subcommand(1);

  CLI::App* list = config->add_subcommand("list", "List the chip presets in configs/chips");
  list->footer("Example:\n  npusim config list");
  list->callback([&action] {
    action = [] {
      for (const auto& name : chip_preset_names()) std::cout << name << "\n";
      return kExitOk;
    };
  });

  auto name = std::make_shared<std::string>();
  auto overrides = std::make_shared<std::vector<std::string>>();
  CLI::App* show = config->add_subcommand(
      "show", "Print a chip config as YAML after inheritance (base:) and --set overrides");
  show->add_option("name", *name, "Preset name (see `config list`) or path to a chip YAML file")
      ->required();
  show->add_option("--set", *overrides,
                   "Override a key, e.g. --set core.cube.latency_cycles=24 (repeatable)");
  show->footer("Example:\n  npusim config show ascend910b --set hbm.bandwidth_gbps=3200");
  show->callback([&action, name, overrides] {
    action = [name, overrides] {
      std::cout << resolved_chip_yaml(*name, *overrides);
      return kExitOk;
    };
  });
}

}  // namespace npusim
