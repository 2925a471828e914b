// train/sweep.cpp — planning and running a sweep over attention types (see sweep.h).
#include "train/sweep.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>

#include "core/error.h"
#include "core/rng.h"
#include "layers/attention/options.h"
#include "models/model_type.h"
#include "train/atomic_file.h"
#include "train/checkpoint.h"
#include "train/data_setup.h"
#include "train/run_dir.h"
#include "train/stop_signal.h"
#include "train/task.h"
#include "train/tasks/classification.h"
#include "train/tasks/detection.h"
#include "train/trainer.h"

namespace linattn {

namespace fs = std::filesystem;

namespace {

std::string type_list() {
  std::string out;
  for (const auto& t : attention_types()) out += (out.empty() ? "" : ", ") + t;
  return out;
}

// Runs `f`; an Error it throws is rethrown with "attention type '<type>': " in front.
template <class F>
auto for_type(const std::string& type, F&& f) {
  try {
    return f();
  } catch (const Error& e) {
    throw Error(str_cat("attention type '", type, "': ", e.what()));
  }
}

bool finished(const TrainingState& s, const ExperimentConfig& c) {
  return s.epoch >= c.train.epochs || (c.train.max_steps > 0 && s.step >= c.train.max_steps);
}

// The type's checkpoint, or "" when it has none yet.
std::string checkpoint_of(const std::string& run_dir) {
  try {
    return find_checkpoint(run_dir);
  } catch (const Error&) {
    return "";
  }
}

}  // namespace

SweepPaths::SweepPaths(const std::string& d)
    : dir(d),
      json((fs::path(d) / "sweep.json").string()),
      markdown((fs::path(d) / "sweep.md").string()),
      html((fs::path(d) / "sweep.html").string()) {}

std::string SweepPaths::run_dir(const std::string& type) const { return (fs::path(dir) / type).string(); }

std::vector<std::string> parse_attention_list(const std::vector<std::string>& lists) {
  const auto& valid = attention_types();
  std::vector<std::string> types;
  for (const auto& list : lists) {
    std::size_t start = 0;
    for (;;) {
      const std::size_t comma = list.find(',', start);
      std::string item = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      LINATTN_CHECK(!item.empty(), "--attention '", list, "' has an empty entry; give a comma-separated list of ",
                    "attention types (", type_list(), ", or all)");
      if (item == "all") {
        types.insert(types.end(), valid.begin(), valid.end());
      } else {
        LINATTN_CHECK(std::find(valid.begin(), valid.end(), item) != valid.end(), "unknown attention type '", item,
                      "' in --attention (valid types: ", type_list(), ", or all)");
        types.push_back(item);
      }
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  LINATTN_CHECK(!types.empty(), "--attention names no attention type (valid types: ", type_list(), ", or all)");
  std::set<std::string> seen;
  for (const auto& t : types)
    LINATTN_CHECK(seen.insert(t).second, "attention type '", t, "' is listed twice in --attention; each type ",
                  "trains once");
  return types;
}

SweepPlan plan_sweep(const SweepOptions& options) {
  for (const auto& o : options.overrides)
    LINATTN_CHECK(o.rfind("model.attention.type=", 0) != 0, "--set ", o, " conflicts with the sweep: each run's ",
                  "attention type comes from --attention");
  SweepPlan plan;
  if (options.resume) {
    SweepTableInfo previous;
    std::vector<SweepRow> previous_rows;
    LINATTN_CHECK(!options.sweep_dir.empty(), "--resume needs the sweep folder");
    SweepPaths paths(options.sweep_dir);
    LINATTN_CHECK(fs::is_regular_file(paths.json), "cannot resume '", options.sweep_dir,
                  "': it has no sweep.json, so it is not a sweep folder");
    read_sweep_json(paths.json, previous, previous_rows);
    plan.dir = options.sweep_dir;
    plan.name = previous.name;
    plan.types = options.types.empty() ? previous.types : options.types;
    plan.config_path = options.config_path.empty() ? previous.config_path : options.config_path;
    // The runs' own config.yaml already hold the earlier overrides; a new CONFIG starts afresh.
    if (options.config_path.empty()) plan.overrides = previous.overrides;
  } else {
    LINATTN_CHECK(!options.config_path.empty(), "a sweep needs a CONFIG");
    LINATTN_CHECK(!options.types.empty(), "a sweep needs the attention types (--attention)");
    plan.types = options.types;
    plan.config_path = fs::absolute(options.config_path).string();
    plan.dir = options.sweep_dir;  // empty: runs/<name>-sweep, once the name is known
  }
  plan.overrides.insert(plan.overrides.end(), options.overrides.begin(), options.overrides.end());
  if (!options.config_path.empty())
    LINATTN_CHECK(fs::is_regular_file(options.config_path), "config file '", options.config_path, "' does not exist");

  // Every type's config, resolved and checked, before anything else.
  for (const auto& type : plan.types) {
    ExperimentConfig config = for_type(type, [&] {
      const std::string own = SweepPaths(plan.dir).run_dir(type) + "/config.yaml";
      if (options.resume && options.config_path.empty()) {
        // Like `linattn train --resume`: the run's own config.yaml, then the new --set.
        LINATTN_CHECK(fs::is_regular_file(own), "the sweep has no '", own,
                      "' ---> HINT: give the recipe CONFIG to resume with it");
        return load_config(own, options.overrides);
      }
      std::vector<std::string> overrides = {"model.attention.type=" + type};
      overrides.insert(overrides.end(), options.overrides.begin(), options.overrides.end());
      ExperimentConfig c = load_config(options.config_path, overrides);
      if (plan.name.empty()) plan.name = c.name;
      c.name = plan.name + "-" + type;
      return c;
    });
    LINATTN_CHECK(config.model.attention_type() == type, "'", SweepPaths(plan.dir).run_dir(type),
                  "/config.yaml' trains attention type '", config.model.attention_type(), "', not '", type, "'");
    plan.configs.push_back(config);
  }
  if (plan.dir.empty()) plan.dir = (fs::path("runs") / (plan.name + "-sweep")).string();

  // One task for every type, whose metrics make the table's columns.
  const std::string& task = plan.configs.front().task;
  for (std::size_t i = 0; i < plan.types.size(); ++i)
    LINATTN_CHECK(plan.configs[i].task == task, "attention type '", plan.types[i], "' trains task '",
                  plan.configs[i].task, "', but '", plan.types.front(), "' trains '", task,
                  "': a sweep compares one task");
  plan.layout = sweep_layout(task, make_task(task, plan.configs.front())->metrics());

  // The models (their constraints, e.g. linformer's seq_len, and their sizes).
  for (std::size_t i = 0; i < plan.types.size(); ++i) {
    const ExperimentConfig& c = plan.configs[i];
    plan.parameters.push_back(for_type(plan.types[i], [&] {
      Generator gen(static_cast<std::uint64_t>(c.seed));
      return make_model(c.model, gen)->num_parameters();
    }));
  }

  // The folders: a new sweep does not silently mix with an earlier one.
  if (!options.resume) {
    SweepPaths paths(plan.dir);
    LINATTN_CHECK(!fs::exists(plan.dir) || fs::is_directory(plan.dir), "sweep folder '", plan.dir,
                  "' exists and is not a folder");
    const std::string hint = str_cat(" ---> HINT: continue it with `linattn sweep --resume ", plan.dir,
                                     "`, start over with --overwrite, or choose another folder with --run-dir");
    LINATTN_CHECK(options.overwrite || !fs::exists(paths.json), "sweep folder '", plan.dir, "' already holds a sweep.",
                  hint);
    for (const auto& type : plan.types)
      LINATTN_CHECK(options.overwrite || !holds_run(RunPaths(paths.run_dir(type))), "'", paths.run_dir(type),
                    "' already holds a run.", hint);
  }
  return plan;
}

SweepResult run_sweep(const SweepPlan& plan, const SweepOptions& options) {
  SweepPaths paths(plan.dir);
  std::error_code ec;
  fs::create_directories(plan.dir, ec);
  LINATTN_CHECK(fs::is_directory(plan.dir), "cannot create the sweep folder '", plan.dir, "'",
                ec ? ": " + ec.message() : "");

  SweepTableInfo info{plan.name, plan.dir, plan.config_path, "running", plan.types, plan.overrides, plan.layout};
  SweepResult result;
  SweepTableInfo previous;
  std::vector<SweepRow> previous_rows;
  if (options.resume) read_sweep_json(paths.json, previous, previous_rows);
  for (std::size_t i = 0; i < plan.types.size(); ++i) {
    SweepRow row;
    row.type = plan.types[i];
    row.run_dir = paths.run_dir(row.type);
    row.parameters = plan.parameters[i];
    for (const auto& p : previous_rows)
      if (p.type == row.type) row.status = p.status, row.message = p.message;
    fill_from_metrics(row, read_metrics(RunPaths(row.run_dir).metrics), plan.layout);
    result.rows.push_back(row);
    if (!options.resume) {  // every type's config now, so that --resume knows the types not yet started
      fs::create_directories(row.run_dir, ec);
      write_text_atomically(RunPaths(row.run_dir).config, to_yaml(plan.configs[i]));
    }
  }
  auto write_tables = [&] {
    write_text_atomically(paths.json, sweep_json(info, result.rows));
    write_text_atomically(paths.markdown,
                          "# Sweep " + plan.name + "\n\n" + sweep_markdown(plan.layout, result.rows));
    write_text_atomically(paths.html, sweep_html(info, result.rows));
  };
  write_tables();

  // One loaded dataset per distinct data config (the types usually share one): classification's
  // splits, or detection's whole COCO splits.
  struct Data {
    DataConfig config;
    TrainerParts parts;
  };
  std::vector<Data> loaded;
  auto load = [&](const ExperimentConfig& config) {
    TrainerParts parts;
    if (config.task == kClassificationTask) {
      parts.train_set = load_split(config, options.data_root, "train");
      parts.test_set = load_split(config, options.data_root, "test");
    } else if (config.task == kDetectionTask) {
      parts.coco_train = load_coco_split(config, options.data_root, "train");
      if (config.data.eval_split == EvalSplit::Val) parts.coco_val = load_coco_split(config, options.data_root, "val");
    }  // another task loads its own data
    return Data{config.data, parts};
  };

  bool interrupted = false;
  for (std::size_t i = 0; i < plan.types.size() && !interrupted; ++i) {
    const ExperimentConfig& config = plan.configs[i];
    SweepRow& row = result.rows[i];
    auto say = [&](const std::string& what) {
      if (options.console) {
        std::printf("\n== sweep %s [%zu/%zu] %s: %s\n", plan.name.c_str(), i + 1, plan.types.size(), row.type.c_str(),
                    what.c_str());
        std::fflush(stdout);
      }
    };
    if (stop_signal_received()) {
      interrupted = true;
      break;
    }
    TrainerOptions topts;
    topts.run_dir = row.run_dir;
    topts.data_root = options.data_root;
    topts.console = options.console;
    topts.overwrite = options.overwrite;
    if (options.resume) {
      const std::string checkpoint = checkpoint_of(row.run_dir);
      if (!checkpoint.empty() && finished(read_training_state(checkpoint), config)) {
        row.status = "completed";
        row.message.clear();
        say("already completed, skipped");
        continue;
      }
      topts.resume = !checkpoint.empty();
      topts.overwrite = checkpoint.empty();  // a start that left no checkpoint: begin again
    }
    say(topts.resume ? "resuming in " + row.run_dir : "training in " + row.run_dir);

    auto data = std::find_if(loaded.begin(), loaded.end(), [&](const Data& d) { return d.config == config.data; });
    if (data == loaded.end()) {
      loaded.push_back(load(config));
      data = loaded.end() - 1;
    }
    try {
      Trainer trainer(config, topts, data->parts);
      RunResult r = trainer.run();
      row.parameters = trainer.model().num_parameters();
      row.status = run_status_name(r.status);
      row.message = r.message;
      if (!r.logged && !r.message.empty() && options.console) std::printf("%s\n", r.message.c_str());
      if (r.status == RunStatus::Interrupted) interrupted = true;
    } catch (const Error& e) {
      // A type that cannot run here (e.g. out of memory) is recorded; the others still run.
      row.status = "failed";
      row.message = e.what();
      std::fprintf(stderr, "linattn sweep: %s failed: %s\n", row.type.c_str(), e.what());
    }
    fill_from_metrics(row, read_metrics(RunPaths(row.run_dir).metrics), plan.layout);
    write_tables();
  }

  std::vector<std::string> diverged, failed;
  for (const auto& r : result.rows) {
    if (r.status == "diverged") diverged.push_back(r.type);
    if (r.status == "failed") failed.push_back(r.type);
  }
  auto names = [](const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
    return out;
  };
  if (interrupted) {
    result.status = SweepStatus::Interrupted;
    info.status = "interrupted";
    result.message = str_cat("sweep stopped; the finished types are in ", paths.markdown,
                             ". Resume with: linattn sweep --resume ", plan.dir);
  } else if (!failed.empty()) {
    result.status = SweepStatus::Failed;
    info.status = "finished; failed: " + names(failed);
    result.message = str_cat("the sweep finished, but ", names(failed), " failed (see the status column's ",
                             "message in ", paths.json, ")");
  } else if (!diverged.empty()) {
    result.status = SweepStatus::Diverged;
    info.status = "finished; diverged: " + names(diverged);
    result.message = str_cat("the sweep finished, but ", names(diverged), " diverged ---> HINT: lower optim.lr, ",
                             "lengthen optim.warmup_epochs or set optim.clip_grad, then `linattn sweep --resume ",
                             plan.dir, " --set ...` retries the types that did not complete");
  } else {
    info.status = "completed";
  }
  write_tables();
  return result;
}

}  // namespace linattn
