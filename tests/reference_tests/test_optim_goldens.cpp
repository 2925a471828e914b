// tests/reference_tests/test_optim_goldens.cpp — SGD, AdamW and clip_grad_norm against
// torch.optim / clip_grad_norm_: five steps from the same parameters with the same gradients
// (some parameters skip a step without a gradient), parameters compared after every step.
#include <doctest/doctest.h>

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include "core/ops.h"
#include "support/reference.h"
#include "train/optim/adamw.h"
#include "train/optim/clip_grad.h"
#include "train/optim/sgd.h"

using namespace linattn;
using namespace linattn::testing;

namespace {

using MakeOptimizer = std::function<std::unique_ptr<Optimizer>(const std::vector<Tensor>&)>;

ParamGroupSpec group(const Tensor& p, std::optional<double> lr = {}, std::optional<double> wd = {}) {
  return ParamGroupSpec{{p}, lr, wd};
}

// The same cases and hyperparameters as optim_cases() in make_core_goldens.py.
const std::map<std::string, MakeOptimizer>& optim_cases() {
  static const std::map<std::string, MakeOptimizer> cases = {
      {"adamw", [](const std::vector<Tensor>& p) {
         return std::make_unique<AdamW>(std::vector<ParamGroupSpec>{group(p[0]), group(p[1], 0.03, 0.0)},
                                        AdamWOptions{.lr = 0.01, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8,
                                                     .weight_decay = 0.1});
       }},
      {"adamw_betas", [](const std::vector<Tensor>& p) {
         return std::make_unique<AdamW>(p, AdamWOptions{.lr = 0.05, .beta1 = 0.8, .beta2 = 0.99, .eps = 1e-6,
                                                        .weight_decay = 0.02});
       }},
      {"sgd", [](const std::vector<Tensor>& p) { return std::make_unique<SGD>(p, SgdOptions{.lr = 0.1}); }},
      {"sgd_momentum", [](const std::vector<Tensor>& p) {
         return std::make_unique<SGD>(p, SgdOptions{.lr = 0.1, .momentum = 0.9, .weight_decay = 0.01});
       }},
      {"sgd_dampening", [](const std::vector<Tensor>& p) {
         return std::make_unique<SGD>(p, SgdOptions{.lr = 0.1, .momentum = 0.9, .dampening = 0.3});
       }},
      {"sgd_nesterov", [](const std::vector<Tensor>& p) {
         return std::make_unique<SGD>(std::vector<ParamGroupSpec>{group(p[0]), group(p[1], 0.2)},
                                      SgdOptions{.lr = 0.05, .momentum = 0.9, .weight_decay = 0.01, .nesterov = true});
       }},
  };
  return cases;
}

constexpr int kSteps = 5;
constexpr int kParams = 2;

void check_optim_goldens(const std::string& file) {
  SafetensorsFile golden = load_golden_or_skip(file);
  std::set<std::string> ours = {"clip"}, listed;
  for (const auto& [name, make] : optim_cases()) ours.insert(name);
  std::stringstream in(golden.metadata.count("cases") ? golden.metadata.at("cases") : "");
  for (std::string name; std::getline(in, name, ',');) listed.insert(name);
  CHECK_MESSAGE(listed == ours, "the cases of ", file, " and of this test differ");

  for (const auto& [name, make] : optim_cases()) {
    std::vector<Tensor> params;
    for (int i = 0; i < kParams; ++i) params.push_back(golden.at(str_cat(name, ".p", i, ".init")).clone().requires_grad_());
    std::unique_ptr<Optimizer> opt = make(params);
    for (int s = 0; s < kSteps; ++s) {
      for (int i = 0; i < kParams; ++i) {
        std::string key = str_cat(name, ".grad.", s, ".p", i);
        if (golden.contains(key)) params[i].set_grad(golden.at(key).clone());
        else params[i].zero_grad();
      }
      opt->step();
      for (int i = 0; i < kParams; ++i) {
        std::string key = str_cat(name, ".p", i, ".step", s);
        CHECK_MATCHES_GOLDEN(key, params[i], golden.at(key));
      }
    }
  }

  std::vector<Tensor> params;
  for (int i = 0; i < kParams; ++i) {
    params.push_back(golden.at(str_cat("adamw.p", i, ".init")).clone().requires_grad_());
    params.back().set_grad(golden.at(str_cat("clip.grad.p", i)).clone());
  }
  double norm = clip_grad_norm(params, 0.5);
  const Tensor& expected = golden.at("clip.norm");
  CHECK_MATCHES_GOLDEN("clip.norm", scalar(norm, {.dtype = expected.dtype()}), expected);
  for (int i = 0; i < kParams; ++i)
    CHECK_MATCHES_GOLDEN(str_cat("clip.clipped.p", i), params[i].grad(), golden.at(str_cat("clip.clipped.p", i)));
}

}  // namespace

TEST_CASE("SGD, AdamW and clip_grad_norm follow torch.optim in float64") { check_optim_goldens("optim_f64.safetensors"); }

TEST_CASE("SGD, AdamW and clip_grad_norm follow torch.optim in float32") { check_optim_goldens("optim_f32.safetensors"); }
