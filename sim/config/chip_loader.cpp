#include "sim/config/chip_loader.h"

#include "sim/config/chip_files.h"
#include "sim/config/chip_reader.h"
#include "sim/config/chip_writer.h"
#include "sim/config/set_override.h"

namespace npusim {
namespace {

/// Everything a chip is read from: --set layers on top (last given first), then the files.
struct ChipSources {
  config::ChipFiles files;
  std::vector<config::Layer> layers;
};

ChipSources gather(const std::string& name_or_path, const std::vector<std::string>& overrides) {
  // Overrides are parsed first so a malformed --set is reported even if the file is broken too.
  std::vector<config::Layer> sets;
  for (auto it = overrides.rbegin(); it != overrides.rend(); ++it)
    sets.push_back(config::parse_set_override(*it));
  ChipSources s{config::load_chip_files(name_or_path), std::move(sets)};
  s.layers.insert(s.layers.end(), s.files.layers.begin(), s.files.layers.end());
  return s;
}

ChipConfig read(const ChipSources& s, config::Provenance* provenance) {
  ChipConfig chip = config::read_chip(s.layers, provenance);
  chip.name = s.files.name;
  chip.source_path = s.files.path;
  return chip;
}

}  // namespace

ChipConfig load_chip(const std::string& name_or_path, const std::vector<std::string>& overrides) {
  return read(gather(name_or_path, overrides), nullptr);
}

std::vector<std::string> chip_preset_names() {
  return config::list_chip_presets();
}

std::string resolved_chip_yaml(const std::string& name_or_path,
                               const std::vector<std::string>& overrides) {
  const ChipSources s = gather(name_or_path, overrides);
  config::Provenance provenance;
  const ChipConfig chip = read(s, &provenance);
  std::vector<std::string> header = {"Resolved chip config '" + chip.name +
                                     "' (base: inheritance and --set applied)."};
  for (size_t i = 0; i < s.files.layers.size(); ++i)
    header.push_back((i == 0 ? "file: " : "base: ") + s.files.layers[i].origin);
  for (const auto& set : overrides) header.push_back("--set " + set);
  header.push_back("Each value is followed by the file:line or --set it came from.");
  return config::write_chip_yaml(chip, provenance, header);
}

}  // namespace npusim
