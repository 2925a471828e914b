// apps/cmd_bench.cpp — `linattn bench train-step`: the median time of one training step
// (forward + the task's loss + backward + optimizer step) of a config's model on a synthetic
// batch of the config's geometry (the task's synthetic_batch, train/task.h), with no data
// loading, so the number is the framework's own. bench/run_train_step.py runs it next to
// PyTorch's step (bench/torch_vit_step.py) for every attention type.
// Honours the config's device (cpu or cuda[:N]) and train.tf32; on CUDA each timed step ends by
// synchronizing the device's stream, so the clock reads the device's time, not the launches'.
#include <cstdio>

#include "../bench/timing.h"
#include "apps/cli.h"
#include "core/allocator.h"
#include "core/ops.h"
#include "core/upload.h"
#include "models/model_type.h"
#include "train/config.h"
#include "train/device_setup.h"
#include "train/param_groups.h"
#include "train/task.h"

namespace linattn::cli {

namespace {

constexpr const char* kHelp = R"(usage: linattn bench train-step --config CONFIG [options]

Times one training step — forward, the task's loss (cross-entropy for classification), backward,
optimizer step — of the config's model on a synthetic batch (random images of the config's size
and random targets; no data loading), and prints the
median over --steps steps after --warmup untimed steps. Each step ends by reading the loss,
which waits for the device, so on a GPU the clock measures the finished step.

options:
  --config CONFIG   the experiment config (model, optimizer, device, threads)
  --set KEY=VALUE   override a config key, e.g. --set model.attention.type=cos2d (repeatable)
  --steps N         timed steps (default 5)
  --warmup N        untimed steps first (default 1; a GPU wants a few: cuBLAS and allocator warm-up)
  --batch B         batch size (default: the config's data.batch_size)
  --json            print one JSON object
)";

std::int64_t positive(const std::string& flag, const std::string& text) {
  try {
    std::size_t used = 0;
    std::int64_t v = std::stoll(text, &used);
    if (used == text.size() && v > 0) return v;
  } catch (const std::exception&) {
  }
  throw UsageError(str_cat("bench: ", flag, " expects a positive integer, got '", text, "'"));
}

std::int64_t nonnegative(const std::string& flag, const std::string& text) {
  if (text == "0") return 0;
  try {
    return positive(flag, text);
  } catch (const UsageError&) {
  }
  throw UsageError(str_cat("bench: ", flag, " expects a non-negative integer, got '", text, "'"));
}

int run_bench(const Args& args) {
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    std::fputs(kHelp, stdout);
    return kExitOk;
  }
  if (args.empty() || args[0] != "train-step")
    throw UsageError(str_cat("bench: expected the benchmark name train-step, got '", args.empty() ? "" : args[0], "'"));
  ParsedArgs p = parse_args("bench", Args(args.begin() + 1, args.end()),
                            {{"--config", true}, {"--set", true, true}, {"--steps", true}, {"--warmup", true},
                             {"--batch", true}, {"--json", false}});
  if (p.help) {
    std::fputs(kHelp, stdout);
    return kExitOk;
  }
  expect_positional("bench", p, 0, 0, "no");
  if (!p.has("--config")) throw UsageError("bench train-step: --config is required");
  ExperimentConfig config = load_config(p.value("--config"), p.all("--set"));
  const std::int64_t steps = positive("--steps", p.value("--steps", "5"));
  const std::int64_t warmup = p.has("--warmup") ? nonnegative("--warmup", p.value("--warmup")) : 1;
  const std::int64_t batch = positive("--batch", p.value("--batch", std::to_string(config.data.batch_size)));
  apply_device_config(config);  // a clear error when the device is missing; TF32 per train.tf32
  if (config.device.is_cpu()) set_num_threads(config.threads);

  Generator gen(config.seed);
  // The step bench/torch_vit_step.py times next to this one: plain cross-entropy, no smoothing.
  config.data.augment.label_smoothing = 0.0;
  std::unique_ptr<Task> task = make_task(config.task, config);
  auto model = make_model(config.model, gen);
  task->check_model(*model);
  model->to(config.device);
  model->train();
  auto optimizer = make_optimizer(config.optim, *model);
  const Batch synthetic = task->synthetic_batch(batch, config.device, gen);  // already on the device
  const ToDevice on_device = [](const Tensor& t) { return t; };
  double last_loss = 0;
  auto step = [&] {
    optimizer->zero_grad();
    Tensor loss = task->loss(*model, synthetic, on_device);
    loss.backward();
    optimizer->step();
    synchronize(config.device);  // the step's kernels are done before the clock is read
    last_loss = loss.item();
  };
  reset_peak_memory(config.device);
  const double seconds = bench::median_seconds(step, static_cast<int>(steps), static_cast<int>(warmup));
  const auto peak = memory_stats(config.device).peak_allocated_bytes;
  if (p.has("--json")) {
    std::printf("{\"impl\": \"linattn\", \"attention\": \"%s\", \"batch\": %lld, \"threads\": %d, \"device\": \"%s\", "
                "\"steps\": %lld, \"warmup\": %lld, \"step_s\": %.6f, \"images_per_s\": %.2f, "
                "\"peak_memory_bytes\": %zu, \"loss\": %.6f}\n",
                config.model.attention_type().c_str(), static_cast<long long>(batch), static_cast<int>(config.threads),
                config.device.str().c_str(), static_cast<long long>(steps), static_cast<long long>(warmup), seconds,
                static_cast<double>(batch) / seconds, peak, last_loss);
  } else {
    std::printf("%s, attention %s, batch %lld on %s: %.3f s per step (median of %lld), %.1f images/s, peak %.1f MB\n",
                p.value("--config").c_str(), config.model.attention_type().c_str(), static_cast<long long>(batch),
                config.device.str().c_str(), seconds, static_cast<long long>(steps), static_cast<double>(batch) / seconds,
                static_cast<double>(peak) / 1e6);
  }
  return kExitOk;
}

}  // namespace

Command bench_command() {
  return {"bench", "time a training step on synthetic inputs (bench train-step)", kHelp, run_bench};
}

}  // namespace linattn::cli
