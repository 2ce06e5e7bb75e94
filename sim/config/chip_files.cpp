#include "sim/config/chip_files.h"

#include <algorithm>
#include <fstream>
#include <optional>
#include <sstream>

#include "sim/base/paths.h"
#include "sim/base/text.h"
#include "sim/config/preset_files.h"

namespace npusim::config {
namespace fs = std::filesystem;
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

fs::path resolve(const std::string& name_or_path, const Referrer& from) {
  if (looks_like_path(name_or_path)) {
    fs::path p(name_or_path);
    // A relative base path is relative to the file that names it.
    if (from.at && p.is_relative()) p = (from.dir / p).lexically_normal();
    return p;
  }
  const fs::path p = chip_presets_dir() / (name_or_path + ".yaml");
  if (fs::is_regular_file(p)) return p;
  const std::vector<std::string> presets = list_chip_presets();
  fail_at(from, name_or_path,
          "unknown chip preset" + did_you_mean(name_or_path, presets) + " (expected one of: " +
              (presets.empty() ? std::string("<none found in ") + chip_presets_dir().string() + ">"
                               : join(presets)) +
              "; or a path to a .yaml file)");
}

YAML::Node parse_file(const fs::path& path, const Referrer& from) {
  return parse_yaml_file(path, "chip config",
                         [&](const std::string& message) { fail_at(from, path.string(), message); });
}

/// The value of a top-level key in one file, if present.
std::optional<std::pair<YAML::Node, YAML::Mark>> top_key(const Layer& layer, std::string_view key) {
  for (const auto& kv : layer.root)
    if (kv.first.IsScalar() && kv.first.Scalar() == key)
      return std::make_pair(kv.second, kv.first.Mark());
  return std::nullopt;
}

/// `name` and `description` describe one file, so each file must give them itself.
void check_identity(const Layer& layer, const std::string& stem) {
  const SourcePos top = position(layer, layer.root.Mark());
  for (const char* key : {"name", "description"}) {
    const auto value = top_key(layer, key);
    if (!value)
      throw InputError(top, std::string("missing required key '") + key +
                                "' (expected in every chip file; it is not inherited)");
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

fs::path chip_presets_dir() {
  return data_dir() / "configs" / "chips";
}

std::vector<std::string> list_chip_presets() { return list_yaml_presets(chip_presets_dir()); }

ChipFiles load_chip_files(const std::string& name_or_path) {
  ChipFiles files;
  std::vector<fs::path> chain;  // canonical paths seen so far, to catch cycles
  std::string next = name_or_path;
  Referrer from;
  for (;;) {
    const fs::path path = resolve(next, from);
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

    Layer layer{path.string(), false, parse_file(path, from)};
    if (!layer.root.IsMap())
      throw InputError(SourcePos{path.string(), 1, 0},
                       "a chip config must be a YAML map (expected keys such as name, arch, "
                       "freq_mhz)");
    check_identity(layer, path.stem().string());
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
                       "wrong type for 'base' (expected a preset name or a .yaml path)");
    next = base->first.Scalar();
    from = {position(added, base->first.Mark()), path.parent_path()};
  }
  return files;
}

}  // namespace npusim::config
