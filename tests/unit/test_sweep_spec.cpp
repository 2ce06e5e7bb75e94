// Sweep specs: expressions, axis kinds, derived values, constraints, stable point ids and
// `path:line: message` errors for bad specs (sim/sweep/spec.h, sim/sweep/expr.h).
#include <catch2/catch.hpp>

#include <set>

#include "sim/sweep/expr.h"
#include "sim/sweep/spec.h"

using namespace npusim;
using namespace npusim::sweep;

namespace {

Value eval(const std::string& text, const std::map<std::string, Value>& vars = {}) {
  return Expr::parse(text).eval([&vars](const std::string& name) -> std::optional<Value> {
    const auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  });
}

double num(const std::string& text, const std::map<std::string, Value>& vars = {}) {
  return std::get<double>(eval(text, vars));
}

SweepSpec parse(const std::string& text) { return parse_sweep_spec(text, "spec.yaml"); }

std::string value_of(const Point& p, const std::string& name) {
  for (const auto& [n, v] : p.vars)
    if (n == name) return v;
  FAIL("no variable " << name);
  return "";
}

/// The message of the InputError a bad spec raises.
std::string error_of(const std::string& text) {
  try {
    (void)parse(text);
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("sweep expressions: arithmetic, precedence, comparisons and functions", "[sweep][expr]") {
  CHECK(num("1 + 2 * 3") == 7);
  CHECK(num("(1 + 2) * 3") == 9);
  CHECK(num("npus / (tp * pp)", {{"npus", 1024.0}, {"tp", 8.0}, {"pp", 16.0}}) == 8);
  CHECK(num("10 % 4") == 2);
  CHECK(num("-2 * -3") == 6);
  CHECK(num("1 < 2 and 2 <= 2 and not 3 > 4") == 1);
  CHECK(num("1 == 2 || 2 != 3") == 1);
  CHECK(num("min(3, 4) + max(3, 4) + floor(2.7) + ceil(2.1) + abs(-1) + log2(8) + sqrt(16)") == 3 + 4 + 2 + 3 + 1 + 3 + 4);
  CHECK(num("chip == 'ascend910b'", {{"chip", std::string("ascend910b")}}) == 1);
  CHECK(num("x == 8", {{"x", std::string("8")}}) == 1);  // text and number compare as text
  CHECK(num("hbm.bandwidth_gbps * 2", {{"hbm.bandwidth_gbps", 1600.0}}) == 3200);
  CHECK(num("1e3 + 0.5") == 1000.5);
}

TEST_CASE("sweep expressions: errors name what is wrong", "[sweep][expr]") {
  CHECK_THROWS_WITH(Expr::parse("1 +"), Catch::Contains("missing a value"));
  CHECK_THROWS_WITH(Expr::parse("(1 + 2"), Catch::Contains("missing ')'"));
  CHECK_THROWS_WITH(Expr::parse("mx(1, 2)"), Catch::Contains("unknown function 'mx' (did you mean 'max'?)"));
  CHECK_THROWS_WITH(Expr::parse("1 2"), Catch::Contains("unexpected '2'"));
  CHECK_THROWS_WITH(eval("1 / 0"), Catch::Contains("division by zero"));
  CHECK_THROWS_WITH(eval("a + 1"), Catch::Contains("unknown name 'a'"));
  CHECK_THROWS_WITH(eval("'x' * 2"), Catch::Contains("needs numbers"));
  CHECK(Expr::parse("a * (b + a) > c").names() == std::vector<std::string>{"a", "b", "c"});
}

TEST_CASE("sweep values print canonically", "[sweep][expr]") {
  CHECK(text_of_value(8.0) == "8");
  CHECK(text_of_value(0.125) == "0.125");
  CHECK(text_of_value(1.5e20) == "1.5e+20");
  CHECK(text_of_value(std::string("fp16")) == "fp16");
}

TEST_CASE("sweep spec: grid axes multiply, first axis outermost", "[sweep][spec]") {
  const SweepSpec s = parse(R"Y(
command: chip run
args: [--chip, ascend910b, --kernel, "gemm m={m} n={n} k=64"]
axes:
  - {name: m, values: [64, 128]}
  - {name: n, values: [32, 64, 96]}
)Y");
  REQUIRE(s.points.size() == 6);
  CHECK(s.command == std::vector<std::string>{"chip", "run"});
  CHECK(s.var_names == std::vector<std::string>{"m", "n"});
  CHECK(value_of(s.points[0], "m") == "64");
  CHECK(value_of(s.points[0], "n") == "32");
  CHECK(value_of(s.points[1], "n") == "64");
  CHECK(value_of(s.points[3], "m") == "128");
  CHECK(s.points[4].args == std::vector<std::string>{"chip", "run", "--chip", "ascend910b", "--kernel",
                                                     "gemm m=128 n=64 k=64"});
}

TEST_CASE("sweep spec: zip pairs lists, set/option/flag bindings reach the command line", "[sweep][spec]") {
  const SweepSpec s = parse(R"Y(
command: train
args: [--model, gpt3-175b]
axes:
  - zip:
      - {name: cluster, option: --cluster, values: [atlas-a2-cluster, dgx-a100]}
      - {name: bw, set: scale_out.nic_gbps_per_npu, values: [200, 400]}
  - {flag: --sp, values: [true, false]}
)Y");
  REQUIRE(s.points.size() == 4);
  CHECK(s.var_names == std::vector<std::string>{"cluster", "bw", "sp"});
  CHECK(s.points[0].args == std::vector<std::string>{"train", "--model", "gpt3-175b", "--cluster", "atlas-a2-cluster",
                                                     "--set", "scale_out.nic_gbps_per_npu=200", "--sp"});
  CHECK(s.points[3].args == std::vector<std::string>{"train", "--model", "gpt3-175b", "--cluster", "dgx-a100",
                                                     "--set", "scale_out.nic_gbps_per_npu=400"});
}

TEST_CASE("sweep spec: ranges with step, log_steps and factor", "[sweep][spec]") {
  const SweepSpec s = parse(R"Y(
command: mem run
axes:
  - {name: a, from: 1, to: 2, step: 0.25}
  - {name: b, from: 1, to: 1000, log_steps: 4}
  - {name: c, from: 64, to: 1024, factor: 4}
)Y");
  REQUIRE(s.points.size() == 5 * 4 * 3);
  std::set<std::string> a, b, c;
  for (const auto& p : s.points) {
    a.insert(value_of(p, "a"));
    b.insert(value_of(p, "b"));
    c.insert(value_of(p, "c"));
  }
  CHECK(a == std::set<std::string>{"1", "1.25", "1.5", "1.75", "2"});
  CHECK(b == std::set<std::string>{"1", "10", "100", "1000"});
  CHECK(c == std::set<std::string>{"64", "256", "1024"});
}

TEST_CASE("sweep spec: derived values and constraints (dp = npus / (tp * pp))", "[sweep][spec]") {
  const SweepSpec s = parse(R"Y(
command: train
constants: {npus: 64}
axes:
  - {name: tp, option: --tp, values: [1, 2, 4, 8]}
  - {name: pp, option: --pp, values: [1, 3, 4]}
derived:
  - {name: dp, option: --dp, expr: "npus / (tp * pp)"}
constraints:
  - "npus % (tp * pp) == 0"
  - "dp >= 2"
)Y");
  // pp = 3 never divides 64; tp = 8, pp = 4 leaves dp = 2 (kept); every other pair too.
  CHECK(s.dropped == 4);
  REQUIRE(s.points.size() == 8);
  for (const auto& p : s.points) {
    const double tp = std::stod(value_of(p, "tp")), pp = std::stod(value_of(p, "pp"));
    CHECK(std::stod(value_of(p, "dp")) == 64 / (tp * pp));
    CHECK(p.args.back() == value_of(p, "dp"));
  }
  CHECK(s.var_names == std::vector<std::string>{"tp", "pp", "dp"});
}

TEST_CASE("sweep spec: random sampling is reproducible from its seed", "[sweep][spec]") {
  const std::string text = R"Y(
command: mem run
random:
  seed: 42
  samples: 50
  axes:
    - {name: ratio, option: --read-ratio, uniform: [0, 1]}
    - {name: bytes, log_uniform: [1024, 1048576]}
    - {name: ch, int: [1, 4]}
    - {name: pattern, option: --pattern, choice: [stream, random]}
)Y";
  const SweepSpec a = parse(text), b = parse(text);
  REQUIRE(a.points.size() == 50);
  for (size_t i = 0; i < a.points.size(); ++i) CHECK(a.points[i].id == b.points[i].id);
  std::set<std::string> ch, pattern;
  for (const auto& p : a.points) {
    const double r = std::stod(value_of(p, "ratio"));
    CHECK((r >= 0 && r <= 1));
    const double by = std::stod(value_of(p, "bytes"));
    CHECK((by >= 1024 && by <= 1048576));
    ch.insert(value_of(p, "ch"));
    pattern.insert(value_of(p, "pattern"));
  }
  CHECK(ch == std::set<std::string>{"1", "2", "3", "4"});
  CHECK(pattern == std::set<std::string>{"random", "stream"});
  std::string other = text;
  other.replace(other.find("seed: 42"), 8, "seed: 43");
  CHECK(parse(other).points[0].id != a.points[0].id);
}

TEST_CASE("sweep point ids: stable, 16 hex digits, changed by any input", "[sweep][spec]") {
  const std::string text = R"Y(
command: chip run
args: [--chip, ascend910b, --kernel, "gemm m={m} n=64 k=64"]
axes:
  - {name: m, values: [64, 128, 64]}
)Y";
  const SweepSpec a = parse(text);
  CHECK(a.duplicates == 1);  // the second m=64 is the same point
  REQUIRE(a.points.size() == 2);
  CHECK(a.points[0].id.size() == 16);
  CHECK(a.points[0].id.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(a.points[0].id != a.points[1].id);
  // Layout, comments and key order do not matter; only the resolved inputs do.
  const SweepSpec b = parse(R"Y(
# the same sweep, written differently
axes: [{values: [64, 128], name: m}]
args: [--chip, ascend910b, --kernel, "gemm m={m} n=64 k=64"]
command: [chip, run]
)Y");
  REQUIRE(b.points.size() == 2);
  CHECK(b.points[0].id == a.points[0].id);
  CHECK(b.points[1].id == a.points[1].id);
  CHECK(point_id(a.points[0].args, a.points[0].vars) == a.points[0].id);
  auto args = a.points[0].args;
  args.back() += " ";
  CHECK(point_id(args, a.points[0].vars) != a.points[0].id);
  CHECK(npusim_version().rfind("npusim ", 0) == 0);
  CHECK(hash_hex("") == "cbf29ce484222325");  // FNV-1a 64 offset basis: the hash is fixed
}

TEST_CASE("sweep spec: bad specs fail with path:line: message", "[sweep][spec]") {
  CHECK(error_of("command: chip run\naxs: []\n") ==
        "spec.yaml:2: sweep: unknown key 'axs' (did you mean 'axes'?) (expected one of name, description, "
        "command, args, constants, axes, random, derived, constraints)");
  CHECK(error_of("command: chip rn\n") ==
        "spec.yaml:1: command: unknown 'chip rn' (did you mean 'chip run'?) (expected one of chip run, mem run, "
        "system run, train, sched)");
  CHECK(error_of("args: []\n") == "spec.yaml:1: missing key 'command' (one of chip run, mem run, system run, train, sched)");
  CHECK(error_of("command: mem run\naxes:\n  - zip:\n    - {name: a, values: [1, 2]}\n    - {name: b, values: [1]}\n")
            .rfind("spec.yaml:5: zip entry 'b': 1 values, but the first entry has 2", 0) == 0);
  CHECK(error_of("command: mem run\naxes:\n  - {name: a, from: 1, to: 8}\n")
            .rfind("spec.yaml:3: axis 'a': a range needs exactly one of step, log_steps or factor", 0) == 0);
  CHECK(error_of("command: mem run\naxes:\n  - {name: a, from: 8, to: 1, step: 1}\n")
            .rfind("spec.yaml:3: axis 'a': 'to' must be >= 'from'", 0) == 0);
  CHECK(error_of("command: mem run\naxes:\n  - {name: a, values: []}\n").rfind("spec.yaml:3:", 0) == 0);
  CHECK(error_of("command: mem run\naxes:\n  - {name: tp, values: [1]}\nconstraints:\n  - \"tpp > 1\"\n") ==
        "spec.yaml:5: constraint: unknown name 'tpp' (did you mean 'tp'?) (names must be constants or variables "
        "defined above)");
  CHECK(error_of("command: mem run\nderived:\n  - {name: x, expr: \"1 +\"}\n")
            .rfind("spec.yaml:3: derived 'x': bad expression '1 +': missing a value", 0) == 0);
  CHECK(error_of("command: mem run\nargs: [--bytes, \"{size}\"]\n")
            .rfind("spec.yaml:2: args: unknown name '{size}'", 0) == 0);
  CHECK(error_of("command: mem run\naxes:\n  - {name: a, values: [1]}\n  - {name: a, values: [2]}\n") ==
        "spec.yaml:4: variable 'a' is defined twice");
  CHECK(error_of("command: mem run\nrandom: {samples: 3, axes: [{name: a, uniform: [0, 1]}]}\n")
            .rfind("spec.yaml:2: random: missing key 'seed'", 0) == 0);
  CHECK(error_of("command: mem run\naxes:\n  - {name: a, values: [0]}\nderived:\n  - {name: b, expr: \"1 / a\"}\n")
            .rfind("spec.yaml:5: derived 'b': division by zero", 0) == 0);
  CHECK(error_of("command: mem run\naxes:\n  - {name: a, set: hbm.x=1, values: [0]}\n")
            .rfind("spec.yaml:3: axis set: give the key path only", 0) == 0);
  CHECK(error_of("command: mem run\nargs: [--json, x.json]\n").rfind("spec.yaml:2: args: --json is set by the sweep", 0) == 0);
  CHECK(error_of("command: [mem\n").rfind("spec.yaml:", 0) == 0);  // YAML syntax error
}
