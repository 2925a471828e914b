// train/trainer.cpp — the training loop (see trainer.h for the contract).
//
// On CUDA the loop does not wait for the device between steps: each batch (built ahead by the
// DataLoader's workers) goes through pinned staging memory to the device asynchronously
// (core/upload.h), and the step's loss stays on the device in a LossWindow until the next log
// point (every train.log_every steps, the epoch's end, a stop), where all pending losses come
// back in one transfer. NaN detection happens there: the first non-finite loss stops the run
// with the exact step it came from; the updates queued after it were applied, but nothing was
// saved — checkpoints are written only after a read-back found every loss finite (and the
// epoch-end check of the weights). On the CPU (and when a step callback wants every loss) the
// loss is read at once and a non-finite one stops the run before its update, as before.
// Gradient clipping needs the global norm on the host, so with optim.clip_grad > 0 each step
// still waits for its backward.
#include "train/trainer.h"

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>

#include "core/allocator.h"
#include "core/autograd.h"
#include "core/ops/reduce.h"
#include "core/parallel.h"
#include "core/rng.h"
#include "core/upload.h"
#include "data/loader.h"
#include "models/model_type.h"
#include "train/device_setup.h"
#include "train/loss_window.h"
#include "train/metrics.h"
#include "train/optim/clip_grad.h"
#include "train/param_groups.h"
#include "train/progress.h"
#include "train/report.h"
#include "train/run_dir.h"
#include "train/run_log.h"
#include "train/schedule.h"
#include "train/stop_signal.h"
#include "train/task.h"

namespace linattn {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::string mib(std::uint64_t bytes) { return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / 1048576.0); }

bool all_finite(const std::vector<Tensor>& params) {
  NoGradGuard no_grad;
  for (const Tensor& p : params)
    if (!std::isfinite(sum(p).item())) return false;
  return true;
}

}  // namespace

const char* run_status_name(RunStatus status) {
  switch (status) {
    case RunStatus::Completed: return "completed";
    case RunStatus::Interrupted: return "interrupted";
    case RunStatus::Diverged: return "diverged";
  }
  return "?";
}

struct Trainer::Impl {
  ExperimentConfig config;
  TrainerOptions options;
  RunPaths paths;
  Device device;
  Generator init_gen;
  std::unique_ptr<Task> task;
  std::shared_ptr<Module> model;
  std::unique_ptr<DataLoader> train_loader, test_loader;
  std::unique_ptr<Optimizer> optimizer;
  std::unique_ptr<LrSchedule> schedule;
  std::unique_ptr<DeviceUploader> uploader;  // batches to the device (pinned, asynchronous)
  LossWindow pending;                        // losses not yet read back (CUDA)
  bool eager_loss = true;                    // read each loss at once (CPU, or a step callback)
  std::vector<Tensor> params;
  std::int64_t steps_per_epoch = 0;
  std::atomic<bool> stop{false};
  std::function<void(const StepInfo&)> on_step;
  std::function<void(const EpochMetrics&)> on_epoch;

  TrainingState state;
  std::string resumed_from;  // the checkpoint folder loaded, when resuming
  bool saved_latest = false;  // checkpoints/latest holds a checkpoint of this run
  std::unique_ptr<RunLog> log;
  std::unique_ptr<ProgressBar> progress;
  std::vector<EpochMetrics> history;
  std::string report_extra;  // the task's report section (Task::report_html) from the last evaluation

  Impl(ExperimentConfig c, TrainerOptions o, TrainerParts parts);
  RunResult run();

 private:
  bool stop_requested() const { return stop.load() || stop_signal_received(); }
  bool reached_max_steps() const { return config.train.max_steps > 0 && state.step >= config.train.max_steps; }
  bool finished() const { return state.epoch >= config.train.epochs || reached_max_steps(); }
  void begin_run();
  struct StepOutcome {
    double value = 0;
    const char* what = nullptr;  // set when the step found a non-finite value: "loss", ...
  };
  StepOutcome train_step(const Batch& batch, double lr, std::int64_t batch_position);
  // Reads the pending losses back into the epoch's loss sum; a diverged result at the first
  // non-finite one.
  std::optional<RunResult> settle_losses(std::int64_t epoch);
  void snapshot_generators();
  void save(const std::string& dir);
  void write_report(const std::string& status);
  void log_progress(std::int64_t epoch, std::int64_t batch, double mean_loss, double images_per_s,
                    double seconds_per_batch, double lr);
  RunResult interrupted();
  // `step`: the 1-based update at which the problem showed.
  RunResult diverged(const std::string& problem, std::int64_t step, std::int64_t epoch, std::int64_t batch);
};

