#include "sim/sched/metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

namespace npusim::sched {

double quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto rank = static_cast<size_t>(std::ceil(q * static_cast<double>(v.size())));
  return v[std::clamp<size_t>(rank, 1, v.size()) - 1];
}

namespace {
double mean(const std::vector<double>& v) {
  return v.empty() ? 0 : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}
}  // namespace

Metrics compute_metrics(const SchedResult& r, const JobTrace& trace) {
  Metrics m;
  m.jobs = r.jobs.size();
  std::vector<double> jct, queue, slow, ftf;
  std::map<std::string, std::pair<double, uint64_t>> per_user;
  for (const JobRecord& j : r.jobs) {
    jct.push_back(j.jct_s);
    queue.push_back(j.queue_s);
    slow.push_back(j.slowdown);
    ftf.push_back(j.ftf);
    auto& u = per_user[trace.jobs[j.index].user];
    u.first += j.slowdown;
    ++u.second;
  }
  m.avg_jct_s = mean(jct);
  m.median_jct_s = quantile(jct, 0.5);
  m.p99_jct_s = quantile(jct, 0.99);
  m.avg_queue_s = mean(queue);
  m.median_queue_s = quantile(queue, 0.5);
  m.p99_queue_s = quantile(queue, 0.99);
  m.avg_slowdown = mean(slow);
  m.median_slowdown = quantile(slow, 0.5);
  m.p99_slowdown = quantile(slow, 0.99);
  m.makespan_s = r.makespan_s;
  m.utilization = r.makespan_s > 0 ? r.allocated_npu_s / (r.fleet_npus * r.makespan_s) : 0;
  m.fragmentation = r.free_npu_s > 0 ? r.fragmented_npu_s / r.free_npu_s : 0;
  m.busy_energy_j = r.busy_energy_j;
  m.idle_energy_j = r.idle_energy_j;
  m.energy_j = r.busy_energy_j + r.idle_energy_j;
  double sum = 0, sum2 = 0;
  for (const auto& [user, s] : per_user) {
    const double x = static_cast<double>(s.second) / s.first;  // 1 / mean slowdown
    sum += x;
    sum2 += x * x;
  }
  m.jain_fairness = sum2 > 0 ? sum * sum / (static_cast<double>(per_user.size()) * sum2) : 1;
  m.ftf_mean = mean(ftf);
  m.ftf_max = ftf.empty() ? 0 : *std::max_element(ftf.begin(), ftf.end());
  m.ftf_fair_share = ftf.empty() ? 0
                                 : static_cast<double>(std::count_if(ftf.begin(), ftf.end(), [](double x) { return x <= 1 + 1e-9; })) /
                                       static_cast<double>(ftf.size());
  m.preemptions = r.preemptions;
  return m;
}

nlohmann::json sched_json(const SchedResult& r, const Metrics& m, const Fleet& fleet) {
  nlohmann::json pools = nlohmann::json::array();
  for (const Pool& p : fleet.pools)
    pools.push_back({{"name", p.name}, {"cluster", p.cluster_name}, {"chip", p.chip()}, {"nodes", p.nodes},
                     {"npus_per_node", p.npus_per_node}, {"nodes_per_pod", p.nodes_per_pod},
                     {"spine_oversubscription", p.spine_oversubscription}, {"idle_w_per_npu", p.idle_w_per_npu},
                     {"pue", p.pue}});
  return {{"policy", r.policy},
          {"fleet", r.fleet},
          {"trace", r.trace},
          {"npus", r.fleet_npus},
          {"jobs", m.jobs},
          {"avg_jct_s", m.avg_jct_s},
          {"median_jct_s", m.median_jct_s},
          {"p99_jct_s", m.p99_jct_s},
          {"avg_queue_s", m.avg_queue_s},
          {"median_queue_s", m.median_queue_s},
          {"p99_queue_s", m.p99_queue_s},
          {"avg_slowdown", m.avg_slowdown},
          {"median_slowdown", m.median_slowdown},
          {"p99_slowdown", m.p99_slowdown},
          {"makespan_s", m.makespan_s},
          {"utilization", m.utilization},
          {"fragmentation", m.fragmentation},
          {"energy_j", m.energy_j},
          {"busy_energy_j", m.busy_energy_j},
          {"idle_energy_j", m.idle_energy_j},
          {"jain_fairness", m.jain_fairness},
          {"ftf_mean", m.ftf_mean},
          {"ftf_max", m.ftf_max},
          {"ftf_fair_share", m.ftf_fair_share},
          {"preemptions", m.preemptions},
          {"events", r.events},
          {"decisions", r.decisions},
          {"wall_s", r.wall_s},
          {"pools", pools}};
}

