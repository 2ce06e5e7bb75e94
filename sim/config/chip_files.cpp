#include "sim/config/chip_files.h"

#include "sim/base/paths.h"

namespace npusim::config {

namespace fs = std::filesystem;

fs::path chip_presets_dir() { return data_dir() / "configs" / "chips"; }

std::vector<std::string> list_chip_presets() { return list_yaml_presets(chip_presets_dir()); }

ChipFiles load_chip_files(const std::string& name_or_path) {
  return load_preset_files({chip_presets_dir(), "chip", "name, arch, freq_mhz"}, name_or_path);
}

}  // namespace npusim::config