Trainer::Impl::Impl(ExperimentConfig c, TrainerOptions o, TrainerParts parts)
    : config(std::move(c)),
      options(std::move(o)),
      paths(options.run_dir.empty() ? default_run_dir(config) : options.run_dir),
      device(config.device),
      init_gen(static_cast<std::uint64_t>(config.seed)) {
  if (options.run_dir.empty()) options.run_dir = paths.root;
  apply_device_config(config);  // the device exists (else a clear error), TF32 as train.tf32 says
  // Fail before the (slow) data loading when the run folder is not usable.
  if (options.resume) {
    resumed_from = find_checkpoint(paths.root);
  } else {
    LINATTN_CHECK(options.overwrite || !holds_run(paths), "run folder '", paths.root,
                  "' already holds a run. ---> HINT: continue it with `linattn train --resume ", paths.root,
                  "`, start over with --overwrite, or choose another folder with --run-dir or --set name=...");
  }

  set_num_threads(static_cast<int>(config.threads));
  manual_seed(static_cast<std::uint64_t>(config.seed));
  task = make_task(config.task, config);
  model = parts.model ? parts.model : make_model(config.model, init_gen);  // before the (slow) data
  task->check_model(*model);
  model->to(device);
  params = model->parameters();
  uploader = std::make_unique<DeviceUploader>(device);
  TaskLoaders loaders = task->make_loaders(
      options.data_root, InjectedData{parts.train_set, parts.test_set, parts.coco_train, parts.coco_val});
  train_loader = std::move(loaders.train);
  test_loader = std::move(loaders.test);
  steps_per_epoch = train_loader->num_batches();
  LINATTN_CHECK(steps_per_epoch >= 1, "the training set is empty");
  LINATTN_CHECK(test_loader->source().size() >= 1, "the test set is empty");

  optimizer = make_optimizer(config.optim, *model);
  std::int64_t total = config.train.epochs * steps_per_epoch;
  if (config.train.max_steps > 0) total = std::min(total, config.train.max_steps);
  schedule = std::make_unique<LrSchedule>(config.optim, steps_per_epoch, total);

  if (options.resume) {
    state = load_checkpoint(resumed_from, *model, optimizer.get());
    LINATTN_CHECK(state.batches_consumed >= 0 && state.batches_consumed <= steps_per_epoch, "checkpoint '",
                  resumed_from, "' stopped at batch ", state.batches_consumed, " of an epoch, but this run has ",
                  steps_per_epoch, " batches per epoch: data or batch size changed since");
    for (const auto& [name, g] : state.generators) {
      if (name == "default") default_generator().set_state(g.seed, g.offset);
      else if (name == "init") init_gen.set_state(g.seed, g.offset);
    }
    saved_latest = true;
  }
}

void Trainer::Impl::begin_run() {
  namespace fs = std::filesystem;
  if (!options.resume) prepare_new_run(paths, options.overwrite);
  std::error_code ec;
  fs::create_directories(paths.checkpoints, ec);
  LINATTN_CHECK(!ec, "cannot create '", paths.checkpoints, "': ", ec.message());
  {
    std::ofstream out(paths.config, std::ios::trunc);
    out << to_yaml(config);
    LINATTN_CHECK(out.good(), "cannot write '", paths.config, "'");
  }
  task->write_run_files(paths.root, *train_loader);  // e.g. detection's categories.json
  progress = std::make_unique<ProgressBar>(options.console && options.progress_bar && is_terminal(stdout));
  log = std::make_unique<RunLog>(paths.log, options.console);
  log->set_before_console([p = progress.get()] { p->clear(); });

  if (options.resume) {
    // Epochs after the checkpoint (written before a crash, or an epoch cut short by max_steps)
    // are redone: drop their records — unless there is nothing left to do.
    history = read_metrics(paths.metrics);
    if (!finished()) {
      std::erase_if(history, [&](const EpochMetrics& m) { return m.epoch > state.epoch; });
      write_metrics(paths.metrics, history);
    }
  }
}