std::string sched_jobs_csv(const SchedResult& r, const JobTrace& trace, const Fleet& fleet) {
  std::string out =
      "policy,id,user,npus,submit_s,start_s,finish_s,jct_s,queue_s,work_s,held_s,slowdown,ftf,preemptions,pool,nodes,pods\n";
  for (const JobRecord& j : r.jobs) {
    const Job& job = trace.jobs[j.index];
    out += fmt::format("{},{},{},{:g},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{:.6g},{:.6g},{},{},{},{}\n", r.policy,
                       job.id, job.user, job.npus(), j.submit_s, j.start_s, j.finish_s, j.jct_s, j.queue_s, j.work_s,
                       j.held_s, j.slowdown, j.ftf, j.preemptions, fleet.pools[j.pool].name, j.nodes, j.pods);
  }
  return out;
}

std::string sched_series_csv(const std::vector<SchedResult>& runs) {
  std::string out = "policy,t_s,allocated_npus,utilization,busy_npus,pending,running\n";
  for (const SchedResult& r : runs)
    for (const SeriesPoint& p : r.series)
      out += fmt::format("{},{:.6f},{:g},{:.6f},{},{},{}\n", r.policy, p.t_s, p.allocated_npus,
                         p.allocated_npus / r.fleet_npus, p.busy_npus, p.pending, p.running);
  return out;
}

namespace {
std::string duration(double s) {
  if (s < 120) return fmt::format("{:.1f} s", s);
  if (s < 7200) return fmt::format("{:.1f} min", s / 60);
  if (s < 172800) return fmt::format("{:.2f} h", s / 3600);
  return fmt::format("{:.2f} d", s / 86400);
}
}  // namespace

std::string sched_summary(const SchedResult& r, const Metrics& m) {
  std::string out;
  out += fmt::format("sched      {} jobs on {} ({} NPUs), policy {}\n", m.jobs, r.fleet, r.fleet_npus, r.policy);
  out += fmt::format("JCT        avg {}  median {}  p99 {}\n", duration(m.avg_jct_s), duration(m.median_jct_s),
                     duration(m.p99_jct_s));
  out += fmt::format("queueing   avg {}  median {}  p99 {}\n", duration(m.avg_queue_s), duration(m.median_queue_s),
                     duration(m.p99_queue_s));
  out += fmt::format("slowdown   avg {:.2f}  median {:.2f}  p99 {:.2f}\n", m.avg_slowdown, m.median_slowdown,
                     m.p99_slowdown);
  out += fmt::format("fleet      makespan {}  utilisation {:.1f}%  fragmentation {:.1f}%  preemptions {}\n",
                     duration(m.makespan_s), 100 * m.utilization, 100 * m.fragmentation, m.preemptions);
  out += fmt::format("energy     {:.4g} MWh ({:.1f}% idle)\n", m.energy_j / 3.6e9,
                     m.energy_j > 0 ? 100 * m.idle_energy_j / m.energy_j : 0.0);
  out += fmt::format("fairness   Jain {:.3f} (users' 1/slowdown)  finish-time fairness mean {:.2f} max {:.2f}, "
                     "{:.1f}% of jobs <= 1\n",
                     m.jain_fairness, m.ftf_mean, m.ftf_max, 100 * m.ftf_fair_share);
  out += fmt::format("simulator  {} events, {} decisions, {:.2f} s wall\n", r.events, r.decisions, r.wall_s);
  return out;
}

std::string sched_compare_table(const std::vector<SchedResult>& runs, const std::vector<Metrics>& ms) {
  std::string out = fmt::format("{:<8} {:>11} {:>11} {:>11} {:>11} {:>9} {:>11} {:>6} {:>6} {:>10} {:>6} {:>7} {:>7}\n",
                                "policy", "avg_jct_s", "median_s", "p99_jct_s", "avg_queue", "avg_slow",
                                "makespan_s", "util%", "frag%", "energy_MWh", "jain", "ftf_max", "preempt");
  for (size_t i = 0; i < runs.size(); ++i) {
    const Metrics& m = ms[i];
    out += fmt::format("{:<8} {:>11.1f} {:>11.1f} {:>11.1f} {:>11.1f} {:>9.2f} {:>11.1f} {:>6.1f} {:>6.1f} {:>10.4g} {:>6.3f} {:>7.2f} {:>7}\n",
                       runs[i].policy, m.avg_jct_s, m.median_jct_s, m.p99_jct_s, m.avg_queue_s, m.avg_slowdown,
                       m.makespan_s, 100 * m.utilization, 100 * m.fragmentation, m.energy_j / 3.6e9, m.jain_fairness,
                       m.ftf_max, m.preemptions);
  }
  return out;
}

}  // namespace npusim::sched
