#include "sim/config/preset_files.h"

#include <algorithm>
#include <optional>
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

namespace {

/// Where a `base:` reference was written; empty for the name the user gave.
struct Referrer {
  std::optional<SourcePos> at;
  fs::path dir;  // folder of the referring file, for relative base paths
};

/// Errors about a reference point at the `base:` line, or carry no location for a CLI name.
[[noreturn]] void fail_at(const Referrer& from, const std::string& subject,
                          const std::string& message) {
  if (!from.at) throw InputError(subject + ": " + message);
  throw InputError(*from.at, "base '" + subject + "': " + message);
}

fs::path resolve(const PresetFamily& family, const std::string& name_or_path,
                 const Referrer& from) {
  if (looks_like_path(name_or_path)) {
    fs::path p(name_or_path);
    // A relative base path is relative to the file that names it.
    if (from.at && p.is_relative()) p = (from.dir / p).lexically_normal();
    return p;
  }
  const fs::path p = family.dir / (name_or_path + ".yaml");
  if (fs::is_regular_file(p)) return p;
  const std::vector<std::string> presets = list_yaml_presets(family.dir);
  fail_at(from, name_or_path,
          "unknown " + family.kind + " preset" + did_you_mean(name_or_path, presets) +
              " (expected one of: " +
              (presets.empty() ? "<none found in " + family.dir.string() + ">" : join(presets)) +
              "; or a path to a .yaml file)");
}

/// The value of a top-level key in one file, if present.
std::optional<std::pair<YAML::Node, YAML::Mark>> top_key(const Layer& layer, std::string_view key) {
  for (const auto& kv : layer.root)
    if (kv.first.IsScalar() && kv.first.Scalar() == key)
      return std::make_pair(kv.second, kv.first.Mark());
  return std::nullopt;
}

/// `name` and `description` describe one file, so each file must give them itself.
void check_identity(const PresetFamily& family, const Layer& layer, const std::string& stem) {
  const SourcePos top = position(layer, layer.root.Mark());
  for (const char* key : {"name", "description"}) {
    const auto value = top_key(layer, key);
    if (!value)
      throw InputError(top, std::string("missing required key '") + key + "' (expected in every " +
                                family.kind + " file; it is not inherited)");
    if (!value->first.IsScalar())
      throw InputError(position(layer, value->first.Mark()),
                       std::string("wrong type for '") + key + "' (expected a string)");
  }
  const auto name = top_key(layer, "name");
  if (name->first.Scalar() != stem)
    throw InputError(position(layer, name->first.Mark()),
                     "name '" + name->first.Scalar() +
                         "' does not match the file name (expected '" + stem +
                         "', the file name without .yaml)");
}

}  // namespace

PresetFiles load_preset_files(const PresetFamily& family, const std::string& name_or_path) {
  PresetFiles files;
  std::vector<fs::path> chain;  // canonical paths seen so far, to catch cycles
  std::string next = name_or_path;
  Referrer from;
  for (;;) {
    const fs::path path = resolve(family, next, from);
    std::error_code ec;
    fs::path canonical = fs::weakly_canonical(path, ec);
    if (ec) canonical = fs::absolute(path, ec).lexically_normal();
    if (std::find(chain.begin(), chain.end(), canonical) != chain.end()) {
      std::string cycle;
      for (const auto& p : chain) cycle += p.filename().string() + " -> ";
      fail_at(from, next,
              "inheritance cycle " + cycle + canonical.filename().string() +
                  " (expected a base chain that ends in a file without base:)");
    }
    chain.push_back(canonical);

    Layer layer{path.string(), false,
                parse_yaml_file(path, family.kind + " config", [&](const std::string& message) {
                  fail_at(from, path.string(), message);
                })};
    if (!layer.root.IsMap())
      throw InputError(SourcePos{path.string(), 1, 0}, "a " + family.kind +
                                                           " config must be a YAML map (expected "
                                                           "keys such as " +
                                                           family.map_keys + ")");
    check_identity(family, layer, path.stem().string());
    if (files.layers.empty()) {
      files.name = path.stem().string();
      files.path = path.string();
    }
    files.layers.push_back(std::move(layer));

    const Layer& added = files.layers.back();
    const auto base = top_key(added, "base");
    if (!base) break;
    if (!base->first.IsScalar() || base->first.Scalar().empty())
      throw InputError(position(added, base->first.Mark()),
                       "wrong type for 'base' (expected a " + family.kind +
                           " preset name or a .yaml path)");
    next = base->first.Scalar();
    from = {position(added, base->first.Mark()), path.parent_path()};
  }
  return files;
}

}  // namespace npusim::config
