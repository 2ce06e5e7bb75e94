#include "sim/sweep/spec.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "sim/base/text.h"

#ifndef NPUSIM_VERSION
#define NPUSIM_VERSION "unknown"
#endif

namespace npusim::sweep {

const std::string& npusim_version() {
  static const std::string version = std::string("npusim ") + NPUSIM_VERSION;
  return version;
}

const std::vector<std::string>& sweep_commands() {
  static const std::vector<std::string> commands = {"chip run", "mem run", "system run", "train",
                                                    "sched"};
  return commands;
}

std::string hash_hex(const std::string& text) {
  uint64_t h = 14'695'981'039'346'656'037ULL;
  for (const unsigned char c : text) {
    h ^= c;
    h *= 1'099'511'628'211ULL;
  }
  return fmt::format("{:016x}", h);
}

std::string point_id(const std::vector<std::string>& args,
                     const std::vector<std::pair<std::string, std::string>>& vars) {
  std::string text = npusim_version() + "\n";
  for (const auto& a : args) text += a + "\n";
  text += "--\n";
  for (const auto& [name, value] : vars) text += name + "=" + value + "\n";
  return hash_hex(text);
}

namespace {

constexpr size_t kMaxPoints = 1'000'000;

/// One variable as declared: where it comes from and how it reaches the command line.
struct VarDecl {
  std::string name;
  Binding binding;
  YAML::Mark mark;
};

/// A group of the grid: rows of values for one or more variables that change together.
struct Group {
  std::vector<std::string> names;
  std::vector<std::vector<std::string>> rows;
};

struct Derived {
  VarDecl decl;
  Expr expr;
};

struct Constraint {
  std::string text;
  Expr expr;
  YAML::Mark mark;
};

class SpecReader {
 public:
  explicit SpecReader(std::string path) : path_(std::move(path)) {}

  SweepSpec read(const YAML::Node& root);

 private:
  [[noreturn]] void fail(const YAML::Mark& mark, const std::string& message) const {
    throw InputError(SourcePos{path_, static_cast<uint32_t>(mark.line + 1), 0}, message);
  }
  [[noreturn]] void fail(const YAML::Node& node, const std::string& message) const {
    fail(node.Mark(), message);
  }
  void check_keys(const YAML::Node& map, const std::vector<std::string>& allowed,
                  const std::string& what) const {
    for (const auto& entry : map) {
      const std::string key = entry.first.as<std::string>();
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
        fail(entry.first, fmt::format("{}: unknown key '{}'{} (expected one of {})", what, key,
                                      did_you_mean(key, allowed), join(allowed)));
    }
  }
  std::string scalar(const YAML::Node& node, const std::string& what) const {
    if (!node.IsScalar()) fail(node, what + ": expected a single value");
    return node.Scalar();
  }
  double number(const YAML::Node& node, const std::string& what) const {
    const auto d = parse_double(scalar(node, what));
    if (!d) fail(node, fmt::format("{}: '{}' is not a number", what, node.Scalar()));
    return *d;
  }
  YAML::Node need_map(const YAML::Node& node, const std::string& what) const {
    if (!node.IsMap()) fail(node, what + ": expected a mapping of keys");
    return node;
  }
  YAML::Node need_list(const YAML::Node& node, const std::string& what) const {
    if (!node.IsSequence()) fail(node, what + ": expected a list");
    return node;
  }

  void declare(const VarDecl& decl) {
    static const auto valid = [](const std::string& n) {
      if (n.empty() || !(std::isalpha(static_cast<unsigned char>(n[0])) || n[0] == '_')) return false;
      return std::all_of(n.begin(), n.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.';
      });
    };
    if (!valid(decl.name))
      fail(decl.mark, fmt::format("variable name '{}': expected letters, digits, '_' and '.', "
                                  "starting with a letter",
                                  decl.name));
    if (known_.count(decl.name)) fail(decl.mark, fmt::format("variable '{}' is defined twice", decl.name));
    known_.insert(decl.name);
    vars_.push_back(decl);
  }

