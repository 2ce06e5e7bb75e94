#include "sim/config/dram_files.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "sim/base/paths.h"
#include "sim/base/text.h"

namespace npusim::config {
namespace fs = std::filesystem;
namespace {

YAML::Node parse_file(const fs::path& path) {
  const std::string shown = path.string();
  std::error_code ec;
  if (!fs::exists(path, ec)) throw InputError(shown + ": cannot open DRAM preset (no such file)");
  if (fs::is_directory(path, ec))
    throw InputError(shown + ": cannot open DRAM preset (it is a directory; expected a .yaml file)");
  std::ifstream in(path, std::ios::binary);
  if (!in.is_open()) throw InputError(shown + ": cannot open DRAM preset (it cannot be read)");
  std::stringstream text;
  text << in.rdbuf();
  try {
    return YAML::Load(text.str());
  } catch (const YAML::Exception& e) {
    SourcePos at{shown, 0, 0};
    if (!e.mark.is_null() && e.mark.line >= 0) {
      at.line = static_cast<uint32_t>(e.mark.line + 1);
      at.col = static_cast<uint32_t>(e.mark.column + 1);
    }
    throw InputError(at, "YAML syntax error: " + e.msg + " (expected valid YAML)");
  }
}

std::string unknown_preset_message(const std::string& name) {
  const std::vector<std::string> presets = list_dram_presets();
  return "unknown DRAM preset '" + name + "'" + did_you_mean(name, presets) +
         " (expected one of: " +
         (presets.empty() ? "<none found in " + dram_presets_dir().string() + ">" : join(presets)) +
         "; or a path to a .yaml file)";
}

}  // namespace

fs::path dram_presets_dir() {
  return data_dir() / "configs" / "memory";
}

std::vector<std::string> list_dram_presets() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dram_presets_dir(), ec))
    if (entry.is_regular_file(ec) && entry.path().extension() == ".yaml")
      names.push_back(entry.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

bool is_dram_path(const std::string& s) {
  const auto ends_with = [&](std::string_view suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  return s.find('/') != std::string::npos || ends_with(".yaml") || ends_with(".yml");
}

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
  DramFile file{path.stem().string(), path.string(), Layer{path.string(), false, parse_file(path)}};
  if (!file.layer.root.IsMap())
    throw InputError(SourcePos{file.path, 1, 0},
                     "a DRAM preset must be a YAML map (expected keys such as name, geometry, "
                     "timing_ns)");
  return file;
}

}  // namespace npusim::config
