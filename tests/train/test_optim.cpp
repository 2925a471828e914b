// tests/train/test_optim.cpp — SGD, AdamW and clip_grad_norm on hand-computed values; parameter
// groups, skipped parameters, the state dict (exact resume through safetensors) and its errors.
// The PyTorch trajectories are checked in tests/reference_tests/test_optim_goldens.cpp.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>

#include "core/ops.h"
#include "core/safetensors.h"
#include "train/optim/adamw.h"
#include "train/optim/clip_grad.h"
#include "train/optim/sgd.h"

using namespace linattn;

namespace {
Tensor param64(const std::vector<double>& v) {
  return from_values(v, {static_cast<std::int64_t>(v.size())}, {.dtype = DType::F64, .requires_grad = true});
}
void set_grad64(Tensor& p, const std::vector<double>& g) {
  p.set_grad(from_values(g, p.shape(), {.dtype = DType::F64}));
}
}  // namespace

TEST_CASE("SGD with momentum and weight decay follows torch.optim.SGD by hand") {
  Tensor p = param64({1.0, 2.0});
  SGD opt({p}, {.lr = 0.1, .momentum = 0.9, .weight_decay = 0.5});
  set_grad64(p, {0.5, -1.0});
  opt.step();  // d = g + 0.5·p = (1, 0); buf = d; p -= 0.1·d
  CHECK(p.to_vector<double>() == std::vector<double>{0.9, 2.0});
  opt.step();  // d = (0.5 + 0.45, -1 + 1) = (0.95, 0); buf = 0.9·(1, 0) + d = (1.85, 0)
  CHECK(p.at({0}) == doctest::Approx(0.9 - 0.185).epsilon(1e-15));
  CHECK(p.at({1}) == 2.0);
  CHECK(opt.step_count() == 2);
}

TEST_CASE("SGD Nesterov and plain SGD") {
  Tensor p = param64({1.0}), q = param64({1.0});
  SGD nesterov({p}, {.lr = 0.1, .momentum = 0.5, .nesterov = true});
  SGD plain({q}, {.lr = 0.1});
  set_grad64(p, {2.0});
  set_grad64(q, {2.0});
  nesterov.step();  // buf = 2; d = 2 + 0.5·2 = 3
  plain.step();
  CHECK(p.item() == doctest::Approx(0.7).epsilon(1e-15));
  CHECK(q.item() == doctest::Approx(0.8).epsilon(1e-15));
  CHECK(plain.state_dict().size() == 5);  // step_count, 3 group fields, state.0.step (no buffer)
}

TEST_CASE("AdamW's first step is lr·sign(g) after decoupled decay") {
  Tensor p = param64({1.0, -2.0});
  AdamW opt({p}, {.lr = 0.01, .weight_decay = 0.1});
  set_grad64(p, {0.3, -4.0});
  opt.step();  // m̂ = g, v̂ = g², update = lr·g/(|g| + eps)
  CHECK(p.at({0}) == doctest::Approx(1.0 * (1 - 0.001) - 0.01 * 0.3 / (0.3 + 1e-8)).epsilon(1e-14));
  CHECK(p.at({1}) == doctest::Approx(-2.0 * (1 - 0.001) + 0.01 * 4.0 / (4.0 + 1e-8)).epsilon(1e-14));
}

TEST_CASE("parameters without a gradient are skipped, groups override lr and weight decay") {
  Tensor a = param64({1.0}), b = param64({1.0}), c = param64({1.0});
  SGD opt({ParamGroupSpec{{a, b}, {}, {}}, ParamGroupSpec{{c}, 1.0, 0.25}}, {.lr = 0.1});
  CHECK(opt.param_groups()[1].lr == 1.0);
  CHECK(opt.param_groups()[1].weight_decay == 0.25);
  CHECK(opt.param_groups()[0].weight_decay == 0.0);
  set_grad64(a, {1.0});
  set_grad64(c, {1.0});
  opt.step();
  CHECK(a.item() == doctest::Approx(0.9).epsilon(1e-15));
  CHECK(b.item() == 1.0);                                    // no grad: untouched
  CHECK(c.item() == doctest::Approx(1.0 - 1.25).epsilon(1e-15));  // lr 1, wd 0.25
  NamedTensors state = opt.state_dict();
  auto has = [&](const std::string& k) {
    for (auto& [n, t] : state)
      if (n == k) return true;
    return false;
  };
  CHECK(has("state.0.step"));
  CHECK_FALSE(has("state.1.step"));
  CHECK(has("state.2.step"));
  opt.zero_grad();
  CHECK_FALSE(a.grad().defined());
  CHECK_FALSE(c.grad().defined());
}

