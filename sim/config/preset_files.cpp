#include "sim/config/preset_files.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "sim/base/error.h"
#include "sim/base/text.h"

namespace fs = std::filesystem;

namespace npusim::config {

bool looks_like_path(const std::string& s) {
  return s.find('/') != std::string::npos || s.ends_with(".yaml") || s.ends_with(".yml");
}

std::vector<std::string> list_yaml_presets(const fs::path& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.is_regular_file(ec) && entry.path().extension() == ".yaml")
      names.push_back(entry.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::string unknown_preset_text(std::string_view what, const std::string& name,
                                const fs::path& dir) {
  const std::vector<std::string> presets = list_yaml_presets(dir);
  return "unknown " + std::string(what) + " '" + name + "'" + did_you_mean(name, presets) +
         " (expected one of: " +
         (presets.empty() ? "<none found in " + dir.string() + ">" : join(presets)) +
         "; or a path to a .yaml file)";
}

YAML::Node parse_yaml_file(const fs::path& path, std::string_view what,
                           const std::function<void(const std::string&)>& fail) {
  const std::string shown = path.string();
  auto refuse = [&](const std::string& why) {
    const std::string message = "cannot open " + std::string(what) + " (" + why + ")";
    if (fail) fail(message);
    throw InputError(shown + ": " + message);
  };
  std::error_code ec;
  if (!fs::exists(path, ec)) refuse("no such file");
  if (fs::is_directory(path, ec)) refuse("it is a directory; expected a .yaml file");
  std::ifstream in(path, std::ios::binary);
  if (!in.is_open()) refuse("it cannot be read");
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

}  // namespace npusim::config
