// tests/train/test_config_detection.cpp — the config keys of the detection task and of COCO data:
// data.image_size, data.categories (a list of names), data.eval_split,
// data.augment.scale_min / scale_max, optim.backbone_lr_scale and the `detection:` section —
// their defaults (those of the detection toolkit's options), their round trip through to_yaml,
// --set, and every error naming the key with its file and line.
#include <doctest/doctest.h>

#include "data/box_transforms.h"
#include "detection/postprocess.h"
#include "detection/set_criterion.h"
#include "train/config.h"
#include "train/config_test_util.h"
#include "train/dataset_info.h"

using namespace linattn;
using linattn::test::has;
using linattn::test::parse_error;

namespace {
constexpr const char* kCoco = "task: detection\nmodel:\n  num_classes: 80\ndata:\n  dataset: coco\n";
}

TEST_CASE("detection keys: the defaults are the detection toolkit's") {
  const ExperimentConfig c = parse_config_string("", "exp.yaml");
  CHECK(c.data.image_size == 0);
  CHECK(c.data.categories.empty());
  CHECK(c.data.eval_split == EvalSplit::Val);
  const DetectionTransformOptions transforms;
  CHECK(c.data.augment.scale_min == transforms.scale_min);
  CHECK(c.data.augment.scale_max == transforms.scale_max);
  CHECK(c.data.augment.color_jitter == transforms.photometric.brightness);
  CHECK(c.data.augment.color_jitter == transforms.photometric.saturation);
  CHECK(c.optim.backbone_lr_scale == 1.0);
  const detection::SetCriterionOptions criterion;
  const detection::MatcherOptions matcher;
  const DetectionConfig& d = c.detection;
  CHECK(d.eos_coef == criterion.eos_coef);
  CHECK(d.loss_ce == criterion.weight_ce);
  CHECK(d.loss_bbox == criterion.weight_bbox);
  CHECK(d.loss_giou == criterion.weight_giou);
  CHECK(d.focal_alpha == criterion.focal_alpha);
  CHECK(d.focal_gamma == criterion.focal_gamma);
  CHECK(d.cost_class == matcher.cost_class);
  CHECK(d.cost_bbox == matcher.cost_bbox);
  CHECK(d.cost_giou == matcher.cost_giou);
  CHECK(d.aux_loss);
  CHECK(d.max_detections == detection::PostprocessOptions{}.max_detections);
  // Every key is written, the empty list as [].
  const std::string yaml = to_yaml(c);
  for (const char* key : {"  image_size: 0\n", "  categories: []\n", "  eval_split: val\n", "    scale_min: 0.6\n",
                          "    scale_max: 1.4\n", "    color_jitter: 0.4\n", "  backbone_lr_scale: 1.0\n", "detection:\n  eos_coef: 0.1\n",
                          "  aux_loss: true\n  max_detections: 100\n"})
    CHECK_MESSAGE(has(yaml, key), key);
}

TEST_CASE("detection keys: set, written back and read again to the same config") {
  const ExperimentConfig c = parse_config_string(std::string(kCoco) +
                                                     "detection:\n  cost_class: 2\n  loss_ce: 2\n  aux_loss: no\n",
                                                 "exp.yaml",
                                                 {"data.categories=[person, potted plant]", "model.num_classes=2",
                                                  "data.image_size=320", "data.eval_split=train",
                                                  "data.augment.scale_max=1.2", "data.augment.color_jitter=0", "optim.backbone_lr_scale=0.1",
                                                  "detection.max_detections=30", "detection.focal_gamma=0"});
  CHECK(c.task == "detection");
  CHECK(c.data.categories == std::vector<std::string>{"person", "potted plant"});
  CHECK(c.model.image_size == 320);
  CHECK(c.data.eval_split == EvalSplit::Train);
  CHECK(c.data.augment.scale_max == 1.2);
  CHECK(c.data.augment.color_jitter == 0);
  CHECK(c.optim.backbone_lr_scale == 0.1);
  CHECK(c.detection.cost_class == 2);
  CHECK(c.detection.loss_ce == 2);
  CHECK_FALSE(c.detection.aux_loss);
  CHECK(c.detection.max_detections == 30);
  CHECK(c.detection.focal_gamma == 0);
  const std::string yaml = to_yaml(c);
  CHECK(has(yaml, "  categories: [person, potted plant]\n"));
  const ExperimentConfig back = parse_config_string(yaml, "written.yaml");
  CHECK(back == c);
  CHECK(to_yaml(back) == yaml);
  // A later layer replaces a list (lists do not merge); null empties it.
  CHECK(apply_override(c, "data.categories=[dog, cat]").data.categories == std::vector<std::string>{"dog", "cat"});
  CHECK(parse_config_string(std::string(kCoco) + "  categories:\n", "exp.yaml").data.categories.empty());
  CHECK(parse_config_string(std::string(kCoco) + "  categories: [person]\n", "exp.yaml", {"data.categories=[]"})
            .data.categories.empty());
}

