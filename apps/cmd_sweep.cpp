// apps/cmd_sweep.cpp — `linattn sweep`: one recipe trained once per attention type, each in its
// own run folder, then one comparison table (train/sweep.h). Every type's config is checked
// before anything trains; Ctrl-C stops with a checkpoint (exit 130) and --resume continues.
#include <cstdio>

#include "apps/cli.h"
#include "train/stop_signal.h"
#include "train/sweep.h"

namespace linattn::cli {

namespace {

constexpr const char* kHelp = R"(usage: linattn sweep CONFIG --attention TYPES [options]
       linattn sweep --resume SWEEP_DIR [CONFIG] [options]

Trains the recipe CONFIG once per attention type (model.attention.type), each run in its own
folder SWEEP_DIR/<type>/, then writes one comparison table — parameters, the task's metrics,
seconds per epoch, images/s, peak memory, status — to SWEEP_DIR/sweep.md, sweep.html and
sweep.json, and prints it. Classification shows best and final test top-1 and the final test
loss; detection shows AP, AP50, AP75, APs, APm, APl (and AP of person when it is a class) at
the epoch with the best AP. Every type's config is resolved and its model built
before anything trains, so a --set that is wrong for one type fails at once.

options:
  --attention TYPES  comma-separated attention types, e.g. softmax,cos2d,linformer, or all
                     (softmax, cos2d, external, linformer, additive, efficient); repeatable
  --set KEY=VALUE    override a config key for every type, e.g. --set train.epochs=50; a type's
                     options go under model.attention (repeatable)
  --data-root DIR    where the datasets are (else data.root, else $LINATTN_DATA, else ./data)
  --run-dir DIR      the sweep folder (default runs/<name>-sweep)
  --resume DIR       continue the sweep in DIR: completed types are skipped, a partly trained one
                     continues from its checkpoint, the others start. Each type's config.yaml is
                     used unless CONFIG is given (--set still applies; --attention may change
                     the list)
  --overwrite        start over in a sweep folder that already holds a sweep

The types share one loaded dataset. A type that diverges (non-finite loss) is recorded as
"diverged" and the sweep goes on. Ctrl-C finishes the current step, saves that type's checkpoint,
writes the table of what finished and exits with code 130; continue with
`linattn sweep --resume SWEEP_DIR`.
Exit codes: 0 all types completed, 2 usage or config error (or a type failed), 3 a type diverged.
)";

int run_sweep_command(const Args& args) {
  ParsedArgs p = parse_args("sweep", args,
                            {{"--attention", true, true}, {"--set", true, true}, {"--data-root", true},
                             {"--run-dir", true}, {"--resume", true}, {"--overwrite", false}});
  if (p.help) {
    std::fputs(kHelp, stdout);
    return kExitOk;
  }
  SweepOptions options;
  options.resume = p.has("--resume");
  expect_positional("sweep", p, options.resume ? 0 : 1, 1,
                    options.resume ? "at most one CONFIG" : "one CONFIG (a YAML file)");
  if (options.resume && p.has("--overwrite")) throw UsageError("--resume and --overwrite cannot be combined");
  if (options.resume && p.has("--run-dir") && p.value("--run-dir") != p.value("--resume"))
    throw UsageError("--resume SWEEP_DIR already names the sweep folder; leave out --run-dir");
  if (!options.resume && !p.has("--attention"))
    throw UsageError("`linattn sweep` needs --attention TYPES, e.g. --attention softmax,cos2d");
  if (p.has("--attention")) {
    try {
      options.types = parse_attention_list(p.all("--attention"));
    } catch (const Error& e) {
      throw UsageError(e.what());
    }
  }
  options.config_path = p.positional.empty() ? "" : p.positional[0];
  options.overrides = p.all("--set");
  options.sweep_dir = options.resume ? p.value("--resume") : p.value("--run-dir");
  options.data_root = p.value("--data-root");
  options.overwrite = p.has("--overwrite");

  StopSignalScope signals;  // Ctrl-C / SIGTERM: the running type stops after its step, with a checkpoint
  SweepPlan plan = plan_sweep(options);
  std::printf("sweep %s: %zu attention types (", plan.name.c_str(), plan.types.size());
  for (std::size_t i = 0; i < plan.types.size(); ++i) std::printf("%s%s", i ? ", " : "", plan.types[i].c_str());
  std::printf(") in %s\n", plan.dir.c_str());
  std::fflush(stdout);

  SweepResult result = run_sweep(plan, options);
  const SweepPaths paths(plan.dir);
  std::printf("\n%s\ntable: %s, %s, %s\n", sweep_markdown(plan.layout, result.rows).c_str(),
              paths.markdown.c_str(), paths.html.c_str(), paths.json.c_str());
  if (!result.message.empty()) std::fprintf(stderr, "linattn sweep: %s\n", result.message.c_str());
  std::fflush(stdout);
  switch (result.status) {
    case SweepStatus::Completed: return kExitOk;
    case SweepStatus::Interrupted: return kExitInterrupted;
    case SweepStatus::Failed: return kExitUsage;
    case SweepStatus::Diverged: return kExitDiverged;
  }
  return kExitInternal;
}

}  // namespace

Command sweep_command() {
  return {"sweep", "train one recipe per attention type and compare them in one table", kHelp, run_sweep_command};
}

}  // namespace linattn::cli
