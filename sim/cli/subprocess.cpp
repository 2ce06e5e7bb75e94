#include "sim/cli/subprocess.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
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

pid_t spawn_process(const std::vector<std::string>& argv, const SpawnOptions& options) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) throw InternalError("fork failed");
  if (pid == 0) {
    if (options.die_with_parent) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(127);  // the parent died before prctl
    }
    const auto redirect = [](const std::string& path, int target) {
      const int fd = path.empty() ? open("/dev/null", O_WRONLY)
                                  : open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd >= 0) dup2(fd, target);
      if (fd > STDERR_FILENO) close(fd);
    };
    redirect(options.stdout_path, STDOUT_FILENO);
    redirect(options.stderr_path, STDERR_FILENO);
    if (options.memory_limit_bytes > 0) {
      const rlimit limit{options.memory_limit_bytes, options.memory_limit_bytes};
      setrlimit(RLIMIT_AS, &limit);
    }
    execv(args[0], args.data());
    _exit(127);
  }
  return pid;
}

pid_t wait_any_process_for(int& status, double timeout_s) {
  // SIGCHLD stays blocked while waiting so one that arrives between waitpid and
  // sigtimedwait is not lost; it is unblocked again before returning.
  sigset_t chld, old;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  pthread_sigmask(SIG_BLOCK, &chld, &old);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(std::max(0.0, timeout_s));
  pid_t pid = 0;
  for (;;) {
    int raw = 0;
    pid = waitpid(-1, &raw, WNOHANG);
    if (pid > 0) {
      if (WIFEXITED(raw)) status = WEXITSTATUS(raw);
      else if (WIFSIGNALED(raw)) status = 128 + WTERMSIG(raw);
      else status = 128;
      break;
    }
    if (pid < 0 && errno != EINTR) {  // ECHILD: nothing to wait for
      pid = 0;
      break;
    }
    const auto left = deadline - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero()) {
      pid = 0;
      break;
    }
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
    const timespec ts{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
    sigtimedwait(&chld, nullptr, &ts);
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  return pid;
}

int run_and_capture(const std::vector<std::string>& argv, std::string& output) {
  int fds[2];
  if (pipe(fds) != 0) throw InternalError("pipe failed");
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) throw InternalError("fork failed");
  if (pid == 0) {
    close(fds[0]);
    dup2(fds[1], STDOUT_FILENO);
    dup2(fds[1], STDERR_FILENO);
    close(fds[1]);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(fds[1]);
  output.clear();
  char buf[4096];
  for (;;) {
    const ssize_t n = read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    output.append(buf, static_cast<size_t>(n));
  }
  close(fds[0]);
  int raw = 0;
  while (waitpid(pid, &raw, 0) < 0)
    if (errno != EINTR) throw InternalError("waitpid failed");
  return WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + (WIFSIGNALED(raw) ? WTERMSIG(raw) : 0);
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
