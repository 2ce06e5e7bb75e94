#include "sim/cli/subprocess.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "sim/base/error.h"

namespace npusim {

std::string self_executable() { return std::filesystem::read_symlink("/proc/self/exe").string(); }

pid_t spawn_process(const std::vector<std::string>& argv, const std::string& stderr_path) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  const pid_t pid = fork();
  if (pid < 0) throw InternalError("fork failed");
  if (pid == 0) {
    const int null_fd = open("/dev/null", O_WRONLY);
    const int err_fd = open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (null_fd >= 0) dup2(null_fd, STDOUT_FILENO);
    if (err_fd >= 0) dup2(err_fd, STDERR_FILENO);
    execv(args[0], args.data());
    _exit(127);
  }
  return pid;
}

pid_t wait_any_process(int& status) {
  int raw = 0;
  pid_t pid;
  while ((pid = waitpid(-1, &raw, 0)) < 0) {
    if (errno != EINTR) throw InternalError("waitpid failed");
  }
  if (WIFEXITED(raw)) status = WEXITSTATUS(raw);
  else if (WIFSIGNALED(raw)) status = 128 + WTERMSIG(raw);
  else status = 128;
  return pid;
}

}  // namespace npusim