TEST_CASE("an optimizer step bumps the parameter's version, so stale graphs are refused") {
  Tensor p = param64({1.0, 2.0});
  Tensor loss = sum(exp(p));  // exp saves its output, not p; mul saves p
  Tensor loss2 = sum(mul(p, p));
  loss.backward();
  SGD opt({p}, {.lr = 0.1});
  opt.step();
  CHECK_THROWS_WITH_AS(loss2.backward(), doctest::Contains("modified in place"), Error);
}

TEST_CASE("optimizer constructors check their arguments") {
  Tensor p = param64({1.0});
  CHECK_THROWS_WITH_AS(SGD(std::vector<Tensor>{}, {}), doctest::Contains("empty parameter list"), Error);
  CHECK_THROWS_WITH_AS(SGD({p, p}, {}), doctest::Contains("appears more than once"), Error);
  CHECK_THROWS_WITH_AS(SGD({mul(p, 2.0)}, {}), doctest::Contains("leaf tensors only"), Error);
  CHECK_THROWS_WITH_AS(SGD({arange(3)}, {}), doctest::Contains("only float tensors"), Error);
  CHECK_THROWS_WITH_AS(SGD({p}, {.nesterov = true}), doctest::Contains("Nesterov momentum needs momentum > 0"), Error);
  CHECK_THROWS_WITH_AS(AdamW({p}, {.beta1 = 1.0}), doctest::Contains("beta1 must be in [0, 1)"), Error);
  CHECK_THROWS_WITH_AS(AdamW({p}, {.lr = -1}), doctest::Contains("learning rate must be"), Error);
}

TEST_CASE("AdamW state dict through safetensors resumes bit for bit, float32") {
  auto grad_at = [](int step, const Tensor& p) {
    Generator gen(100 + static_cast<std::uint64_t>(step));
    return randn(p.shape(), {}, &gen);
  };
  auto make_params = [] {
    Generator gen(7);
    Tensor w = randn({3, 4}, {}, &gen), b = randn({4}, {}, &gen);
    w.requires_grad_();
    b.requires_grad_();
    return std::vector<Tensor>{w, b};
  };
  auto run_steps = [&](AdamW& opt, std::vector<Tensor>& ps, int from, int to) {
    for (int s = from; s < to; ++s) {
      for (auto& p : ps) p.set_grad(grad_at(s, p));
      if (s == 1) ps[1].zero_grad();  // b skips one step: its step count lags
      opt.step();
    }
  };
  std::vector<Tensor> ref = make_params();
  AdamW ref_opt({ParamGroupSpec{{ref[0]}, {}, {}}, ParamGroupSpec{{ref[1]}, 0.02, 0.0}}, {.lr = 0.01});
  run_steps(ref_opt, ref, 0, 6);

  std::vector<Tensor> first = make_params();
  AdamW first_opt({ParamGroupSpec{{first[0]}, {}, {}}, ParamGroupSpec{{first[1]}, 0.02, 0.0}}, {.lr = 0.01});
  run_steps(first_opt, first, 0, 3);
  first_opt.param_groups()[0].lr = 0.01;  // (a schedule would write this)
  std::string path = (std::filesystem::temp_directory_path() /
                      ("linattn_optim_" + std::to_string(::getpid()) + ".safetensors")).string();
  save_safetensors(path, first_opt.state_dict());
  SafetensorsFile file = load_safetensors(path);
  std::filesystem::remove(path);

  std::vector<Tensor> resumed = {first[0].detach().clone(), first[1].detach().clone()};
  for (auto& p : resumed) p.requires_grad_();
  AdamW resumed_opt({ParamGroupSpec{{resumed[0]}, {}, {}}, ParamGroupSpec{{resumed[1]}, 0.5, 0.5}}, {.lr = 0.3});
  resumed_opt.load_state_dict(file.tensors);
  CHECK(resumed_opt.step_count() == 3);
  CHECK(resumed_opt.param_groups()[1].lr == 0.02);
  CHECK(resumed_opt.param_groups()[1].weight_decay == 0.0);
  run_steps(resumed_opt, resumed, 3, 6);
  CHECK(resumed[0].to_vector<float>() == ref[0].to_vector<float>());
  CHECK(resumed[1].to_vector<float>() == ref[1].to_vector<float>());
  for (const auto& [name, t] : ref_opt.state_dict()) {
    CAPTURE(name);
    Tensor mine;
    for (const auto& [n, u] : resumed_opt.state_dict())
      if (n == name) mine = u;
    REQUIRE(mine.defined());
    CHECK(mine.shape() == t.shape());
    REQUIRE(mine.dtype() == t.dtype());
    CHECK(std::memcmp(mine.raw(), t.raw(), t.nbytes()) == 0);
  }
}

