// train/task.cpp — the task registry and the value formatting shared by tasks (see task.h).
#include "train/task.h"

#include <fmt/format.h>

#include <map>
#include <mutex>

#include "core/error.h"
#include "core/guarded_registry.h"
#include "train/tasks/classification.h"
#include "train/tasks/detection.h"

namespace linattn {

namespace {

using Registry = std::map<std::string, TaskFactory>;

// The tasks linattn ships, registered on the registry's first use (one line per task).
void register_builtin_tasks(Registry& registry) {
  registry[kClassificationTask] = [](const ExperimentConfig& c) { return std::make_unique<ClassificationTask>(c); };
  registry[kDetectionTask] = [](const ExperimentConfig& c) { return std::make_unique<DetectionTask>(c); };
}

GuardedRegistry<TaskFactory>& guarded() { return guarded_registry<TaskFactory>(register_builtin_tasks); }

}  // namespace

std::string describe_values(const MetricsLayout& layout, const std::vector<NamedValue>& values) {
  std::string out;
  for (const auto& v : values) {
    const MetricSpec* spec = layout.find(v.name);
    const std::string label = spec ? spec->label : v.name;
    std::string shown = !v.value ? "—"
                        : spec && spec->percent ? fmt::format("{:.2f}%", *v.value * 100.0)
                                                : fmt::format("{:.4f}", *v.value);
    out += (out.empty() ? "" : ", ") + label + " " + shown;
  }
  return out;
}

void Task::write_run_files(const std::string&, const DataLoader&) const {}

std::string Task::report_html(Module&, const DataLoader&, Device) const { return {}; }

TaskEvaluation Task::evaluate_report(Module& model, DataLoader& loader, Device device, const EvalReportRequest&,
                                     EvalReport&) const {
  return evaluate(model, loader, device);
}

void register_task(const std::string& name, TaskFactory factory) {
  LINATTN_CHECK(!name.empty() && factory, "register_task: needs a non-empty name and a factory");
  auto& g = guarded();
  std::lock_guard lock(g.mutex);
  g.registry[name] = std::move(factory);
}

std::vector<std::string> registered_tasks() {
  auto& g = guarded();
  std::lock_guard lock(g.mutex);
  std::vector<std::string> names;
  for (const auto& [name, f] : g.registry) names.push_back(name);
  return names;
}

std::unique_ptr<Task> make_task(const std::string& name, const ExperimentConfig& config) {
  TaskFactory factory;
  {
    auto& g = guarded();
    std::lock_guard lock(g.mutex);
    auto it = g.registry.find(name);
    if (it != g.registry.end()) factory = it->second;
  }
  if (!factory) {
    std::string known;
    for (const auto& n : registered_tasks()) known += (known.empty() ? "" : ", ") + n;
    fail(str_cat("task: no task called '", name, "' is built into this linattn (known tasks: ", known, ")"));
  }
  auto task = factory(config);
  LINATTN_CHECK(task != nullptr, "task factory '", name, "' returned no task");
  return task;
}

}  // namespace linattn