  VarDecl read_decl(const YAML::Node& node, const std::string& what) const;
  std::vector<std::string> read_values(const YAML::Node& node, const std::string& what) const;
  Group read_zip(const YAML::Node& node);
  void read_random(const YAML::Node& node);
  Expr read_expr(const YAML::Node& node, const std::string& what) const;
  void check_template(const YAML::Node& node, const std::string& text) const;
  std::string substitute(const std::string& text, const std::map<std::string, std::string>& values) const;

  std::string path_;
  std::set<std::string> known_;  // constants and variables declared so far
  std::vector<VarDecl> vars_;    // every variable in declaration order
  std::map<std::string, std::string> constants_;
  std::vector<Group> groups_;
  Group random_;
  bool has_random_ = false;
  std::vector<Derived> derived_;
  std::vector<Constraint> constraints_;
};

VarDecl SpecReader::read_decl(const YAML::Node& node, const std::string& what) const {
  VarDecl d;
  d.mark = node.Mark();
  int bindings = 0;
  if (node["set"]) {
    d.binding = {Binding::Kind::set, scalar(node["set"], what + " set")};
    if (d.binding.key.find('=') != std::string::npos)
      fail(node["set"], what + " set: give the key path only (the value comes from the sweep)");
    ++bindings;
  }
  for (const char* kind : {"option", "flag"}) {
    if (!node[kind]) continue;
    d.binding = {std::string(kind) == "option" ? Binding::Kind::option : Binding::Kind::flag,
                 scalar(node[kind], what + " " + kind)};
    if (d.binding.key.rfind("-", 0) != 0)
      fail(node[kind], fmt::format("{} {}: '{}' must start with '-' (e.g. --tp)", what, kind, d.binding.key));
    ++bindings;
  }
  if (bindings > 1) fail(node, what + ": give at most one of set, option or flag");
  if (node["name"]) {
    d.name = scalar(node["name"], what + " name");
  } else if (d.binding.kind == Binding::Kind::set) {
    d.name = d.binding.key;
  } else if (d.binding.kind != Binding::Kind::none) {
    d.name = d.binding.key.substr(d.binding.key.find_first_not_of('-'));
    std::replace(d.name.begin(), d.name.end(), '-', '_');
  } else {
    fail(node, what + ": missing key 'name' (or set/option/flag to name it after)");
  }
  return d;
}

std::vector<std::string> SpecReader::read_values(const YAML::Node& node, const std::string& what) const {
  if (node["values"]) {
    if (node["from"] || node["to"] || node["step"] || node["log_steps"] || node["factor"])
      fail(node, what + ": give either values or a range (from/to), not both");
    const YAML::Node list = need_list(node["values"], what + " values");
    if (list.size() == 0) fail(list, what + " values: the list is empty");
    std::vector<std::string> out;
    for (const auto& v : list) out.push_back(scalar(v, what + " values"));
    return out;
  }
  if (!node["from"] || !node["to"])
    fail(node, what + ": missing 'values' or a range ('from', 'to' and one of step, log_steps, factor)");
  const double from = number(node["from"], what + " from");
  const double to = number(node["to"], what + " to");
  const int ways = (node["step"] ? 1 : 0) + (node["log_steps"] ? 1 : 0) + (node["factor"] ? 1 : 0);
  if (ways != 1) fail(node, what + ": a range needs exactly one of step, log_steps or factor");
  std::vector<double> values;
  if (node["step"]) {
    const double step = number(node["step"], what + " step");
    if (step <= 0) fail(node["step"], what + " step: must be > 0");
    if (to < from) fail(node["to"], what + ": 'to' must be >= 'from'");
    const double n = std::floor((to - from) / step + 1e-9);
    if (n >= kMaxPoints) fail(node["step"], what + ": the range has too many values");
    for (double i = 0; i <= n; ++i) values.push_back(from + i * step);
  } else if (node["log_steps"]) {
    const double steps = number(node["log_steps"], what + " log_steps");
    if (steps < 2 || steps != std::floor(steps) || steps > 10'000)
      fail(node["log_steps"], what + " log_steps: expected a whole number of values from 2 to 10000");
    if (from <= 0 || to <= 0) fail(node, what + ": log_steps needs from and to > 0");
    for (double i = 0; i < steps; ++i)
      values.push_back(from * std::pow(to / from, i / (steps - 1)));
  } else {
    const double factor = number(node["factor"], what + " factor");
    if (factor <= 1) fail(node["factor"], what + " factor: must be > 1");
    if (from <= 0 || to < from) fail(node, what + ": factor needs 0 < from <= to");
    for (double v = from; v <= to * (1 + 1e-12); v *= factor) values.push_back(v);
  }
  std::vector<std::string> out;
  for (double v : values) {
    // Round-off from the steps must not leak into ids: keep 10 significant digits.
    const double r = std::nearbyint(v);
    out.push_back(std::fabs(v - r) <= 1e-9 * std::max(1.0, std::fabs(v)) ? text_of_value(r)
                                                                          : fmt::format("{:.10g}", v));
  }
  return out;
}

Group SpecReader::read_zip(const YAML::Node& node) {
  const YAML::Node list = need_list(node, "zip");
  if (list.size() == 0) fail(list, "zip: the list is empty");
  Group g;
  std::vector<std::vector<std::string>> columns;
  for (const auto& item : list) {
    need_map(item, "zip entry");
    check_keys(item, {"name", "set", "option", "flag", "values", "from", "to", "step", "log_steps", "factor"},
               "zip entry");
    const VarDecl d = read_decl(item, "zip entry");
    columns.push_back(read_values(item, "zip entry '" + d.name + "'"));
    if (columns.back().size() != columns.front().size())
      fail(item, fmt::format("zip entry '{}': {} values, but the first entry has {} (zipped lists pair "
                             "up and must be equally long)",
                             d.name, columns.back().size(), columns.front().size()));
    declare(d);
    g.names.push_back(d.name);
  }
  for (size_t r = 0; r < columns.front().size(); ++r) {
    std::vector<std::string> row;
    for (const auto& c : columns) row.push_back(c[r]);
    g.rows.push_back(row);
  }
  return g;
}

void SpecReader::read_random(const YAML::Node& node) {
  need_map(node, "random");
  check_keys(node, {"seed", "samples", "axes"}, "random");
  if (!node["seed"]) fail(node, "random: missing key 'seed' (random samples must be reproducible)");
  if (!node["samples"]) fail(node, "random: missing key 'samples' (how many points to draw)");
  if (!node["axes"]) fail(node, "random: missing key 'axes'");
  const auto seed = parse_u64(scalar(node["seed"], "random seed"));
  if (!seed) fail(node["seed"], "random seed: expected a whole number >= 0");
  const auto samples = parse_u64(scalar(node["samples"], "random samples"));
  if (!samples || *samples == 0 || *samples > kMaxPoints)
    fail(node["samples"], "random samples: expected a whole number from 1 to 1000000");
  const YAML::Node axes = need_list(node["axes"], "random axes");
  if (axes.size() == 0) fail(axes, "random axes: the list is empty");

  struct Dist {
    std::string kind;
    double lo = 0, hi = 0;
    std::vector<std::string> choices;
  };
  std::vector<Dist> dists;
  const std::vector<std::string> kinds = {"uniform", "log_uniform", "int", "choice"};
  for (const auto& item : axes) {
    need_map(item, "random axis");
    check_keys(item, {"name", "set", "option", "flag", "uniform", "log_uniform", "int", "choice"},
               "random axis");
    const VarDecl d = read_decl(item, "random axis");
    Dist dist;
    for (const auto& k : kinds)
      if (item[k]) {
        if (!dist.kind.empty()) fail(item, "random axis '" + d.name + "': give one of " + join(kinds));
        dist.kind = k;
      }
    if (dist.kind.empty())
      fail(item, "random axis '" + d.name + "': missing a distribution (one of " + join(kinds) + ")");
    const std::string what = "random axis '" + d.name + "' " + dist.kind;
    const YAML::Node list = need_list(item[dist.kind], what);
    if (dist.kind == "choice") {
      for (const auto& v : list) dist.choices.push_back(scalar(v, what));
      if (dist.choices.empty()) fail(list, what + ": the list is empty");
    } else {
      if (list.size() != 2) fail(list, what + ": expected [low, high]");
      dist.lo = number(list[0], what);
      dist.hi = number(list[1], what);
      if (dist.hi < dist.lo) fail(list, what + ": high must be >= low");
      if (dist.kind == "log_uniform" && dist.lo <= 0) fail(list, what + ": low must be > 0");
      if (dist.kind == "int" && (dist.lo != std::floor(dist.lo) || dist.hi != std::floor(dist.hi)))
        fail(list, what + ": bounds must be whole numbers");
    }
    declare(d);
    random_.names.push_back(d.name);
    dists.push_back(dist);
  }
  // mt19937_64 is specified exactly by the standard; the mapping to values is done here (the
  // std distributions differ between library versions).
  std::mt19937_64 rng(*seed);
  const auto unit = [&rng] { return static_cast<double>(rng() >> 11) * 0x1.0p-53; };
  for (uint64_t s = 0; s < *samples; ++s) {
    std::vector<std::string> row;
    for (const Dist& d : dists) {
      const double u = unit();
      if (d.kind == "choice") {
        row.push_back(d.choices[std::min(d.choices.size() - 1,
                                         static_cast<size_t>(u * static_cast<double>(d.choices.size())))]);
      } else if (d.kind == "int") {
        row.push_back(text_of_value(std::min(d.hi, d.lo + std::floor(u * (d.hi - d.lo + 1)))));
      } else {
        const double v = d.kind == "uniform" ? d.lo + u * (d.hi - d.lo)
                                             : d.lo * std::pow(d.hi / d.lo, u);
        row.push_back(fmt::format("{:.6g}", v));
      }
    }
    random_.rows.push_back(row);
  }
  has_random_ = true;
}

Expr SpecReader::read_expr(const YAML::Node& node, const std::string& what) const {
  const std::string text = scalar(node, what);
  Expr e;
  try {
    e = Expr::parse(text);
  } catch (const ExprError& err) {
    fail(node, what + ": " + err.what());
  }
  for (const auto& n : e.names())
    if (!known_.count(n))
      fail(node, fmt::format("{}: unknown name '{}'{} (names must be constants or variables defined "
                             "above)",
                             what, n, did_you_mean(n, std::vector<std::string>(known_.begin(), known_.end()))));
  return e;
}

void SpecReader::check_template(const YAML::Node& node, const std::string& text) const {
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '{') continue;
    if (i + 1 < text.size() && text[i + 1] == '{') {
      ++i;
      continue;
    }
    const size_t end = text.find('}', i);
    if (end == std::string::npos) fail(node, fmt::format("args: '{}' has a '{{' without '}}' (write {{{{ for a brace)", text));
    const std::string name = text.substr(i + 1, end - i - 1);
    if (!known_.count(name))
      fail(node, fmt::format("args: unknown name '{{{}}}'{} (expected a constant or variable)", name,
                             did_you_mean(name, std::vector<std::string>(known_.begin(), known_.end()))));
    i = end;
  }
}

