// tests/e2e/test_two_spirals.cpp — end to end: a small tanh MLP (linear layers + a log-softmax
// written from max, sub, exp, sum, log) trained with AdamW on the seeded two-spirals task
// reaches ≥ 95% train accuracy within a bounded number of full-batch steps, and a second run
// from the same seed gives bit-identical losses (CPU determinism).
#include <doctest/doctest.h>

#include <cmath>
#include <numbers>

#include "core/ops.h"
#include "train/optim/adamw.h"

using namespace linattn;

namespace {

constexpr std::int64_t kPerClass = 100, kHidden = 32;
constexpr int kMaxSteps = 1500, kEvalEvery = 25;

struct Spirals {
  Tensor x;       // 2N x 2, float32
  Tensor onehot;  // 2N x 2
  std::vector<std::int64_t> labels;
};

// Two interleaved spirals of 2 turns each (radius 0.05 → 1), with N(0, 0.02) noise.
Spirals make_spirals(std::uint64_t seed) {
  Generator gen(seed);
  std::vector<double> xs, hot;
  Spirals s;
  for (int c = 0; c < 2; ++c)
    for (std::int64_t i = 0; i < kPerClass; ++i) {
      double t = static_cast<double>(i) / static_cast<double>(kPerClass);
      double r = 0.05 + 0.95 * t, phi = 4.0 * std::numbers::pi * t + c * std::numbers::pi;
      xs.push_back(r * std::cos(phi) + 0.02 * gen.normal());
      xs.push_back(r * std::sin(phi) + 0.02 * gen.normal());
      hot.push_back(c == 0);
      hot.push_back(c == 1);
      s.labels.push_back(c);
    }
  s.x = from_values(xs, {2 * kPerClass, 2});
  s.onehot = from_values(hot, {2 * kPerClass, 2});
  return s;
}

struct Linear {
  Tensor weight, bias;  // out x in, out
};

Linear make_linear(std::int64_t in, std::int64_t out, Generator& gen) {
  double bound = 1.0 / std::sqrt(static_cast<double>(in));  // PyTorch's default init range
  Linear l{uniform({out, in}, -bound, bound, {}, &gen), uniform({out}, -bound, bound, {}, &gen)};
  l.weight.requires_grad_();
  l.bias.requires_grad_();
  return l;
}

Tensor log_softmax_rows(const Tensor& logits) {  // B x K
  Tensor z = sub(logits, max(logits, {1}, true));
  return sub(z, log(sum(exp(z), {1}, true)));
}

struct RunResult {
  std::vector<double> losses;
  double accuracy = 0;
  int steps = 0;
};

RunResult train(std::uint64_t seed) {
  Spirals data = make_spirals(seed);
  Generator gen(seed + 1);
  std::vector<Linear> layers = {make_linear(2, kHidden, gen), make_linear(kHidden, kHidden, gen),
                                make_linear(kHidden, 2, gen)};
  std::vector<Tensor> params;
  for (const auto& l : layers) params.insert(params.end(), {l.weight, l.bias});
  AdamW opt(params, {.lr = 0.01, .weight_decay = 1e-4});

  auto forward = [&] {
    Tensor h = data.x;
    for (std::size_t i = 0; i < layers.size(); ++i) {
      h = linear(h, layers[i].weight, layers[i].bias);
      if (i + 1 < layers.size()) h = tanh(h);
    }
    return h;  // 2N x 2 logits
  };
  auto accuracy = [&] {
    NoGradGuard no_grad;
    auto pred = argmax(forward(), 1).to_vector<std::int64_t>();
    std::int64_t right = 0;
    for (std::size_t i = 0; i < pred.size(); ++i) right += pred[i] == data.labels[i];
    return static_cast<double>(right) / static_cast<double>(pred.size());
  };

  RunResult r;
  for (int step = 1; step <= kMaxSteps; ++step) {
    Tensor loss = neg(mean(sum(mul(log_softmax_rows(forward()), data.onehot), {1})));
    opt.zero_grad();
    loss.backward();
    opt.step();
    r.losses.push_back(loss.item());
    r.steps = step;
    if (step % kEvalEvery == 0 && (r.accuracy = accuracy()) >= 0.95) break;
  }
  return r;
}

}  // namespace

TEST_CASE("an MLP trained with AdamW fits two spirals, deterministically") {
  RunResult first = train(42);
  INFO("steps: ", first.steps, ", accuracy: ", first.accuracy, ", last loss: ", first.losses.back());
  CHECK(first.accuracy >= 0.95);
  CHECK(first.losses.back() < first.losses.front());
  RunResult second = train(42);
  CHECK(second.steps == first.steps);
  CHECK(second.losses == first.losses);  // bit for bit
  MESSAGE("two spirals: ", first.accuracy * 100, "% train accuracy after ", first.steps, " steps, loss ",
          first.losses.front(), " -> ", first.losses.back());
}
