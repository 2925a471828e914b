// tests/train/test_config_errors.cpp — every class of config error names the key path, the
// source (file and line, or the --set) and what is expected: unknown keys (with a suggestion),
// wrong types, inconsistent values, attention options, missing files, YAML syntax, bad --set.
#include <doctest/doctest.h>

#include "train/config.h"
#include "train/config_test_util.h"

using namespace linattn;
using linattn::test::error_of;
using linattn::test::has;
using linattn::test::parse_error;

TEST_CASE("an unknown key names path, file and line, and suggests the closest key") {
  std::string m = parse_error("optim:\n  lr: 1.0e-3\n  weight_decy: 0.1\n");
  CHECK(has(m, "exp.yaml:3: optim.weight_decy: unknown key 'weight_decy' in optim"));
  CHECK(has(m, "did you mean 'weight_decay'?"));
  CHECK(has(m, "valid keys: name, lr, backbone_lr_scale, weight_decay"));

  m = parse_error("seed: 1\ndata:\n  augment:\n    randaugment:\n      nn: 2\n");
  CHECK(has(m, "exp.yaml:5: data.augment.randaugment.nn"));
  CHECK(has(m, "did you mean 'n'?"));

  m = parse_error("seed: 1\nzzzzzzzzzz: 3\n");  // nothing close: no suggestion, the list
  CHECK(has(m, "exp.yaml:2: zzzzzzzzzz: unknown key 'zzzzzzzzzz'"));
  CHECK_FALSE(has(m, "did you mean"));
  CHECK(has(m, "valid keys: name, task, seed, device, threads, data, model, detection, optim, train, base"));
}

TEST_CASE("a value of the wrong type names the key, line and expected type") {
  CHECK(has(parse_error("data:\n  batch_size: abc\n"), "exp.yaml:2: data.batch_size: expects an integer, got 'abc'"));
  CHECK(has(parse_error("data:\n  batch_size: 1.5\n"), "data.batch_size: expects an integer, got '1.5'"));
  CHECK(has(parse_error("optim:\n  lr:\n    a: 1\n"), "exp.yaml:2: optim.lr: expects a number, got a map"));
  CHECK(has(parse_error("optim:\n  lr:\n"), "optim.lr: expects a number, got nothing"));
  CHECK(has(parse_error("optim:\n  lr: .nan\n"), "optim.lr: expects a finite number"));
  CHECK(has(parse_error("model: 3\n"), "exp.yaml:1: model: expects a map of name, dim, depth"));
  CHECK(has(parse_error("train:\n  tf32: maybe\n"), "train.tf32: expects true or false, got 'maybe'"));
  CHECK(has(parse_error("optim:\n  betas: [0.9]\n"), "optim.betas: expects a list of two numbers"));
  CHECK(has(parse_error("optim:\n  betas: [0.9, x]\n"), "optim.betas: expects a list of two numbers"));
  CHECK(has(parse_error("device: gpu\n"), "device: expects a device: cpu, cuda or cuda:N, got 'gpu'"));
  CHECK(has(parse_error("name: [a, b]\n"), "name: expects a string, got a list"));
  CHECK(has(parse_error("- 1\n- 2\n"), "a config is a map of keys"));
  CHECK(has(parse_error("seed: 1\nseed: 2\n"), "exp.yaml:2: seed: is given twice"));
}

TEST_CASE("an unknown enum value lists the valid ones") {
  std::string m = parse_error("model:\n  pool: avg\n");
  CHECK(has(m, "exp.yaml:2: model.pool: unknown value 'avg'"));
  CHECK(has(m, "expected one of mean, cls"));
  CHECK(has(parse_error("optim:\n  name: adam\n"), "did you mean 'adamw'?"));
  CHECK(has(parse_error("optim:\n  schedule: cosin\n"), "did you mean 'cosine'?"));
  CHECK(has(parse_error("data:\n  dataset: mnist\n"), "expected one of cifar10, coco"));
}

