// `npusim sched`: run a job trace on a fleet under one or several scheduling policies
// (docs/fleet.md), and `npusim sched gen`: write a seeded synthetic trace (docs/job-trace.md).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <sstream>

#include "sim/base/error.h"
#include "sim/base/text.h"
#include "sim/cli/cli.h"
#include "sim/report/chip_report.h"
#include "sim/sched/engine.h"
#include "sim/sched/fleet.h"
#include "sim/sched/job_speed.h"
#include "sim/sched/job_trace.h"
#include "sim/sched/metrics.h"
#include "sim/sched/policy.h"

namespace npusim {
namespace {

using namespace npusim::sched;

struct SchedArgs {
  std::string cluster, jobs, format = "auto", policy = "fifo", compare;
  std::vector<std::string> policy_args;
  uint32_t npus = 0;
  double interference = 0.25;
  double checkpoint_s = 30;
  std::string speed = "cluster";
  std::string json, csv, series;
  bool quiet = false;
  bool check = false;
};

struct GenArgs {
  GenOptions options;
  std::string out;
};

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, sep))
    if (!item.empty()) out.push_back(item);
  return out;
}

/// --policy-arg k=v applies to every policy that takes k; name.k=v only to policy `name`.
PolicyArgs args_for(const std::string& policy, const std::vector<std::string>& raw, bool several) {
  PolicyArgs out;
  for (const std::string& a : raw) {
    const auto eq = a.find('=');
    if (eq == std::string::npos || eq == 0)
      throw InputError("--policy-arg '" + a + "' (expected KEY=VALUE or POLICY.KEY=VALUE)");
    std::string key = a.substr(0, eq);
    if (const auto dot = key.find('.'); dot != std::string::npos) {
      if (key.substr(0, dot) != policy) continue;
      key = key.substr(dot + 1);
    } else if (several) {
      bool takes = false;
      for (const PolicyInfo& info : policy_registry())
        if (info.name == policy)
          takes = std::find(info.arg_names.begin(), info.arg_names.end(), key) != info.arg_names.end();
      if (!takes) continue;
    }
    out[key] = a.substr(eq + 1);
  }
  return out;
}

int sched_run(const SchedArgs& a) {
  if (a.cluster.empty()) throw InputError("--cluster is required (a fleet or cluster preset, or a fleet .yaml)");
  if (a.jobs.empty()) throw InputError("--jobs is required (a job trace file, docs/job-trace.md)");
  const Fleet fleet = load_fleet(a.cluster, a.npus);
  const JobTrace trace = read_job_trace(a.jobs, a.format);
  const std::vector<std::string> policies = a.compare.empty() ? std::vector<std::string>{a.policy} : split(a.compare, ',');
  if (policies.empty()) throw InputError("--compare '" + a.compare + "' (expected policy names separated by commas)");
  for (const std::string& raw : a.policy_args) {  // a POLICY.KEY prefix must name a policy in use
    const auto dot = raw.find('.');
    const auto eq = raw.find('=');
    if (dot != std::string::npos && dot < eq &&
        std::find(policies.begin(), policies.end(), raw.substr(0, dot)) == policies.end())
      throw InputError("--policy-arg '" + raw + "' names policy '" + raw.substr(0, dot) + "', which is not run");
  }
  std::vector<std::unique_ptr<Policy>> made;
  for (const std::string& name : policies) made.push_back(make_policy(name, args_for(name, a.policy_args, policies.size() > 1)));

  std::unique_ptr<SpeedModel> speed;
  if (a.speed == "cluster") {
    ClusterSpeedOptions o;
    o.checkpoint_s = a.checkpoint_s;
    speed = std::make_unique<ClusterSpeedModel>(fleet, o);
  } else if (a.speed == "formula") {
    auto s = std::make_unique<SimpleSpeedModel>(fleet);
    s->checkpoint_seconds = a.checkpoint_s;
    speed = std::move(s);
  } else {
    throw InputError("--speed '" + a.speed + "' (expected cluster or formula)");
  }
  EngineOptions options;
  options.interference = a.interference;
  options.series = !a.series.empty();
  if (a.check) options.check = true;

  std::vector<SchedResult> runs;
  std::vector<Metrics> metrics;
  for (size_t i = 0; i < policies.size(); ++i) {
    runs.push_back(run_schedule(fleet, trace, *made[i], policies[i], *speed, options));
    metrics.push_back(compute_metrics(runs.back(), trace));
  }
  if (!a.quiet) {
    if (runs.size() == 1) {
      std::cout << sched_summary(runs[0], metrics[0]);
    } else {
      std::cout << fmt::format("sched      {} jobs on {} ({} NPUs), trace {}\n", trace.jobs.size(), fleet.name,
                               fleet.npus(), trace.path);
      std::cout << sched_compare_table(runs, metrics);
    }
    if (trace.skipped > 0)
      std::cout << fmt::format("note       {} records of the {} trace were skipped (no NPU or never ran)\n",
                               trace.skipped, trace.format);
  }
  if (!a.json.empty()) {
    nlohmann::json out;
    if (runs.size() == 1) {
      out = sched_json(runs[0], metrics[0], fleet);
    } else {
      out = {{"trace", trace.path}, {"fleet", fleet.name}, {"policies", nlohmann::json::array()}};
      for (size_t i = 0; i < runs.size(); ++i) out["policies"].push_back(sched_json(runs[i], metrics[i], fleet));
    }
    write_file_atomically(a.json, out.dump(2) + "\n");
  }
  if (!a.csv.empty()) {
    std::string text;
    for (size_t i = 0; i < runs.size(); ++i) {
      const std::string part = sched_jobs_csv(runs[i], trace, fleet);
      text += i == 0 ? part : part.substr(part.find('\n') + 1);
    }
    write_file_atomically(a.csv, text);
  }
  if (!a.series.empty()) write_file_atomically(a.series, sched_series_csv(runs));
  return kExitOk;
}

