// tests/train/test_config.cpp — config loading that works: defaults, a full file, base files
// (deep merge, attention block replacement), --set overrides, the to_yaml round trip, and every
// file in configs/.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>

#include "models/vit.h"
#include "train/config.h"
#include "train/config_test_util.h"

using namespace linattn;

TEST_CASE("an empty config is the defaults, named after its source") {
  ExperimentConfig c = parse_config_string("", "some/dir/exp1.yaml");
  ExperimentConfig expected;
  expected.name = "exp1";
  CHECK(c == expected);
  CHECK(c.model.attention_type() == "softmax");
  CHECK(c.model.attention.get<SoftmaxOptions>().heads == 3);  // from model.heads
  CHECK(c.threads == 2);
  CHECK(c.train.tf32);
  CHECK(c.data.augment.crop_padding == 4);
}

TEST_CASE("a full file sets every section") {
  ExperimentConfig c = parse_config_string(R"(
name: run_a
task: classification
seed: 7
device: cuda:1
threads: 4
data:
  dataset: coco
  root: /data/coco
  format: folders
  image_size: 128
  categories: [person, hair drier]
  eval_split: train
  batch_size: 32
  workers: 0
  train_subset: 100
  test_subset: 50
  augment:
    crop_padding: 0
    flip: no
    scale_min: 0.5
    scale_max: 1.25
    mixup_alpha: 0.2
    cutmix_alpha: 1.0
    label_smoothing: 0.1
    randaugment: {n: 2, m: 9}
model:
  name: vit
  dim: 256
  depth: 7
  heads: 4
  mlp_ratio: 2.5
  patch: 8
  pool: cls
  num_classes: 2
  attention:
    type: external
    coef: 2
    S: 32
detection:
  eos_coef: 0.2
  cost_class: 2
  cost_bbox: 4
  cost_giou: 3
  loss_ce: 1.5
  loss_bbox: 4.5
  loss_giou: 2.5
  focal_alpha: 0.5
  focal_gamma: 1.5
  aux_loss: false
  max_detections: 50
optim:
  name: sgd
  lr: 0.1
  backbone_lr_scale: 0.1
  weight_decay: 5e-4
  betas: [0.8, 0.9]
  momentum: 0.95
  nesterov: true
  warmup_epochs: 0.5
  schedule: step
  step_size: 10
  gamma: 0.5
  min_lr: 0.001
  clip_grad: 2
train:
  epochs: 20
  max_steps: 1000
  eval_every: 2
  checkpoint_every: 0
  log_every: 5
  tf32: false
)",
                                           "x.yaml");
  CHECK(c.name == "run_a");
  CHECK(c.task == "classification");
  CHECK(c.seed == 7);
  CHECK(c.device == Device::cuda(1));
  CHECK(c.data.dataset == DatasetName::Coco);
  CHECK(c.data.root == "/data/coco");
  CHECK(c.data.format == DataFormat::Folders);
  CHECK(c.data.workers == 0);
  CHECK(c.data.image_size == 128);
  CHECK(c.model.image_size == 128);  // the model sees the detection canvas
  CHECK(c.data.categories == std::vector<std::string>{"person", "hair drier"});
  CHECK(c.data.eval_split == EvalSplit::Train);
  CHECK(c.data.augment.scale_min == 0.5);
  CHECK(c.data.augment.scale_max == 1.25);
  CHECK(c.detection == DetectionConfig{.eos_coef = 0.2, .cost_class = 2, .cost_bbox = 4, .cost_giou = 3,
                                       .loss_ce = 1.5, .loss_bbox = 4.5, .loss_giou = 2.5, .focal_alpha = 0.5,
                                       .focal_gamma = 1.5, .aux_loss = false, .max_detections = 50});
  CHECK(c.optim.backbone_lr_scale == 0.1);
  CHECK_FALSE(c.data.augment.flip);
  CHECK(c.data.augment.randaugment.n == 2);
  CHECK(c.model.name == "vit");
  CHECK(c.model.options.get<ViTOptions>().pool == "cls");
  CHECK(c.model.options.get<ViTOptions>().mlp_ratio == 2.5);
  CHECK(c.model.options.get<ViTOptions>().num_classes == 2);  // COCO with data.categories: 2 classes
  CHECK(parse_config_string(to_yaml(c), "x.yaml") == c);
  auto ea = c.model.attention.get<ExternalOptions>();
  CHECK(ea.heads == 4);
  CHECK(ea.coef == 2);
  CHECK(ea.S == 32);
  CHECK(c.optim.name == OptimizerName::Sgd);
  CHECK(c.optim.weight_decay == 5e-4);
  CHECK(c.optim.betas == std::array<double, 2>{0.8, 0.9});
  CHECK(c.optim.nesterov);
  CHECK(c.optim.schedule == Schedule::Step);
  CHECK(c.optim.step_size == 10);
  CHECK(c.train.max_steps == 1000);
  CHECK_FALSE(c.train.tf32);
}

