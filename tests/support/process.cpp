#include "support/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace vmfabric::testing {

ChildProcess::ChildProcess(std::vector<std::string> argv, std::vector<std::string> env) {
  int out[2];
  int err[2];
  if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
    throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  }
  std::vector<std::string> envs;
  for (char** e = environ; *e != nullptr; ++e) envs.emplace_back(*e);
  envs.insert(envs.end(), env.begin(), env.end());
  std::vector<char*> cargv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  std::vector<char*> cenv;
  for (auto& e : envs) cenv.push_back(e.data());
  cenv.push_back(nullptr);

  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid_ == 0) {
    dup2(out[1], STDOUT_FILENO);
    dup2(err[1], STDERR_FILENO);
    execve(cargv[0], cargv.data(), cenv.data());
    const std::string msg = std::string("exec ") + cargv[0] + ": " + std::strerror(errno) + "\n";
    (void)!write(STDERR_FILENO, msg.data(), msg.size());
    _exit(127);
  }
  close(out[1]);
  close(err[1]);
  out_.fd = out[0];
  err_.fd = err[0];
}

ChildProcess::~ChildProcess() {
  if (!reaped_ && pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, &status_, 0);
  }
  if (out_.fd >= 0) close(out_.fd);
  if (err_.fd >= 0) close(err_.fd);
}

std::optional<std::string> ChildProcess::read_line(Stream& s,
                                                   std::chrono::steady_clock::time_point deadline) {
  while (true) {
    const auto nl = s.buffer.find('\n');
    if (nl != std::string::npos) {
      std::string line = s.buffer.substr(0, nl);
      s.buffer.erase(0, nl + 1);
      return line;
    }
    if (s.eof) return std::nullopt;
    // Past the deadline, what is there already is still read.
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{s.fd, POLLIN, 0};
    const int r = poll(&p, 1, static_cast<int>(std::max<std::int64_t>(left.count(), 0)));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return std::nullopt;
    char buf[4096];
    const ssize_t n = read(s.fd, buf, sizeof buf);
    if (n <= 0) {
      s.eof = true;
      if (!s.buffer.empty()) {  // a last line without newline
        std::string line = std::move(s.buffer);
        s.buffer.clear();
        return line;
      }
      return std::nullopt;
    }
    s.buffer.append(buf, static_cast<std::size_t>(n));
  }
}

std::optional<std::string> ChildProcess::read_line(std::chrono::milliseconds timeout) {
  return read_line(out_, std::chrono::steady_clock::now() + timeout);
}

std::optional<std::string> ChildProcess::wait_for_stderr(const std::string& needle,
                                                         std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (auto line = read_line(err_, deadline)) {
    stderr_lines_.push_back(*line);
    if (line->find(needle) != std::string::npos) return line;
  }
  return std::nullopt;
}

void ChildProcess::collect_stderr() {
  while (auto line = read_line(err_, std::chrono::steady_clock::now())) {
    stderr_lines_.push_back(*line);
  }
}

void ChildProcess::drain_stderr() {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (auto line = read_line(err_, deadline)) stderr_lines_.push_back(*line);
}

void ChildProcess::signal(int signo) {
  if (!reaped_) kill(pid_, signo);
}

std::optional<int> ChildProcess::wait(std::chrono::milliseconds timeout) {
  if (!reaped_) {
    // waitpid has no timeout: poll it, backing off, until the deadline.
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    auto pause = std::chrono::milliseconds(1);
    while (true) {
      const pid_t r = waitpid(pid_, &status_, WNOHANG);
      if (r == pid_) break;
      if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
      std::this_thread::sleep_for(pause);
      pause = std::min(pause * 2, std::chrono::milliseconds(50));
    }
    reaped_ = true;
  }
  if (WIFEXITED(status_)) return WEXITSTATUS(status_);
  if (WIFSIGNALED(status_)) return 128 + WTERMSIG(status_);
  return -1;
}

}  // namespace vmfabric::testing
