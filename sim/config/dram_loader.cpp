#include "sim/config/dram_loader.h"

#include <cmath>
#include <fmt/format.h>

#include "sim/config/dram_files.h"
#include "sim/config/dram_reader.h"
#include "sim/config/set_override.h"

namespace npusim {
namespace {

constexpr std::string_view kPrefix = "dram.";

/// "dram.a.b=v" -> a layer {a: {b: v}} reported as "--set dram.a.b=v".
config::Layer dram_override(const std::string& text) {
  const std::string origin = "--set " + text;
  if (text.rfind(kPrefix, 0) != 0)
    throw InputError(SourcePos{origin, 0, 0},
                     "a DRAM override must start with 'dram.' (expected e.g. "
                     "dram.timing_ns.faw=20)");
  const std::string inner = text.substr(kPrefix.size());
  if (inner.rfind("name", 0) == 0 && (inner.size() == 4 || inner[4] == '=' || inner[4] == '.'))
    throw InputError(SourcePos{origin, 0, 0},
                     "'dram.name' cannot be changed with --set (it is the preset file's name; "
                     "choose another preset with --set hbm.dram=NAME)");
  try {
    config::Layer layer = config::parse_set_override(inner);
    layer.origin = origin;
    return layer;
  } catch (const InputError& e) {
    // Re-anchor the message at the text the user typed.
    std::string message = e.what();
    const std::string inner_origin = "--set " + inner;
    if (message.rfind(inner_origin, 0) == 0) message = origin + message.substr(inner_origin.size());
    throw InputError(message);
  }
}

/// `name` describes the file, so it must equal the file name.
void check_name(const config::DramFile& file) {
  for (const auto& kv : file.layer.root) {
    if (!kv.first.IsScalar() || kv.first.Scalar() != "name") continue;
    if (!kv.second.IsScalar() || kv.second.Scalar() != file.name)
      throw InputError(config::position(file.layer, kv.second.Mark()),
                       "name '" + (kv.second.IsScalar() ? kv.second.Scalar() : std::string()) +
                           "' does not match the file name (expected '" + file.name +
                           "', the file name without .yaml)");
  }
}

}  // namespace

DramConfig load_dram(const std::string& name_or_path, const std::vector<std::string>& overrides,
                     const DramChoices& choices) {
  // Overrides are parsed first so a malformed --set is reported even if the file is broken too.
  std::vector<config::Layer> layers;
  for (auto it = overrides.rbegin(); it != overrides.rend(); ++it)
    layers.push_back(dram_override(*it));
  config::DramFile file = config::load_dram_file(name_or_path);
  check_name(file);
  layers.push_back(file.layer);
  DramConfig dram = config::read_dram(layers, choices);
  dram.name = file.name;
  dram.source_path = file.path;
  return dram;
}

std::vector<std::string> dram_preset_names() {
  return config::list_dram_presets();
}

void check_chip_dram(const ChipConfig& chip, const DramConfig& dram) {
  const SourcePos at{chip.source_path, 0, 0};
  const double pins_gbps = chip.hbm.channels * dram.channel_bytes_per_s() / 1e9;
  const double ratio = chip.hbm.bandwidth_gbps / pins_gbps;
  if (std::abs(ratio - 1) > kDramBandwidthTolerance)
    throw InputError(
        at, fmt::format("hbm.bandwidth_gbps is {:g} but hbm.dram '{}' gives hbm.channels {} x {} "
                        "pseudo-channels x {} bit x {:g} MT/s = {:.1f} GB/s (expected within "
                        "{:g} %; change hbm.channels, hbm.bandwidth_gbps or the DRAM's "
                        "data_rate_mtps)",
                        chip.hbm.bandwidth_gbps, dram.name, chip.hbm.channels,
                        dram.geometry.pseudo_channels, dram.geometry.bus_bits,
                        dram.data_rate_mtps, pins_gbps, kDramBandwidthTolerance * 100));
  const uint64_t dram_bytes = uint64_t(chip.hbm.channels) * dram.channel_bytes();
  if (dram_bytes != chip.hbm.capacity_bytes)
    throw InputError(
        at, fmt::format("hbm.capacity_gib is {:g} but hbm.dram '{}' gives hbm.channels {} x {:g} "
                        "MiB = {:g} GiB (expected equal; change hbm.capacity_gib or the DRAM's "
                        "geometry.rows)",
                        double(chip.hbm.capacity_bytes) / (1u << 30), dram.name,
                        chip.hbm.channels, double(dram.channel_bytes()) / (1u << 20),
                        double(dram_bytes) / (1u << 30)));
}

}  // namespace npusim