TEST_CASE("a base file is deep-merged under the file's own keys") {
  linattn::test::ScratchDir dir;
  dir.write("bases/root.yaml", "seed: 5\noptim:\n  lr: 0.5\n  weight_decay: 0.2\n");
  dir.write("bases/mid.yaml",
            "base: root.yaml\nmodel:\n  dim: 256\n  heads: 4\n  attention:\n    type: linformer\n    proj_k: 16\n"
            "optim:\n  lr: 0.01\n");
  std::string leaf = dir.write("exp/leaf.yaml",
                               "base: ../bases/mid.yaml\nmodel:\n  depth: 2\n  attention:\n    sharing: kv\n"
                               "optim:\n  lr: 0.001\n");
  ExperimentConfig c = load_config(leaf);
  CHECK(c.name == "leaf");
  CHECK(c.seed == 5);                    // from root
  CHECK(c.optim.weight_decay == 0.2);    // from root
  CHECK(c.optim.lr == 0.001);            // leaf overrides mid overrides root
  CHECK(c.model.options.get<ViTOptions>().dim == 256);             // from mid
  CHECK(c.model.options.get<ViTOptions>().depth == 2);             // from leaf
  auto lin = c.model.attention.get<LinformerOptions>();
  CHECK(lin.heads == 4);
  CHECK(lin.proj_k == 16);               // the attention block merges while the type stays
  CHECK(lin.sharing == "kv");

  // A new type replaces the inherited block instead of failing on linformer's proj_k.
  std::string other = dir.write("exp/other.yaml", "base: ../bases/mid.yaml\nmodel:\n  attention:\n    type: cos2d\n");
  auto cos = load_config(other).model.attention.get<Cos2dOptions>();
  CHECK(cos.heads == 4);
  CHECK(cos.M == 0);

  // An error in a value set by the base cites the base's file and line.
  std::string bad = dir.write("exp/bad.yaml", "base: ../bases/mid.yaml\nmodel:\n  dim: 250\n");
  std::string m = linattn::test::error_of([&] { load_config(bad); });
  CHECK(linattn::test::has(m, "model.heads: must divide model.dim (250, from " + bad + ":3); got 4"));
  CHECK(linattn::test::has(m, "mid.yaml:4"));
}

TEST_CASE("--set overrides apply in order, before the checks") {
  ExperimentConfig c = parse_config_string("optim:\n  lr: -1\n", "exp.yaml",
                                           {"optim.lr=3e-4", "optim.betas=[0.9, 0.95]", "model.attention.type=linformer",
                                            "model.attention.proj_k=16", "data.root=", "device=cuda", "model.heads=4",
                                            "train={epochs: 7, log_every: 3}", "data.augment.flip=off"});
  CHECK(c.optim.lr == 3e-4);
  CHECK(c.optim.betas == std::array<double, 2>{0.9, 0.95});
  CHECK(c.data.root.empty());
  CHECK(c.device == Device::cuda(0));
  CHECK(c.train.epochs == 7);
  CHECK(c.train.log_every == 3);
  CHECK_FALSE(c.data.augment.flip);
  auto lin = c.model.attention.get<LinformerOptions>();
  CHECK(lin.proj_k == 16);
  CHECK(lin.heads == 4);

  ExperimentConfig d = apply_override(c, "model.heads=2");
  CHECK(d.model.options.get<ViTOptions>().heads == 2);
  CHECK(d.model.attention.get<LinformerOptions>().heads == 2);
  CHECK(d.model.attention.get<LinformerOptions>().proj_k == 16);
  ExperimentConfig e = apply_override(d, "model.attention.type=softmax");
  CHECK(e.model.attention_type() == "softmax");
  CHECK(linattn::test::has(linattn::test::error_of([&] { apply_override(c, "optim.lr=0"); }),
                           "--set optim.lr=0: optim.lr: must be > 0"));
}