Trainer::Impl::StepOutcome Trainer::Impl::train_step(const Batch& batch, double lr, std::int64_t batch_position) {
  // The batch goes to the device without waiting (core/upload.h); the task's loss is a 0-D tensor.
  Tensor loss = task->loss(*model, batch, [this](const Tensor& t) { return uploader->upload(t); });
  double value = std::nan("");
  if (eager_loss) {
    value = loss.item();
    if (!std::isfinite(value)) return {value, "loss"};
  } else {
    pending.push(loss, state.step + 1, batch_position);
  }
  optimizer->zero_grad();
  loss.backward();
  if (config.optim.clip_grad > 0) {
    const double norm = clip_grad_norm(params, config.optim.clip_grad);
    if (!std::isfinite(norm)) return {norm, "gradient norm"};
  }
  set_scheduled_lr(*optimizer, lr, config.optim.lr);  // every group by the schedule's factor
  optimizer->step();
  return {value, nullptr};
}

std::optional<RunResult> Trainer::Impl::settle_losses(std::int64_t epoch) {
  for (const PendingLoss& l : pending.drain()) {
    if (!std::isfinite(l.value)) {
      progress->clear();
      return diverged(fmt::format("the loss is {}", l.value), l.step, epoch, l.batch);
    }
    state.epoch_loss_sum += l.value;
    state.epoch_loss_count += 1;
  }
  return std::nullopt;
}

void Trainer::Impl::snapshot_generators() {
  state.generators["default"] = {default_generator().seed(), default_generator().offset()};
  state.generators["init"] = {init_gen.seed(), init_gen.offset()};
}

void Trainer::Impl::save(const std::string& dir) {
  snapshot_generators();
  save_checkpoint(dir, *model, optimizer.get(), state);
}

void Trainer::Impl::write_report(const std::string& status) {
  ReportInfo info{config.name, status, to_yaml(config), task->metrics()};
  info.extra_html = report_extra;
  linattn::write_report(paths.report, info, history);
}

void Trainer::Impl::log_progress(std::int64_t epoch, std::int64_t batch, double mean_loss, double images_per_s,
                                 double seconds_per_batch, double lr) {
  const std::int64_t epochs = config.train.epochs;
  if (state.epoch_loss_count == 0) return;  // no loss read back yet this epoch (CUDA)
  progress->update({epoch + 1, epochs, batch, steps_per_epoch, mean_loss, images_per_s,
                    seconds_per_batch * static_cast<double>(steps_per_epoch - batch)});
  const std::int64_t every = std::max<std::int64_t>(1, config.train.log_every);
  if (batch % every != 0 && batch != steps_per_epoch) return;
  std::string line = fmt::format("epoch {}/{} step {}/{} (global {}) loss {:.4f} lr {:.3e} {:.0f} img/s", epoch + 1,
                                 epochs, batch, steps_per_epoch, state.step, mean_loss, lr, images_per_s);
  if (progress->enabled()) log->file_only(line);
  else log->info(line);
}

RunResult Trainer::Impl::interrupted() {
  if (auto bad = settle_losses(state.epoch)) return *bad;  // never checkpoint past a NaN loss
  save(paths.latest);
  saved_latest = true;
  const int sig = stop_signal_number();
  std::string message = fmt::format(
      "stopped{} at step {} (epoch {}, batch {}/{}); checkpoint saved in {}. Resume with: linattn train --resume {}",
      sig == 0 ? "" : sig == SIGINT ? " by SIGINT" : sig == SIGTERM ? " by SIGTERM" : " by a signal", state.step, state.epoch + 1,
      state.batches_consumed, steps_per_epoch, paths.latest, paths.root);
  write_report("interrupted at step " + std::to_string(state.step));
  log->warn(message);
  return {RunStatus::Interrupted, state, message};
}

