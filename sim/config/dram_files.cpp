#include "sim/config/dram_files.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "sim/base/paths.h"
#include "sim/base/text.h"
#include "sim/config/preset_files.h"

namespace npusim::config {
namespace fs = std::filesystem;
namespace {


std::string unknown_preset_message(const std::string& name) {
  return unknown_preset_text("DRAM preset", name, dram_presets_dir());
}

}  // namespace

fs::path dram_presets_dir() {
  return data_dir() / "configs" / "memory";
}

std::vector<std::string> list_dram_presets() { return list_yaml_presets(dram_presets_dir()); }

bool is_dram_path(const std::string& s) { return looks_like_path(s); }

std::string check_dram_reference(const std::string& name) {
  if (name.empty()) return "empty DRAM preset name (expected a preset such as hbm2e)";
  if (is_dram_path(name)) return "";
  if (fs::is_regular_file(dram_presets_dir() / (name + ".yaml"))) return "";
  return unknown_preset_message(name);
}

DramFile load_dram_file(const std::string& name_or_path) {
  fs::path path(name_or_path);
  if (!is_dram_path(name_or_path)) {
    path = dram_presets_dir() / (name_or_path + ".yaml");
    if (!fs::is_regular_file(path)) throw InputError(unknown_preset_message(name_or_path));
  }
  DramFile file{path.stem().string(), path.string(), Layer{path.string(), false, parse_yaml_file(path, "DRAM preset")}};
  if (!file.layer.root.IsMap())
    throw InputError(SourcePos{file.path, 1, 0},
                     "a DRAM preset must be a YAML map (expected keys such as name, geometry, "
                     "timing_ns)");
  return file;
}

}  // namespace npusim::config
