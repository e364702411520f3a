// A child process for integration tests: started with its stdout and stderr on pipes, read line
// by line with a deadline (tests wait for what a process says, never for a fixed time), killed
// and reaped by the destructor if the test did not.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace vmfabric::testing {

class ChildProcess {
 public:
  // Starts argv[0] (a path) with argv. `env` entries ("NAME=value") are added to the environment.
  explicit ChildProcess(std::vector<std::string> argv, std::vector<std::string> env = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  int pid() const { return pid_; }
  // The next line of stdout (without newline), or nothing at EOF or when `timeout` passes.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout);
  // Reads stderr lines until one contains `needle`; returns it, or nothing on EOF/timeout.
  // Every stderr line read so far is kept in `stderr_lines()`.
  std::optional<std::string> wait_for_stderr(const std::string& needle,
                                             std::chrono::milliseconds timeout);
  // Reads the stderr lines written so far, without waiting: a child that logs a lot must not
  // block on a full pipe while the test talks to it.
  void collect_stderr();
  const std::vector<std::string>& stderr_lines() const { return stderr_lines_; }
  void signal(int signo);
  // Waits for exit; returns the exit code, or 128+signal when killed by one; nothing on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  // Reads the rest of stderr until EOF (after the process exited).
  void drain_stderr();

 private:
  struct Stream {
    int fd = -1;
    std::string buffer;
    bool eof = false;
  };
  std::optional<std::string> read_line(Stream& s, std::chrono::steady_clock::time_point deadline);

  int pid_ = -1;
  bool reaped_ = false;
  int status_ = 0;
  Stream out_;
  Stream err_;
  std::vector<std::string> stderr_lines_;
};

}  // namespace vmfabric::testing