TEST_CASE("load_state_dict is strict and changes nothing on error") {
  Tensor w = from_values({1, 2, 3}, {3}, {.requires_grad = true});
  AdamW opt({w}, {.lr = 0.1});
  w.set_grad(ones({3}));
  opt.step();
  const NamedTensors good = opt.state_dict();
  auto with = [&](const std::string& key, const Tensor& t) {
    NamedTensors s = good;
    bool replaced = false;
    for (auto& [n, u] : s)
      if (n == key) u = t, replaced = true;
    if (!replaced) s.emplace_back(key, t);
    return s;
  };
  auto without = [&](const std::string& key) {
    NamedTensors s;
    for (const auto& [n, u] : good)
      if (n != key) s.emplace_back(n, u);
    return s;
  };
  Tensor fresh = from_values({1, 2, 3}, {3}, {.requires_grad = true});
  AdamW target({fresh}, {.lr = 0.5});
  CHECK_THROWS_WITH_AS(target.load_state_dict(with("state.0.bogus", zeros({3}))),
                       doctest::Contains("keeps no state named 'bogus'"), Error);
  CHECK_THROWS_WITH_AS(target.load_state_dict(with("state.0.exp_avg", zeros({4}))),
                       doctest::Contains("'state.0.exp_avg' is (4,) float32 but parameter 0 is (3,) float32"), Error);
  CHECK_THROWS_WITH_AS(target.load_state_dict(with("state.0.exp_avg", zeros({3}, {.dtype = DType::F64}))),
                       doctest::Contains("but parameter 0 is (3,) float32"), Error);
  CHECK_THROWS_WITH_AS(target.load_state_dict(with("state.1.step", scalar(1, {.dtype = DType::I64}))),
                       doctest::Contains("names parameter 1 but this optimizer has 1 parameters"), Error);
  CHECK_THROWS_WITH_AS(target.load_state_dict(with("param_groups.1.lr", scalar(1, {.dtype = DType::F64}))),
                       doctest::Contains("names group 1"), Error);
  CHECK_THROWS_WITH_AS(target.load_state_dict(with("momentum", scalar(1))),
                       doctest::Contains("'momentum' is not an optimizer state key"), Error);
  CHECK_THROWS_WITH_AS(target.load_state_dict(without("state.0.exp_avg_sq")),
                       doctest::Contains("'state.0.exp_avg_sq' is missing"), Error);
  CHECK_THROWS_WITH_AS(target.load_state_dict(without("state.0.step")),
                       doctest::Contains("'state.0.step' is missing"), Error);
  CHECK_THROWS_WITH_AS(target.load_state_dict(without("step_count")), doctest::Contains("'step_count' is missing"), Error);
  CHECK_THROWS_WITH_AS(target.load_state_dict(without("param_groups.0.lr")),
                       doctest::Contains("'param_groups.0.lr' is missing"), Error);
  CHECK(target.state_dict().size() == 4);  // untouched: step_count + 3 group fields, no state
  CHECK(target.param_groups()[0].lr == 0.5);

  SGD sgd({fresh}, {.lr = 0.1, .momentum = 0.9});
  CHECK_THROWS_WITH_AS(sgd.load_state_dict(good), doctest::Contains("a different optimizer"), Error);
}

TEST_CASE("clip_grad_norm returns the total norm and scales only above max_norm") {
  Tensor a = param64({3.0, 4.0}), b = param64({12.0}), c = param64({5.0});
  set_grad64(a, {3.0, 4.0});
  set_grad64(b, {12.0});  // c has no gradient: skipped
  CHECK(grad_norm({a, b, c}) == 13.0);
  CHECK(clip_grad_norm({a, b, c}, 20.0) == 13.0);
  CHECK(a.grad().to_vector<double>() == std::vector<double>{3.0, 4.0});
  CHECK(clip_grad_norm({a, b, c}, 1.3) == 13.0);
  double coef = 1.3 / (13.0 + 1e-6);
  CHECK(a.grad().at({1}) == doctest::Approx(4.0 * coef).epsilon(1e-15));
  CHECK(b.grad().at({0}) == doctest::Approx(12.0 * coef).epsilon(1e-15));
  CHECK(grad_norm({a, b, c}) == doctest::Approx(1.3).epsilon(1e-6));
  CHECK(grad_norm({c}) == 0.0);
  CHECK_THROWS_WITH_AS(clip_grad_norm({a}, 0.0), doctest::Contains("max_norm must be > 0"), Error);
}