int sched_gen(const GenArgs& a) {
  const std::vector<Job> jobs = generate_jobs(a.options);
  write_file_atomically(a.out, fmt::format("# npusim sched gen --jobs {} --seed {} --load {} --npus {}\n",
                                           a.options.jobs, a.options.seed, a.options.load, a.options.npus) +
                                   job_trace_csv(jobs));
  return kExitOk;
}

}  // namespace

void add_sched_command(CLI::App& app, CommandAction& action) {
  auto a = std::make_shared<SchedArgs>();
  auto g = std::make_shared<GenArgs>();
  std::string policy_help = "Scheduling policy:";
  for (const PolicyInfo& info : policy_registry()) policy_help += "\n  " + info.name + ": " + info.summary;
  CLI::App* sched = app.add_subcommand(
      "sched",
      "Fleet level: run a job trace on a shared NPU fleet under a scheduling policy and report JCT,\n"
      "queueing, slowdown, makespan, utilisation, fragmentation, energy and fairness. Job speed on\n"
      "each placement comes from the cluster level (docs/fleet.md).");
  sched->require_subcommand(0, 1);
  sched->add_option("--cluster", a->cluster,
                    "Fleet preset (configs/fleets), fleet .yaml, or a cluster preset used whole");
  sched->add_option("--jobs", a->jobs, "Job trace: npusim CSV or a Philly/Helios/Alibaba/Tiresias file");
  sched->add_option("--format", a->format, "Trace format: auto, npusim, philly, helios, alibaba, tiresias")
      ->capture_default_str();
  sched->add_option("--policy", a->policy, policy_help)->capture_default_str();
  sched->add_option("--policy-arg", a->policy_args,
                    "Policy argument KEY=VALUE (or POLICY.KEY=VALUE with --compare); repeatable");
  sched->add_option("--compare", a->compare, "Run several policies on the same trace, e.g. fifo,sjf,srtf,las");
  sched->add_option("--npus", a->npus, "Use only this many NPUs of a cluster preset (whole nodes)");
  sched->add_option("--interference", a->interference,
                    "Co-location slowdown per shared NPU: speed / (1 + X x co-tenants' share)")
      ->capture_default_str();
  sched->add_option("--ckpt-s", a->checkpoint_s,
                    "Checkpoint save (= restore) time of a preempted duration-only job, s")
      ->capture_default_str();
  sched->add_option("--speed", a->speed,
                    "Job speed model: cluster (cluster level, roofline kernels) or formula (+10% per\n"
                    "extra node, +20% per extra pod; quick studies and tests)")
      ->capture_default_str();
  sched->add_option("--json", a->json, "Write the metrics as JSON (keys in docs/results.md)");
  sched->add_option("--csv", a->csv, "Write one row per job (and policy)");
  sched->add_option("--series", a->series, "Write the utilisation / queue-length time series as CSV");
  sched->add_flag("--check", a->check, "Audit conservation after every decision (always on in debug builds)");
  sched->add_flag("-q,--quiet", a->quiet, "No summary on stdout");
  sched->footer(
      "Examples:\n"
      "  npusim sched gen --jobs 2000 --seed 1 --load 0.8 --npus 256 -o jobs.csv\n"
      "  npusim sched --cluster atlas-a2-cluster --npus 256 --jobs jobs.csv --policy las --json r.json\n"
      "  npusim sched --cluster hetero-small --jobs jobs.csv --compare fifo,sjf,srtf,las,easy,pack,share,hetero");

  CLI::App* gen = sched->add_subcommand("gen", "Write a seeded synthetic job trace (Poisson arrivals, heavy-tailed "
                                               "durations, size mix; docs/job-trace.md)");
  gen->add_option("--jobs", g->options.jobs, "Number of jobs")->required();
  gen->add_option("--seed", g->options.seed, "Random seed")->required();
  gen->add_option("--load", g->options.load, "Offered load: work per second over the capacity of --npus")
      ->capture_default_str();
  gen->add_option("--npus", g->options.npus, "Capacity the load refers to, NPUs")->capture_default_str();
  gen->add_option("--max-size", g->options.max_size, "Largest job, NPUs (default --npus)");
  gen->add_option("--median-s", g->options.median_duration_s, "Median job duration, s")->capture_default_str();
  gen->add_option("--sigma", g->options.duration_sigma, "Log-normal shape of durations (tail weight)")
      ->capture_default_str();
  gen->add_option("--fractional", g->options.fraction_share, "Share of jobs asking for 0.1..0.9 NPU")
      ->capture_default_str();
  gen->add_option("-o,--out", g->out, "Output trace file")->required();
  gen->callback([&action, g] { action = [g] { return sched_gen(*g); }; });

  sched->callback([&action, a, sched, gen] {
    if (sched->got_subcommand(gen)) return;
    action = [a] { return sched_run(*a); };
  });
}

}  // namespace npusim
