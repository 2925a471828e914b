// tests/train/test_loss.cpp — the trainer's cross-entropy: values against a hand computation,
// label smoothing as PyTorch defines it, soft targets, gradients by finite differences.
#include <doctest/doctest.h>

#include <cmath>

#include "support/gradcheck.h"
#include "train/loss.h"

using namespace linattn;

namespace {

// −mean_b Σ_k t_bk log softmax(z_b)_k, in double.
double reference_ce(const std::vector<double>& z, const std::vector<double>& t, std::int64_t B, std::int64_t K) {
  double total = 0;
  for (std::int64_t b = 0; b < B; ++b) {
    double m = -1e300, s = 0;
    for (std::int64_t k = 0; k < K; ++k) m = std::max(m, z[b * K + k]);
    for (std::int64_t k = 0; k < K; ++k) s += std::exp(z[b * K + k] - m);
    for (std::int64_t k = 0; k < K; ++k) total -= t[b * K + k] * (z[b * K + k] - m - std::log(s));
  }
  return total / static_cast<double>(B);
}

const std::vector<double> kLogits = {2.0, -1.0, 0.5, 0.0, 30.0, 29.0, -3.0, 4.0, -2.0};  // 3 x 3, one large row

}  // namespace

TEST_CASE("loss: cross-entropy with labels equals the hand computation") {
  Tensor z = from_values(kLogits, {3, 3}, {.dtype = DType::F64});
  Tensor y = from_values({0, 2, 1}, {3}, {.dtype = DType::I64});
  std::vector<double> onehot = {1, 0, 0, 0, 0, 1, 0, 1, 0};
  CHECK(cross_entropy_labels(z, y).item() == doctest::Approx(reference_ce(kLogits, onehot, 3, 3)).epsilon(1e-14));
  // float32 logits give the same to float precision, and a 0-D result
  Tensor l32 = cross_entropy_labels(z.to(DType::F32), y);
  CHECK(l32.dim() == 0);
  CHECK(l32.item() == doctest::Approx(reference_ce(kLogits, onehot, 3, 3)).epsilon(1e-6));
}

TEST_CASE("loss: label smoothing uses (1 − ε)·onehot + ε/K, like PyTorch") {
  Tensor z = from_values(kLogits, {3, 3}, {.dtype = DType::F64});
  Tensor y = from_values({0, 2, 1}, {3}, {.dtype = DType::I64});
  const double eps = 0.1;
  std::vector<double> smooth = {1, 0, 0, 0, 0, 1, 0, 1, 0};
  for (double& v : smooth) v = (1 - eps) * v + eps / 3;
  CHECK(cross_entropy_labels(z, y, eps).item() == doctest::Approx(reference_ce(kLogits, smooth, 3, 3)).epsilon(1e-14));
  // torch.nn.functional.cross_entropy(tensor([[2., -1., .5]]), tensor([0]), label_smoothing=0.1)
  Tensor z1 = from_values({2.0, -1.0, 0.5}, {1, 3}, {.dtype = DType::F64});
  Tensor y1 = from_values({0}, {1}, {.dtype = DType::I64});
  CHECK(cross_entropy_labels(z1, y1, 0.1).item() == doctest::Approx(0.3913112967).epsilon(1e-9));
}

TEST_CASE("loss: soft targets (mixup/cutmix) and the dispatch in classification_loss") {
  Tensor z = from_values(kLogits, {3, 3}, {.dtype = DType::F64});
  std::vector<double> soft = {0.7, 0.3, 0, 0, 0.5, 0.5, 0.2, 0.2, 0.6};
  Tensor t = from_values(soft, {3, 3}, {.dtype = DType::F64});
  const double expected = reference_ce(kLogits, soft, 3, 3);
  CHECK(soft_cross_entropy(z, t).item() == doctest::Approx(expected).epsilon(1e-14));
  Tensor labels = from_values({0, 1, 2}, {3}, {.dtype = DType::I64});
  CHECK(classification_loss(z, labels, t, 0.0).item() == doctest::Approx(expected).epsilon(1e-14));
  CHECK(classification_loss(z, labels, Tensor(), 0.0).item() == doctest::Approx(cross_entropy_labels(z, labels).item()));
}

TEST_CASE("loss: gradients match finite differences") {
  Tensor y = from_values({0, 2, 1, 1}, {4}, {.dtype = DType::I64});
  Tensor soft = from_values({0.7, 0.3, 0, 0, 0.5, 0.5, 0.2, 0.2, 0.6, 1, 0, 0}, {4, 3}, {.dtype = DType::F64});
  CHECK_GRADCHECK([&](const std::vector<Tensor>& in) { return cross_entropy_labels(in[0], y, 0.1); },
                  {testing::randn64({4, 3}, 11)});
  CHECK_GRADCHECK([&](const std::vector<Tensor>& in) { return soft_cross_entropy(in[0], soft); },
                  {testing::randn64({4, 3}, 12)});
}

TEST_CASE("loss: bad inputs are clear errors") {
  Tensor z = zeros({2, 3});
  CHECK_THROWS_WITH_AS(cross_entropy_labels(z, from_values({0, 3}, {2}, {.dtype = DType::I64})),
                       doctest::Contains("label 3 is outside [0, 3)"), Error);
  CHECK_THROWS_WITH_AS(cross_entropy_labels(zeros({2, 3, 1}), from_values({0, 1}, {2}, {.dtype = DType::I64})),
                       doctest::Contains("logits must be (B, K)"), Error);
  CHECK_THROWS_WITH_AS(soft_cross_entropy(z, zeros({2, 4})), doctest::Contains("must have the logits' shape"), Error);
  CHECK_THROWS_AS(cross_entropy_labels(z, from_values({0, 1}, {2}, {.dtype = DType::I64}), 1.0), Error);
}
