// train/run_log.cpp — RunLog over two spdlog loggers sharing one file sink.
#include "train/run_log.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "core/error.h"

namespace linattn {

struct RunLog::Impl {
  std::shared_ptr<spdlog::logger> both, file;
};

RunLog::RunLog(const std::string& file, bool console) : impl_(std::make_unique<Impl>()) {
  std::vector<spdlog::sink_ptr> sinks;
  spdlog::sink_ptr file_sink;
  if (!file.empty()) {
    try {
      file_sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(file, /*truncate=*/false);
    } catch (const spdlog::spdlog_ex& e) {
      fail(str_cat("cannot open the log file '", file, "': ", e.what()));
    }
    file_sink->set_pattern("[%Y-%m-%d %H:%M:%S.%e] %^%l%$: %v");
    sinks.push_back(file_sink);
  }
  if (console) {
    auto console_sink = std::make_shared<spdlog::sinks::stdout_color_sink_mt>();
    console_sink->set_pattern("%^%v%$");  // color marks warnings and errors only
    console_sink->set_color(spdlog::level::info, console_sink->reset);
    sinks.push_back(console_sink);
  }
  // Not registered with spdlog's global registry: several runs (tests) may coexist.
  impl_->both = std::make_shared<spdlog::logger>("run", sinks.begin(), sinks.end());
  impl_->file = file_sink ? std::make_shared<spdlog::logger>("run_file", file_sink)
                          : std::make_shared<spdlog::logger>("run_file");
  for (auto* l : {impl_->both.get(), impl_->file.get()}) {
    l->set_level(spdlog::level::info);
    l->flush_on(spdlog::level::info);
  }
}

RunLog::~RunLog() = default;

void RunLog::info(const std::string& message) {
  if (before_console_) before_console_();
  impl_->both->info(message);
}

void RunLog::warn(const std::string& message) {
  if (before_console_) before_console_();
  impl_->both->warn(message);
}

void RunLog::error(const std::string& message) {
  if (before_console_) before_console_();
  impl_->both->error(message);
}

void RunLog::file_only(const std::string& message) { impl_->file->info(message); }

}  // namespace linattn