TEST_CASE("to_yaml writes every key and parses back to the same config") {
  for (const auto& type : attention_types()) {
    CAPTURE(type);
    ExperimentConfig c = parse_config_string("", "rt.yaml",
                                             {"model.attention.type=" + type, "seed=11", "optim.lr=0.1",
                                              "optim.weight_decay=0.3", "data.augment.mixup_alpha=0.8",
                                              "optim.betas=[0.85, 0.975]", "train.tf32=false", "data.root=/tmp/x y",
                                              "model.mlp_ratio=3", "optim.min_lr=1e-7", "device=cuda:2"});
    std::string text = to_yaml(c);
    ExperimentConfig back = parse_config_string(text, "written.yaml");
    CHECK(back == c);
    CHECK(to_yaml(back) == text);
    CHECK(text.find("type: " + type) != std::string::npos);
    for (const auto& key : attention_option_keys(type))
      if (key != "heads") CHECK_MESSAGE(text.find("    " + key + ": ") != std::string::npos, key);
  }
  // Non-default attention options survive too.
  ExperimentConfig c = parse_config_string(
      "model:\n  attention:\n    type: linformer\n    proj_k: 24\n    sharing: kv\n    dropout: 0.125\n"
      "    emulate_public_layout_bug: True\n",
      "rt.yaml");
  ExperimentConfig back = parse_config_string(to_yaml(c), "rt.yaml");
  CHECK(back == c);
  CHECK(back.model.attention.get<LinformerOptions>().emulate_public_layout_bug);
  CHECK_FALSE(back == parse_config_string("", "rt.yaml"));
}

TEST_CASE("attention_option_values lists exactly the keys of each type") {
  for (const auto& type : attention_types()) {
    CAPTURE(type);
    AttentionOptions defaults = parse_attention_options(type, {});
    auto values = attention_option_values(defaults);
    std::vector<std::string> keys;
    std::map<std::string, std::string> as_map;
    for (const auto& [k, v] : values) keys.push_back(k), as_map[k] = v;
    CHECK(keys == attention_option_keys(type));
    CHECK(attention_option_values(parse_attention_options(type, as_map)) == values);
  }
}

TEST_CASE("every file in configs/ parses") {
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(fs::path(LINATTN_SOURCE_DIR) / "configs"))
    if (entry.path().extension() == ".yaml") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 10);
  for (const auto& file : files) {
    CAPTURE(file.string());
    ExperimentConfig c = load_config(file.string());
    CHECK(c.name == file.stem().string());
    CHECK(parse_config_string(to_yaml(c), file.string()) == c);
  }
  std::string dir = std::string(LINATTN_SOURCE_DIR) + "/configs/";
  for (const auto& type : attention_types()) {
    ExperimentConfig c = load_config(dir + "vit_cifar10_" + type + ".yaml");
    CHECK(c.model.attention_type() == type);
    CHECK(c.model.options.get<ViTOptions>().dim == 192);
    CHECK(c.model.options.get<ViTOptions>().depth == 6);
    CHECK(c.model.options.get<ViTOptions>().heads == 3);
    CHECK(c.model.options.get<ViTOptions>().pool == "mean");
  }
  CHECK(load_config(dir + "vit_cifar10_linformer.yaml").model.attention.get<LinformerOptions>().proj_k == 32);
  ExperimentConfig ea = load_config(dir + "eamlp_cifar10.yaml");
  CHECK(ea.model.name == "eamlp");
  CHECK(ea.model.attention_type() == "external");
  ExperimentConfig overfit = load_config(dir + "overfit_one_batch.yaml");
  CHECK(overfit.data.train_subset == overfit.data.batch_size);
  CHECK(overfit.data.augment.crop_padding == 0);
  CHECK_FALSE(overfit.data.augment.flip);
}