TEST_CASE("detection keys: dataset_info follows data.image_size and data.categories") {
  DataConfig d;
  CHECK(dataset_info(d).image_size == 32);
  CHECK(dataset_info(d).num_classes == 10);
  d.dataset = DatasetName::Coco;
  CHECK(dataset_info(d).image_size == 256);
  CHECK(dataset_info(d).num_classes == 80);
  d.image_size = 384;
  d.categories = {"person"};
  CHECK(dataset_info(d).image_size == 384);
  CHECK(dataset_info(d).num_classes == 1);
  CHECK(dataset_info(d).mean == std::array<float, 3>{0.485f, 0.456f, 0.406f});
}

TEST_CASE("detection keys: every bad value names the key, the file and line, and what is expected") {
  CHECK(has(parse_error("data:\n  image_size: 64\n"),
            "exp.yaml:2: data.image_size: CIFAR-10 images are 32x32: use 0 (the dataset's) or 32; got 64"));
  CHECK(has(parse_error(std::string(kCoco) + "  image_size: -1\n"), "exp.yaml:6: data.image_size: must be >= 0"));
  CHECK(has(parse_error(std::string(kCoco) + "  image_size: big\n"),
            "exp.yaml:6: data.image_size: expects an integer, got 'big'"));
  CHECK(has(parse_error(std::string(kCoco) + "  categories: person\n"),
            "exp.yaml:6: data.categories: expects a list of names, like [person, car] ([] for none), got 'person'"));
  CHECK(has(parse_error(std::string(kCoco) + "  categories: [person, [a]]\n"),
            "exp.yaml:6: data.categories: expects a list of names"));
  CHECK(has(parse_error(std::string(kCoco) + "  categories: [person, dog, person]\n", {"model.num_classes=3"}),
            "exp.yaml:6: data.categories: names 'person' twice"));
  CHECK(has(parse_error("data:\n  categories: [person]\n"),
            "exp.yaml:2: data.categories: filters the categories of a COCO dataset; cifar10 has none"));
  CHECK(has(parse_error(std::string(kCoco) + "  eval_split: test\n"),
            "exp.yaml:6: data.eval_split: unknown value 'test'"));
  CHECK(has(parse_error(std::string(kCoco) + "  eval_split: test\n"), "expected one of val, train"));
  CHECK(has(parse_error("data:\n  eval_split: train\n"), "exp.yaml:2: data.eval_split: cifar10 is evaluated on its test split"));
  CHECK(has(parse_error(std::string(kCoco) + "  augment:\n    scale_min: 0\n"),
            "exp.yaml:7: data.augment.scale_min: must be > 0; got 0"));
  CHECK(has(parse_error(std::string(kCoco) + "  augment:\n    color_jitter: 1.5\n"),
            "exp.yaml:7: data.augment.color_jitter: must be in [0, 1] (0 turns it off); got 1.5"));
  CHECK(has(parse_error(std::string(kCoco) + "  augment:\n    scale_min: 0.9\n    scale_max: 0.8\n"),
            "exp.yaml:8: data.augment.scale_max: must be >= data.augment.scale_min (0.9, from exp.yaml:7); got 0.8"));
  CHECK(has(parse_error("task: detection\n"),
            "default: data.dataset: task (detection, from exp.yaml:1) reads COCO-format data: use coco; got cifar10"));
  CHECK(has(parse_error(std::string(kCoco), {"optim.backbone_lr_scale=-0.1"}),
            "--set optim.backbone_lr_scale=-0.1: optim.backbone_lr_scale: must be >= 0 (0 freezes the backbone)"));
  const std::string det = std::string(kCoco) + "detection:\n";
  CHECK(has(parse_error(det + "  eos_coef: 0\n"), "exp.yaml:7: detection.eos_coef: must be > 0; got 0"));
  CHECK(has(parse_error(det + "  loss_giou: -2\n"), "exp.yaml:7: detection.loss_giou: must be >= 0; got -2"));
  CHECK(has(parse_error(det + "  cost_class: 0\n  cost_bbox: 0\n  cost_giou: 0\n"),
            "exp.yaml:7: detection.cost_class: the matcher needs some cost"));
  CHECK(has(parse_error(det + "  focal_alpha: 1.5\n"), "exp.yaml:7: detection.focal_alpha: must be in [0, 1]; got 1.5"));
  CHECK(has(parse_error(det + "  max_detections: 0\n"), "exp.yaml:7: detection.max_detections: must be > 0; got 0"));
  CHECK(has(parse_error(det + "  aux_loss: sometimes\n"), "exp.yaml:7: detection.aux_loss: expects true or false"));
  const std::string m = parse_error(det + "  eos_coeff: 0.1\n");
  CHECK(has(m, "exp.yaml:7: detection.eos_coeff: unknown key 'eos_coeff' in detection (did you mean 'eos_coef'?)"));
  CHECK(has(m, "valid keys: eos_coef, cost_class, cost_bbox, cost_giou, loss_ce, loss_bbox, loss_giou, focal_alpha, "
               "focal_gamma, aux_loss, max_detections"));
  CHECK(has(parse_error(kCoco, {"detection.cost_bbx=1"}), "did you mean 'detection.cost_bbox'?"));
}