TEST_CASE("inconsistent values name the key, where it was set and what is expected") {
  std::string m = parse_error("model:\n  dim: 100\n  heads: 3\n");
  CHECK(has(m, "exp.yaml:3: model.heads: must divide model.dim (100, from exp.yaml:2); got 3"));
  CHECK(has(parse_error("data:\n  batch_size: 0\n"), "exp.yaml:2: data.batch_size: must be > 0; got 0"));
  CHECK(has(parse_error("optim:\n  lr: -1\n"), "exp.yaml:2: optim.lr: must be > 0; got -1"));
  CHECK(has(parse_error("train:\n  epochs: 0\n"), "train.epochs: must be > 0; got 0"));
  CHECK(has(parse_error("model:\n  patch: 5\n"), "model.patch: must divide the image side (32 for cifar10); got 5"));
  CHECK(has(parse_error("model:\n  num_classes: 100\n"), "CIFAR-10 has 10 classes"));
  CHECK(has(parse_error("model:\n  mlp_ratio: 2.001\n"), "model.mlp_ratio"));
  CHECK(has(parse_error("optim:\n  betas: [0.9, 1.5]\n"), "optim.betas: each beta must be in [0, 1)"));
  CHECK(has(parse_error("optim:\n  min_lr: 1\n"), "optim.min_lr: must be in [0, optim.lr"));
  CHECK(has(parse_error("optim:\n  warmup_epochs: 20\ntrain:\n  epochs: 10\n"),
            "exp.yaml:2: optim.warmup_epochs: must not exceed train.epochs (10, from exp.yaml:4)"));
  CHECK(has(parse_error("optim:\n  schedule: step\n  gamma: 0\n"), "optim.gamma: must be in (0, 1]"));
  CHECK(has(parse_error("optim:\n  name: sgd\n  momentum: 0\n  nesterov: true\n"), "optim.nesterov"));
  CHECK(has(parse_error("data:\n  augment:\n    label_smoothing: 1\n"), "data.augment.label_smoothing: must be in [0, 1)"));
  CHECK(has(parse_error("data:\n  dataset: coco\n  format: binary\n"), "data.format"));
  CHECK(has(parse_error("name: ../x\n"), "name: must be a folder name"));
  CHECK(has(parse_error("threads: 0\n"), "threads: must be > 0"));
  // A value never set is cited as a default.
  CHECK(has(parse_error("model:\n  dim: 100\n"), "default: model.heads: must divide model.dim (100, from exp.yaml:2); got 3"));
}

TEST_CASE("attention constraints and options are checked with their key path") {
  std::string m = parse_error("model:\n  pool: cls\n  attention:\n    type: cos2d\n");
  CHECK(has(m, "exp.yaml:4: model.attention.type: cos2d needs every token on the grid"));
  CHECK(has(m, "model.pool (cls, from exp.yaml:2)"));

  m = parse_error("model:\n  attention:\n    type: linformer\n    proj_k: abc\n");
  CHECK(has(m, "exp.yaml:4: model.attention.proj_k:"));
  CHECK(has(m, "expects an integer, got 'abc'"));

  m = parse_error("model:\n  attention:\n    type: linformer\n    proj_kk: 3\n");
  CHECK(has(m, "exp.yaml:4: model.attention.proj_kk: unknown option 'proj_kk' for attention type 'linformer'"));
  CHECK(has(m, "did you mean 'proj_k'?"));

  m = parse_error("model:\n  attention:\n    proj_k: 32\n");  // softmax has no proj_k
  CHECK(has(m, "model.attention.proj_k: unknown option 'proj_k' for attention type 'softmax'"));

  m = parse_error("model:\n  attention:\n    type: linformr\n");
  CHECK(has(m, "exp.yaml:3: model.attention.type: unknown attention type 'linformr' (did you mean 'linformer'?)"));

  CHECK(has(parse_error("model:\n  attention:\n    heads: 4\n"), "model.attention.heads: the attention's heads come from model.heads"));
  CHECK(has(parse_error("model:\n  attention:\n    type: linformer\n    sharing: both\n"),
            "model.attention.sharing: attention option 'sharing' must be one of none, kv"));
  CHECK(has(parse_error("model:\n  attention:\n    type: cos2d\n    M: 5\n"),
            "exp.yaml:4: model.attention.M: must exceed max(H, W) - 1 = 7"));
  CHECK(has(parse_error("model:\n  attention:\n    type: softmax\n    attn_drop: 1.5\n"), "model.attention.attn_drop: must be in [0, 1)"));
  CHECK(has(parse_error("model:\n  pool: cls\n  attention:\n    type: linformer\n"), "set seq_len: 65"));
  CHECK(has(parse_error("model:\n  attention:\n    type: linformer\n    seq_len: 32\n"),
            "model.attention.seq_len: must be at least the 64 tokens"));
  CHECK(has(parse_error("model:\n  attention:\n    type: efficient\n    key_channels: 100\n"),
            "model.attention.key_channels: 100 channels must split evenly over model.heads"));
  CHECK(has(parse_error("model:\n  attention:\n    type: external\n    S: {a: 1}\n"),
            "model.attention.S: expects a single value, got a map"));
  CHECK(has(parse_error("model:\n  attention: softmax\n"), "model.attention: expects a map with `type`"));
}

