#include "models/memory/dram_address_map.h"

#include <algorithm>
#include <array>
#include <bit>
#include <functional>

#include "sim/base/error.h"
#include "sim/base/text.h"

namespace npusim {
namespace {

enum class Field { row, bank, bank_group, column, channel };

/// Mixed-radix decoding of the fields in a fixed order (so channel counts such as 80 that are
/// not powers of two work): below `interleave_bytes` the low column bits, then the fields from
/// the least significant one up.
class FieldOrderMap : public DramAddressMap {
 public:
  FieldOrderMap(const DramGeometry& g, uint32_t interleave_bytes, std::vector<Field> high_to_low)
      : g_(g), low_columns_(interleave_bytes / g.burst_bytes) {
    for (auto it = high_to_low.rbegin(); it != high_to_low.rend(); ++it) order_.push_back(*it);
  }

  [[nodiscard]] DramAddress map(uint64_t addr) const override {
    DramAddress a;
    uint64_t x = addr / g_.burst_bytes;
    const auto take = [&x](uint64_t n) {
      const uint64_t v = x % n;
      x /= n;
      return static_cast<uint32_t>(v);
    };
    const uint32_t col_low = take(low_columns_);
    uint32_t col_high = 0;
    for (const Field f : order_) {
      switch (f) {
        case Field::row: a.row = take(g_.rows); break;
        case Field::bank: a.bank = take(g_.banks_per_group); break;
        case Field::bank_group: a.bank_group = take(g_.bank_groups); break;
        case Field::column: col_high = take(g_.columns / low_columns_); break;
        case Field::channel: {
          const uint32_t pc = take(uint64_t(g_.channels) * g_.pseudo_channels);
          a.channel = pc % g_.channels;
          a.pseudo_channel = pc / g_.channels;
          break;
        }
      }
    }
    a.column = col_high * low_columns_ + col_low;
    return a;
  }

 protected:
  DramGeometry g_;
  uint32_t low_columns_;

 private:
  std::vector<Field> order_;  // least significant first
};

/// A hashed variant of a field order with the channel lowest. Banks: permutation-based interleaving (Zhang, Zhu, Zhang,
/// MICRO 2000), the bank group and bank XORed with the low row bits, so addresses a bank's span
/// apart spread over the banks while rows stay intact. Channels: the channel and pseudo-channel
/// index is rotated by the index of everything above it, so a stride of one interleave lap
/// (which lands in one pseudo-channel under the plain order) walks over all of them. Both are
/// one-to-one for fixed higher fields, so the map stays one-to-one.
class HashedMap : public FieldOrderMap {
 public:
  using FieldOrderMap::FieldOrderMap;
  [[nodiscard]] DramAddress map(uint64_t addr) const override {
    DramAddress a = FieldOrderMap::map(addr);
    // The channel field is the lowest above the interleave unit, so everything above it is
    // the address divided by one lap of units over all pseudo-channels.
    const uint64_t queues = uint64_t(g_.channels) * g_.pseudo_channels;
    const uint64_t above = addr / (uint64_t(g_.burst_bytes) * low_columns_ * queues);
    const auto q = static_cast<uint32_t>(
        (a.pseudo_channel * uint64_t(g_.channels) + a.channel + above) % queues);
    a.channel = q % g_.channels;
    a.pseudo_channel = q / g_.channels;
    a.bank_group ^= a.row & (g_.bank_groups - 1);
    a.bank ^= (a.row / g_.bank_groups) & (g_.banks_per_group - 1);
    return a;
  }
};

using Factory = std::function<std::unique_ptr<DramAddressMap>(const DramGeometry&, uint32_t)>;

struct Scheme {
  std::string name;
  Factory make;
};

template <typename Map>
Factory fields(std::vector<Field> order) {
  return [order](const DramGeometry& g, uint32_t interleave) {
    return std::make_unique<Map>(g, interleave, order);
  };
}

/// The registry: adding a scheme is adding a line here (and a paragraph in docs/memory.md).
const std::vector<Scheme>& schemes() {
  using F = Field;
  static const std::vector<Scheme> all = {
      {"RoBaCoBgCh", fields<FieldOrderMap>({F::row, F::bank, F::column, F::bank_group, F::channel})},
      {"RoBaBgCoCh", fields<FieldOrderMap>({F::row, F::bank, F::bank_group, F::column, F::channel})},
      {"RoCoBaBgCh", fields<FieldOrderMap>({F::row, F::column, F::bank, F::bank_group, F::channel})},
      {"ChRoBaBgCo", fields<FieldOrderMap>({F::channel, F::row, F::bank, F::bank_group, F::column})},
      {"RoBaCoBgCh_hash",
       fields<HashedMap>({F::row, F::bank, F::column, F::bank_group, F::channel})},
  };
  return all;
}

}  // namespace

const std::vector<std::string>& dram_address_map_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const Scheme& s : schemes()) n.push_back(s.name);
    return n;
  }();
  return names;
}

std::unique_ptr<DramAddressMap> make_dram_address_map(const std::string& name,
                                                      const DramGeometry& g,
                                                      uint32_t interleave_bytes) {
  const auto& all = schemes();
  const auto it = std::find_if(all.begin(), all.end(), [&](const Scheme& s) { return s.name == name; });
  if (it == all.end())
    throw InputError("unknown address map '" + name + "'" +
                     did_you_mean(name, dram_address_map_names()) +
                     " (expected one of: " + join(dram_address_map_names()) + ")");
  if (!std::has_single_bit(interleave_bytes) || interleave_bytes < g.burst_bytes ||
      interleave_bytes > g.row_bytes())
    throw InputError("interleave_bytes " + std::to_string(interleave_bytes) +
                     " does not fit the DRAM (expected a power of two from one burst of " +
                     std::to_string(g.burst_bytes) + " bytes to one row of " +
                     std::to_string(g.row_bytes()) + " bytes)");
  return it->make(g, interleave_bytes);
}

}  // namespace npusim