RunResult Trainer::Impl::diverged(const std::string& problem, std::int64_t step, std::int64_t epoch,
                                   std::int64_t batch) {
  std::string saved = saved_latest ? fmt::format("the last good checkpoint, {}, is untouched", paths.latest)
                                   : std::string("no checkpoint had been written yet");
  std::string message = fmt::format(
      "training diverged: {} at step {} (epoch {}, batch {}/{}); stopped without saving — {}. "
      "---> HINT: lower optim.lr, lengthen optim.warmup_epochs, or set optim.clip_grad",
      problem, step, epoch + 1, batch, steps_per_epoch, saved);
  write_report("diverged at step " + std::to_string(step));
  log->error(message);
  return {RunStatus::Diverged, state, message};
}

RunResult Trainer::Impl::run() {
  if (stop_requested())  // Ctrl-C while the data was loading: leave no half-started run behind
    return {RunStatus::Interrupted, state, "stopped before training started; nothing was written", false};
  begin_run();
  const TrainConfig& tc = config.train;
  eager_loss = device.is_cpu() || static_cast<bool>(on_step);
  const std::int64_t log_every = std::max<std::int64_t>(1, tc.log_every);
  const std::int64_t max_steps = tc.max_steps;
  auto reached_max = [&] { return reached_max_steps(); };

  log->info(fmt::format("run folder {} ({})", paths.root,
                        options.resume ? fmt::format("resuming {} at step {}, epoch {}, batch {}/{}", resumed_from,
                                                     state.step, state.epoch + 1, state.batches_consumed,
                                                     steps_per_epoch)
                                       : "new run"));
  log->info(fmt::format("model {} ({} parameters, attention {}), optimizer {}, device {}, {} threads",
                        config.model.name, model->num_parameters(), config.model.attention_type(),
                        optimizer->name(), device.str(), num_threads()));
  log->info(fmt::format("data: {} train / {} test images, batch {}, {} steps per epoch, {} epochs{}",
                        train_loader->source().size(), test_loader->source().size(), config.data.batch_size,
                        steps_per_epoch, tc.epochs,
                        max_steps > 0 ? fmt::format(", at most {} steps", max_steps) : ""));
  if (finished()) {
    log->info(fmt::format("nothing to do: the run is complete (epoch {}, step {}) ---> HINT: raise train.epochs or "
                          "train.max_steps with --set to continue it",
                          state.epoch, state.step));
    write_report("finished");
    return {RunStatus::Completed, state, ""};
  }

  try {
    for (;;) {
      const std::int64_t e = state.epoch;
      train_loader->start_epoch(e, state.batches_consumed);
      reset_peak_memory(device);
      const auto epoch_start = Clock::now();
      double train_seconds = 0;
      std::int64_t images = 0, batches_timed = 0;
      model->train();

      while (!reached_max()) {
        const auto t0 = Clock::now();
        std::optional<Batch> batch = train_loader->next();
        if (!batch) break;
        const double lr = schedule->lr_at(state.step);
        StepOutcome outcome = train_step(*batch, lr, train_loader->position());
        if (outcome.what) {
          progress->clear();
          return diverged(fmt::format("the {} is {}", outcome.what, outcome.value), state.step + 1, e,
                          train_loader->position());
        }
        state.step += 1;
        state.batches_consumed = train_loader->position();
        if (eager_loss) {
          state.epoch_loss_sum += outcome.value;
          state.epoch_loss_count += 1;
        } else if (state.batches_consumed % log_every == 0 || state.batches_consumed == steps_per_epoch) {
          if (auto bad = settle_losses(e)) return *bad;  // the one wait for the device per log line
        }
        train_seconds += seconds_since(t0);
        images += batch->size();
        batches_timed += 1;
        const double ips = train_seconds > 0 ? static_cast<double>(images) / train_seconds : 0.0;
        log_progress(e, state.batches_consumed,
                     state.epoch_loss_sum / static_cast<double>(state.epoch_loss_count), ips,
                     train_seconds / static_cast<double>(batches_timed), lr);
        if (on_step) on_step({state.step, e, state.batches_consumed, outcome.value, lr});
        if (stop_requested()) {
          progress->clear();
          return interrupted();
        }
      }
      progress->clear();
      if (auto bad = settle_losses(e)) return *bad;  // an epoch cut short by max_steps

      const bool epoch_done = state.batches_consumed == steps_per_epoch;
      const bool last = e + 1 >= tc.epochs || reached_max();
      EpochMetrics m;
      m.epoch = e + 1;
      m.step = state.step;
      m.train_loss = state.epoch_loss_count > 0 ? state.epoch_loss_sum / static_cast<double>(state.epoch_loss_count)
                                                : std::nan("");
      m.lr = schedule->lr_at(std::max<std::int64_t>(0, state.step - 1));
      m.images_per_s = train_seconds > 0 ? static_cast<double>(images) / train_seconds : 0.0;
      const MetricsLayout& layout = task->metrics();
      for (const MetricSpec& spec : layout.values) m.eval.push_back({spec.name, std::nullopt});
      if (last || (tc.eval_every > 0 && (e + 1) % tc.eval_every == 0)) {
        TaskEvaluation r = task->evaluate(*model, *test_loader, device, [this] { return stop_requested(); });
        if (!r.complete) return interrupted();
        for (const NamedValue& v : r.values) m.set(v.name, v.value);
        report_extra = task->report_html(*model, *test_loader, device);
      }
      m.epoch_seconds = seconds_since(epoch_start);
      m.peak_memory_bytes = memory_stats(device).peak_allocated_bytes;

      if (epoch_done) {
        state.epoch = e + 1;
        state.batches_consumed = 0;
        state.epoch_loss_sum = 0;
        state.epoch_loss_count = 0;
      }
      const std::optional<double> score = m.value(layout.best.name);
      const bool is_best =
          score && (state.best_metric != layout.best.name || !state.best_value ||
                    layout.best.better(*score, *state.best_value));
      if (is_best) {
        state.best_metric = layout.best.name;
        state.best_value = *score;
        state.best_epoch = m.epoch;
      }
      history.push_back(m);
      append_metrics(paths.metrics, m);

      const bool save_latest = last || (tc.checkpoint_every > 0 && (e + 1) % tc.checkpoint_every == 0);
      if ((save_latest || is_best) && !all_finite(params))
        return diverged("the model's weights are not finite", state.step, e, steps_per_epoch);
      if (save_latest) {
        save(paths.latest);
        saved_latest = true;
      }
      if (is_best) save(paths.best);

      std::string summary = fmt::format("epoch {}/{} done in {:.1f} s: train loss {:.4f}", m.epoch, tc.epochs,
                                        m.epoch_seconds, m.train_loss);
      if (m.evaluated()) summary += ", " + describe_values(layout, m.eval);
      summary += fmt::format(", {:.0f} img/s, peak memory {}", m.images_per_s, mib(m.peak_memory_bytes));
      if (is_best) summary += " (best so far)";
      log->info(summary);
      write_report(last ? "finished" : fmt::format("running: epoch {} of {} done", m.epoch, tc.epochs));
      if (on_epoch) on_epoch(m);
      if (last) break;
      if (stop_requested()) return interrupted();
    }
  } catch (const std::exception& e) {
    progress->clear();
    log->file_only(std::string("error: ") + e.what());
    throw;
  }

  std::string best;
  if (state.best_value) {
    best = fmt::format(", best test {} at epoch {}",
                       describe_values(task->metrics(), {{state.best_metric, state.best_value}}), state.best_epoch);
  }
  log->info(fmt::format("finished after {} steps{}; report: {}", state.step, best, paths.report));
  return {RunStatus::Completed, state, ""};
}

// ---- Trainer --------------------------------------------------------------------------------

Trainer::Trainer(ExperimentConfig config, TrainerOptions options, TrainerParts parts)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(options), std::move(parts))) {}
Trainer::~Trainer() = default;

RunResult Trainer::run() { return impl_->run(); }
void Trainer::request_stop() { impl_->stop.store(true); }
void Trainer::set_step_callback(std::function<void(const StepInfo&)> callback) { impl_->on_step = std::move(callback); }
void Trainer::set_epoch_callback(std::function<void(const EpochMetrics&)> callback) {
  impl_->on_epoch = std::move(callback);
}
const ExperimentConfig& Trainer::config() const { return impl_->config; }
const std::string& Trainer::run_dir() const { return impl_->paths.root; }
Module& Trainer::model() { return *impl_->model; }
const Task& Trainer::task() const { return *impl_->task; }
Optimizer& Trainer::optimizer() { return *impl_->optimizer; }
std::int64_t Trainer::steps_per_epoch() const { return impl_->steps_per_epoch; }

}  // namespace linattn
