// `npusim regress DIR [--update]`: golden regression over cases in DIR/*/case.yaml.
//
// A chip case names a chip, optional --set overrides, and either a trace file (relative to
// the case folder) or a generator spec. A memory or system case (`command: mem` or
// `command: system`) gives the arguments of `npusim mem run` / `npusim system run`.
// expected.json holds the metrics each must reproduce. Each case runs in its own process
// (SystemC builds one model per process).
#include <CLI/CLI.hpp>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <thread>

#include "sim/base/error.h"
#include "sim/base/text.h"
#include "sim/cli/cli.h"
#include "sim/cli/subprocess.h"
#include "sim/report/chip_report.h"
#include "sim/report/regress.h"

namespace fs = std::filesystem;

namespace npusim {
namespace {

struct GoldenCase {
  std::string name;
  fs::path dir;
  std::string command = "chip";       ///< chip, mem or system: runs `npusim COMMAND run`
  std::vector<std::string> run_args;  ///< arguments after `npusim COMMAND run`
  std::map<std::string, double> tolerances;
};

SourcePos pos_of(const fs::path& file, const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  return SourcePos{file.string(), static_cast<uint32_t>(mark.line + 1),
                   static_cast<uint32_t>(mark.column + 1)};
}

std::string scalar(const fs::path& file, const YAML::Node& node, const std::string& key) {
  if (!node.IsScalar()) throw InputError(pos_of(file, node), key + ": expected a string");
  return node.as<std::string>();
}

GoldenCase load_case(const fs::path& dir) {
  const fs::path file = dir / "case.yaml";
  YAML::Node root;
  try {
    root = YAML::LoadFile(file.string());
  } catch (const YAML::ParserException& e) {
    throw InputError(SourcePos{file.string(), static_cast<uint32_t>(e.mark.line + 1),
                               static_cast<uint32_t>(e.mark.column + 1)},
                     e.msg);
  } catch (const YAML::BadFile&) {
    throw InputError(file.string() + ": cannot open golden case");
  }
  if (!root.IsMap()) throw InputError(pos_of(file, root), "expected a mapping of case keys");
  const std::vector<std::string> known = {"description", "command", "args", "chip", "set",
                                          "kernel", "trace", "tolerances"};
  const std::vector<std::string> commands = {"chip", "mem", "system"};
  GoldenCase c;
  c.name = dir.filename().string();
  c.dir = dir;
  std::string chip, kernel, trace;
  for (const auto& entry : root) {
    const std::string key = entry.first.as<std::string>();
    const YAML::Node& value = entry.second;
    if (key == "description") continue;
    if (key == "command") {
      c.command = scalar(file, value, key);
      if (std::find(commands.begin(), commands.end(), c.command) == commands.end())
        throw InputError(pos_of(file, value), "command: unknown '" + c.command + "'" +
                                                  did_you_mean(c.command, commands) +
                                                  " (expected chip, mem or system)");
    } else if (key == "args") {
      if (!value.IsSequence()) throw InputError(pos_of(file, value), "args: expected a list");
      for (const auto& item : value) c.run_args.push_back(scalar(file, item, key));
    } else if (key == "chip") {
      chip = scalar(file, value, key);
    } else if (key == "kernel") {
      kernel = scalar(file, value, key);
    } else if (key == "trace") {
      trace = (dir / scalar(file, value, key)).string();
    } else if (key == "set") {
      if (!value.IsSequence()) throw InputError(pos_of(file, value), "set: expected a list of key=value");
      for (const auto& item : value) {
        c.run_args.push_back("--set");
        c.run_args.push_back(scalar(file, item, key));
      }
    } else if (key == "tolerances") {
      if (!value.IsMap()) throw InputError(pos_of(file, value), "tolerances: expected metric: relative");
      for (const auto& t : value) {
        const auto tol = parse_double(t.second.as<std::string>());
        if (!tol || *tol < 0)
          throw InputError(pos_of(file, t.second), "tolerance must be a non-negative number");
        c.tolerances[t.first.as<std::string>()] = *tol;
      }
    } else {
      throw InputError(pos_of(file, entry.first),
                       "unknown key '" + key + "'" + did_you_mean(key, known) +
                           " (expected one of " + join(known) + ")");
    }
  }
  if (c.command != "chip") {
    if (!chip.empty() || !kernel.empty() || !trace.empty())
      throw InputError(pos_of(file, root), c.command +
                                               " cases give their options in 'args' (chip, "
                                               "kernel and trace are for chip cases)");
    if (c.run_args.empty()) throw InputError(pos_of(file, root), "missing key 'args'");
    return c;
  }
  if (chip.empty()) throw InputError(pos_of(file, root), "missing key 'chip'");
  if (kernel.empty() == trace.empty())
    throw InputError(pos_of(file, root), "give exactly one of 'kernel' or 'trace'");
  c.run_args.insert(c.run_args.begin(), {"--chip", chip});
  if (!kernel.empty()) c.run_args.insert(c.run_args.end(), {"--kernel", kernel});
  if (!trace.empty()) c.run_args.insert(c.run_args.end(), {"--trace", trace});
  return c;
}

nlohmann::json read_json(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw InputError(file.string() + ": cannot open");
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError(file.string() + ": not valid JSON (" + e.what() + ")");
  }
}

std::string read_text(const fs::path& file) {
  std::ifstream in(file);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

struct RegressArgs {
  std::string dir;
  bool update = false;
  unsigned jobs = 0;
};

int regress(const RegressArgs& a) {
  if (!fs::is_directory(a.dir)) throw InputError(a.dir + ": not a folder of golden cases");
  std::vector<GoldenCase> cases;
  for (const auto& entry : fs::directory_iterator(a.dir))
    if (entry.is_directory() && fs::exists(entry.path() / "case.yaml"))
      cases.push_back(load_case(entry.path()));
  std::sort(cases.begin(), cases.end(),
            [](const GoldenCase& x, const GoldenCase& y) { return x.name < y.name; });
  if (cases.empty()) throw InputError(a.dir + ": no case folders (each needs a case.yaml)");

  const fs::path work = fs::temp_directory_path() / fmt::format("npusim-regress-{}", getpid());
  fs::create_directories(work);
  const std::string self = self_executable();
  const unsigned jobs = a.jobs > 0 ? a.jobs : std::max(1u, std::thread::hardware_concurrency());

  std::map<pid_t, size_t> running;
  std::vector<int> status(cases.size(), -1);
  size_t next = 0;
  while (next < cases.size() || !running.empty()) {
    while (next < cases.size() && running.size() < jobs) {
      std::vector<std::string> argv = {self, cases[next].command, "run", "--quiet", "--json",
                                       (work / (cases[next].name + ".json")).string()};
      argv.insert(argv.end(), cases[next].run_args.begin(), cases[next].run_args.end());
      running[spawn_process(argv, (work / (cases[next].name + ".err")).string())] = next;
      ++next;
    }
    int exit_status = 0;
    const pid_t pid = wait_any_process(exit_status);
    if (auto it = running.find(pid); it != running.end()) {
      status[it->second] = exit_status;
      running.erase(it);
    }
  }

  size_t failed = 0, updated = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    const GoldenCase& c = cases[i];
    const fs::path expected_file = c.dir / "expected.json";
    if (status[i] != 0) {
      ++failed;
      std::cout << fmt::format("FAIL  {}: npusim {} run exited {}: {}", c.name, c.command, status[i],
                               read_text(work / (c.name + ".err")));
      continue;
    }
    const auto actual = golden_metrics(read_json(work / (c.name + ".json")));
    if (a.update) {
      nlohmann::json out;
      out["metrics"] = actual;
      write_file_atomically(expected_file.string(), out.dump(2) + "\n");
      ++updated;
      std::cout << fmt::format("UPDATED {}\n", c.name);
      continue;
    }
    if (!fs::exists(expected_file)) {
      ++failed;
      std::cout << fmt::format("FAIL  {}: no expected.json (run with --update to record it)\n",
                               c.name);
      continue;
    }
    const nlohmann::json expected = read_json(expected_file);
    if (!expected.contains("metrics") || !expected["metrics"].is_object())
      throw InputError(expected_file.string() + ": expected an object with key 'metrics'");
    std::map<std::string, double> expected_metrics;
    for (const auto& [k, v] : expected["metrics"].items())
      if (v.is_number()) expected_metrics[k] = v.get<double>();
    const auto changes = compare_metrics(expected_metrics, actual, c.tolerances);
    if (changes.empty()) {
      std::cout << fmt::format("ok    {}\n", c.name);
      continue;
    }
    ++failed;
    std::cout << fmt::format("FAIL  {}: {} metric(s) moved\n", c.name, changes.size());
    for (const MetricChange& ch : changes) {
      if (ch.missing)
        std::cout << fmt::format("        {:<28} {} -> {} (metric {})\n", ch.metric, ch.expected,
                                 ch.actual, ch.expected == 0 ? "added" : "removed");
      else
        std::cout << fmt::format("        {:<28} {:.10g} -> {:.10g} ({:+.4f}%)\n", ch.metric,
                                 ch.expected, ch.actual, 100 * ch.relative());
    }
  }
  fs::remove_all(work);
  std::cout << fmt::format("{} passed, {} failed\n", cases.size() - failed - updated, failed);
  return failed > 0 ? kExitRegression : kExitOk;
}

}  // namespace

void add_regress_command(CLI::App& app, CommandAction& action) {
  auto args = std::make_shared<RegressArgs>();
  CLI::App* cmd = app.add_subcommand(
      "regress",
      "Golden regression: run every case in DIR (DIR/NAME/case.yaml) and compare its metrics\n"
      "with DIR/NAME/expected.json. Prints each metric that moved with old value, new value and\n"
      "relative change; exit status 1 on any regression.");
  cmd->add_option("dir", args->dir, "Folder of golden cases (e.g. tests/golden)")->required();
  cmd->add_flag("--update", args->update, "Record the current results as the expected ones");
  cmd->add_option("-j,--jobs", args->jobs, "Cases run at once (default: number of cores)");
  cmd->footer(
      "case.yaml keys: chip, kernel (generator spec) or trace (file), set (list of key=value),\n"
      "tolerances (metric: relative tolerance; cycles and bytes are exact by default), "
      "description;\n"
      "or, for the memory and system levels, command: mem|system with args: [options of\n"
      "`npusim mem run` / `npusim system run`].\n"
      "Examples:\n  npusim regress tests/golden\n  npusim regress tests/golden --update");
  cmd->callback([&action, args] { action = [args] { return regress(*args); }; });
}

}  // namespace npusim
