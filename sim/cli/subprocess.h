#pragma once
// Running npusim itself in child processes: SystemC builds one chip per process, so commands
// that cover several chips (regress, sweeps) run each point in its own process.

#include <sys/types.h>

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

}  // namespace npusim
