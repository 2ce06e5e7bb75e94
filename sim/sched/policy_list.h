#pragma once
// The shipped policies, one function per policy_<name>.cpp; policy_registry() lists them.

#include "sim/sched/policy.h"

namespace npusim::sched {

/// Pending jobs a policy looks at per decision when it may skip jobs that do not fit (a bound
/// like Slurm's bf_max_job_test keeps decisions cheap on long queues); --policy-arg scan=N.
inline constexpr double kDefaultScan = 1000;

/// Seconds a preemptive policy lets a job run after a (re)start before it may be preempted
/// (assumed: a lease of a few minutes, long against the 2 x 30 s checkpoint cost of a
/// duration-only job); --policy-arg min_run=S.
inline constexpr double kDefaultMinRun = 300;

PolicyInfo fifo_policy();
PolicyInfo sjf_policy();
PolicyInfo srtf_policy();
PolicyInfo las_policy();
PolicyInfo easy_policy();
PolicyInfo pack_policy();
PolicyInfo share_policy();
PolicyInfo hetero_policy();

}  // namespace npusim::sched