std::string SpecReader::substitute(const std::string& text,
                                   const std::map<std::string, std::string>& values) const {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '{' && i + 1 < text.size() && text[i + 1] == '{') {
      out += '{';
      ++i;
    } else if (text[i] == '}' && i + 1 < text.size() && text[i + 1] == '}') {
      out += '}';
      ++i;
    } else if (text[i] == '{') {
      const size_t end = text.find('}', i);
      out += values.at(text.substr(i + 1, end - i - 1));
      i = end;
    } else {
      out += text[i];
    }
  }
  return out;
}

bool flag_on(const std::string& v) {
  std::string l = v;
  std::transform(l.begin(), l.end(), l.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return !(l.empty() || l == "false" || l == "0" || l == "no" || l == "off");
}

SweepSpec SpecReader::read(const YAML::Node& root) {
  if (!root.IsMap()) fail(root, "expected a mapping with keys command, args, axes, ...");
  const std::vector<std::string> keys = {"name", "description", "command", "args", "constants",
                                         "axes", "random", "derived", "constraints"};
  check_keys(root, keys, "sweep");
  SweepSpec spec;
  spec.path = path_;
  spec.name = root["name"] ? scalar(root["name"], "name") : std::filesystem::path(path_).stem().string();
  if (!root["command"]) fail(root, "missing key 'command' (one of " + join(sweep_commands()) + ")");
  std::string command;
  if (root["command"].IsSequence()) {
    std::vector<std::string> words;
    for (const auto& w : root["command"]) words.push_back(scalar(w, "command"));
    command = join(words, " ");
  } else {
    command = scalar(root["command"], "command");
  }
  if (std::find(sweep_commands().begin(), sweep_commands().end(), command) == sweep_commands().end())
    fail(root["command"], fmt::format("command: unknown '{}'{} (expected one of {})", command,
                                      did_you_mean(command, sweep_commands()), join(sweep_commands())));
  std::istringstream words(command);
  for (std::string w; words >> w;) spec.command.push_back(w);

  if (root["constants"]) {
    const YAML::Node c = need_map(root["constants"], "constants");
    for (const auto& entry : c) {
      VarDecl d{entry.first.as<std::string>(), {}, entry.first.Mark()};
      const std::string value = scalar(entry.second, "constant '" + d.name + "'");
      declare(d);
      vars_.pop_back();  // constants are not sweep variables
      constants_[d.name] = value;
    }
  }
  if (root["axes"]) {
    const YAML::Node axes = need_list(root["axes"], "axes");
    for (const auto& axis : axes) {
      need_map(axis, "axis");
      if (axis["zip"]) {
        check_keys(axis, {"zip"}, "axis");
        groups_.push_back(read_zip(axis["zip"]));
        continue;
      }
      check_keys(axis, {"name", "set", "option", "flag", "values", "from", "to", "step", "log_steps", "factor"},
                 "axis");
      const VarDecl d = read_decl(axis, "axis");
      Group g;
      for (auto& v : read_values(axis, "axis '" + d.name + "'")) g.rows.push_back({v});
      declare(d);
      g.names.push_back(d.name);
      groups_.push_back(g);
    }
  }
  if (root["random"]) read_random(root["random"]);
  if (root["derived"]) {
    for (const auto& item : need_list(root["derived"], "derived")) {
      need_map(item, "derived entry");
      check_keys(item, {"name", "expr", "set", "option", "flag"}, "derived entry");
      if (!item["expr"]) fail(item, "derived entry: missing key 'expr'");
      VarDecl d = read_decl(item, "derived entry");
      Expr e = read_expr(item["expr"], "derived '" + d.name + "'");
      d.mark = item["expr"].Mark();
      declare(d);
      derived_.push_back({d, e});
    }
  }
  if (root["constraints"]) {
    for (const auto& item : need_list(root["constraints"], "constraints"))
      constraints_.push_back({scalar(item, "constraint"), read_expr(item, "constraint"), item.Mark()});
  }
  std::vector<std::pair<YAML::Node, std::string>> fixed_args;
  if (root["args"]) {
    for (const auto& a : need_list(root["args"], "args")) {
      const std::string text = scalar(a, "args");
      if (text == "--json")
        fail(a, "args: --json is set by the sweep (each point writes DIR/points/ID/result.json)");
      check_template(a, text);
      fixed_args.emplace_back(a, text);
    }
  }
  for (const auto& v : vars_) spec.var_names.push_back(v.name);

  // The grid: every combination of the groups' rows (first axis outermost), then the random
  // samples innermost.
  std::vector<const Group*> groups;
  for (const auto& g : groups_) groups.push_back(&g);
  if (has_random_) groups.push_back(&random_);
  double total = 1;
  for (const Group* g : groups) total *= static_cast<double>(g->rows.size());
  if (total > static_cast<double>(kMaxPoints))
    fail(root, fmt::format("the sweep has {:.0f} points before constraints (at most {})", total, kMaxPoints));

  std::set<std::string> seen;
  std::vector<size_t> index(groups.size(), 0);
  for (size_t n = 0; n < static_cast<size_t>(total); ++n) {
    std::map<std::string, std::string> values = constants_;
    std::vector<std::pair<std::string, std::string>> point_vars;
    for (size_t g = 0; g < groups.size(); ++g)
      for (size_t k = 0; k < groups[g]->names.size(); ++k)
        values[groups[g]->names[k]] = groups[g]->rows[index[g]][k];
    const auto lookup = [&values](const std::string& name) -> std::optional<Value> {
      const auto it = values.find(name);
      if (it == values.end()) return std::nullopt;
      return value_of_text(it->second);
    };
    const auto describe = [&values, this] {
      std::vector<std::string> parts;
      for (const auto& v : vars_)
        if (values.count(v.name)) parts.push_back(v.name + "=" + values.at(v.name));
      return join(parts, " ");
    };
    try {
      for (const Derived& d : derived_) values[d.decl.name] = text_of_value(d.expr.eval(lookup));
    } catch (const ExprError& e) {
      // Find which one failed to point at its line.
      for (const Derived& d : derived_)
        if (!values.count(d.decl.name)) fail(d.decl.mark, fmt::format("derived '{}': {} (at {})", d.decl.name, e.what(), describe()));
    }
    bool keep = true;
    for (const Constraint& c : constraints_) {
      try {
        keep = truthy(c.expr.eval(lookup));
      } catch (const ExprError& e) {
        fail(c.mark, fmt::format("constraint '{}': {} (at {})", c.text, e.what(), describe()));
      }
      if (!keep) break;
    }
    // Advance the odometer (last group fastest).
    for (size_t g = groups.size(); g-- > 0;) {
      if (++index[g] < groups[g]->rows.size()) break;
      index[g] = 0;
    }
    if (!keep) {
      ++spec.dropped;
      continue;
    }
    Point p;
    p.args = spec.command;
    for (const auto& [node, text] : fixed_args) p.args.push_back(substitute(text, values));
    for (const VarDecl& v : vars_) {
      const std::string& value = values.at(v.name);
      point_vars.emplace_back(v.name, value);
      switch (v.binding.kind) {
        case Binding::Kind::none: break;
        case Binding::Kind::set: p.args.insert(p.args.end(), {"--set", v.binding.key + "=" + value}); break;
        case Binding::Kind::option: p.args.insert(p.args.end(), {v.binding.key, value}); break;
        case Binding::Kind::flag:
          if (flag_on(value)) p.args.push_back(v.binding.key);
          break;
      }
    }
    p.vars = std::move(point_vars);
    p.id = point_id(p.args, p.vars);
    if (!seen.insert(p.id).second) {
      ++spec.duplicates;
      continue;
    }
    spec.points.push_back(std::move(p));
  }
  return spec;
}

}  // namespace

SweepSpec parse_sweep_spec(const std::string& text, const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    throw InputError(SourcePos{path, static_cast<uint32_t>(e.mark.line + 1), 0}, e.msg);
  }
  return SpecReader(path).read(root);
}

SweepSpec load_sweep_spec(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError(path + ": cannot open the sweep spec");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_sweep_spec(text.str(), path);
}

}  // namespace npusim::sweep
