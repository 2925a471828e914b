// train/run_log.h — the run's human-readable log: every line goes to runs/<name>/train.log
// (appended, timestamped) and, unless told otherwise, to the console (stdout). spdlog stays
// inside run_log.cpp so this header is cheap to include.
#pragma once
#include <functional>
#include <memory>
#include <string>

namespace linattn {

class RunLog {
 public:
  // `file` empty: no file. `console` false: file only (tests, and lines the progress bar shows).
  RunLog(const std::string& file, bool console);
  ~RunLog();
  RunLog(const RunLog&) = delete;
  RunLog& operator=(const RunLog&) = delete;

  void info(const std::string& message);
  void warn(const std::string& message);
  void error(const std::string& message);
  void file_only(const std::string& message);  // to train.log alone

  // Called before a line reaches the console (the progress bar clears its line).
  void set_before_console(std::function<void()> hook) { before_console_ = std::move(hook); }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::function<void()> before_console_;
};

}  // namespace linattn