TEST_CASE("a missing file or base and a YAML syntax error name the path") {
  linattn::test::ScratchDir dir;
  std::string missing = dir.path("nope.yaml");
  CHECK(has(error_of([&] { load_config(missing); }), "config file '" + missing + "' does not exist"));
  CHECK(has(error_of([&] { load_config(dir.path("")); }), "is not a file"));

  std::string child = dir.write("child.yaml", "seed: 1\nbase: parent.yaml\n");
  std::string m = error_of([&] { load_config(child); });
  CHECK(has(m, "config file '" + dir.path("parent.yaml") + "' does not exist"));
  CHECK(has(m, "named by base: at " + child + ":2"));

  std::string bad = dir.write("bad.yaml", "optim:\n  lr: [1, 2\nseed: 3\n");
  m = error_of([&] { load_config(bad); });
  CHECK(has(m, bad + ":3:"));
  CHECK(has(m, "YAML syntax error"));
  CHECK(has(parse_error("a: b: c\n"), "exp.yaml:1:"));

  dir.write("loop_a.yaml", "base: loop_b.yaml\n");
  std::string b = dir.write("loop_b.yaml", "base: loop_a.yaml\n");
  CHECK(has(error_of([&] { load_config(b); }), "base: the base chain loops"));
}

TEST_CASE("bad --set overrides say so and name the path") {
  std::string m = parse_error("", {"optim.lrr=1"});
  CHECK(has(m, "--set optim.lrr=1: optim.lrr: unknown key 'optim.lrr' given with --set (did you mean 'optim.lr'?)"));
  m = parse_error("", {"data.batch_size=abc"});
  CHECK(has(m, "--set data.batch_size=abc: data.batch_size: expects an integer, got 'abc'"));
  CHECK(has(parse_error("", {"optim.lr=-1"}), "--set optim.lr=-1: optim.lr: must be > 0"));
  CHECK(has(parse_error("", {"optim.lr"}), "--set optim.lr: expected key.path=value"));
  CHECK(has(parse_error("", {"model.attention.proj_k=3"}), "--set model.attention.proj_k=3: model.attention.proj_k: unknown option"));
  CHECK(has(parse_error("", {"optim.lr=[1"}), "is not valid YAML"));
  CHECK(has(parse_error("", {"base=x.yaml"}), "base can only be given inside a config file"));
  CHECK(has(parse_error("", {"model=3"}), "--set model=3: model: expects a map of"));
  CHECK(has(parse_error("", {"model.pool=avg"}), "--set model.pool=avg: model.pool: unknown value 'avg'"));
}

TEST_CASE("text that is not UTF-8 is an error naming file, line and column; UTF-8 text round-trips") {
  // Found by tests/fuzz/fuzz_config: yaml-cpp passed the bytes of "c,\xD4\xD3" through, and the
  // resolved config.yaml did not read back to the same value.
  CHECK(has(parse_error("seed: 1\ndata:\n  root: c,\xD4\xD3,\n"), "exp.yaml:3:11: the text is not valid UTF-8 (byte 0xD4)"));
  CHECK(has(parse_error("name: \xC0\xAF\n"), "exp.yaml:1:7: the text is not valid UTF-8 (byte 0xC0)"));  // overlong '/'
  CHECK(has(parse_error("name: \xED\xA0\x80\n"), "not valid UTF-8 (byte 0xED)"));                          // a surrogate
  CHECK(has(parse_error("name: ok\n", {"data.root=\xFF"}), "--set data.root=\xFF:1:11: the text is not valid UTF-8"));
  ExperimentConfig c = parse_config_string("data:\n  root: caf\xC3\xA9-\xE2\x88\x9A-\xF0\x9F\x99\x82\n", "exp.yaml");
  CHECK(c.data.root == "caf\xC3\xA9-\xE2\x88\x9A-\xF0\x9F\x99\x82");
  CHECK(parse_config_string(to_yaml(c), "roundtrip.yaml") == c);
}
