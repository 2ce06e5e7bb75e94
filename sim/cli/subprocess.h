#pragma once
// Running npusim itself in child processes: SystemC builds one chip per process, so commands
// that cover several chips (regress, sweeps) run each point in its own process.

#include <sys/types.h>

#include <cstdint>

#include <string>
#include <vector>

namespace npusim {

/// Path of the running executable.
[[nodiscard]] std::string self_executable();

/// Starts `argv` (argv[0] is the program path) with stdout discarded and stderr written to
/// `stderr_path`. Returns the child's pid.
[[nodiscard]] pid_t spawn_process(const std::vector<std::string>& argv,
                                  const std::string& stderr_path);

/// Waits for any child; returns its pid and sets `status` to its exit status, or to
/// 128 + signal number if it was killed.
pid_t wait_any_process(int& status);

/// How spawn_process starts a child (sweep points).
struct SpawnOptions {
  std::string stdout_path;          ///< empty: /dev/null
  std::string stderr_path;          ///< empty: /dev/null
  uint64_t memory_limit_bytes = 0;  ///< address-space limit (RLIMIT_AS); 0 = none
  bool die_with_parent = false;     ///< the child gets SIGKILL when this process dies
};

/// Starts `argv` as `options` say. Returns the child's pid.
[[nodiscard]] pid_t spawn_process(const std::vector<std::string>& argv, const SpawnOptions& options);

/// Waits at most `timeout_s` for any child; returns its pid and sets `status` as
/// wait_any_process does, or returns 0 if no child ended in time (or there is none).
pid_t wait_any_process_for(int& status, double timeout_s);

/// Runs `argv` (found on PATH if argv[0] has no '/') to its end with stdout and stderr
/// captured into `output`; returns its exit status (127 if it could not start).
int run_and_capture(const std::vector<std::string>& argv, std::string& output);

}  // namespace npusim
