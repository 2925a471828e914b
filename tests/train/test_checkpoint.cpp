// tests/train/test_checkpoint.cpp — checkpoints round-trip weights, optimizer state and the
// training state (RNG states, loader position, loss sums) exactly, and are written atomically.
#include <doctest/doctest.h>

#include <filesystem>

#include "core/safetensors.h"
#include "fixtures/tiny.h"
#include "train/checkpoint.h"
#include "train/loss.h"
#include "train/optim/adamw.h"

using namespace linattn;
namespace fs = std::filesystem;

namespace {

// One AdamW step on a fixed batch, so the optimizer has state.
void take_step(testing::TinyClassifier& model, Optimizer& opt, std::uint64_t seed) {
  Generator g(seed);
  Tensor x = randn({4, 3, 4, 4}, {}, &g);
  Tensor y = from_values({0, 1, 2, 1}, {4}, {.dtype = DType::I64});
  opt.zero_grad();
  cross_entropy_labels(model.forward(x), y).backward();
  opt.step();
}

TrainingState some_state() {
  TrainingState s;
  s.step = 123;
  s.epoch = 4;
  s.batches_consumed = 7;
  s.epoch_loss_sum = 1.0 / 3.0 + 1e-16;
  s.epoch_loss_count = 7;
  s.best_metric = "test_acc";
  s.best_value = 0.6180339887498949;
  s.best_epoch = 3;
  s.generators["default"] = {18446744073709551615ULL, 987654321};
  s.generators["init"] = {7, 4242};
  return s;
}

}  // namespace

TEST_CASE("checkpoint: weights, optimizer state and training state round-trip exactly") {
  testing::Scratch dir;
  Generator g1(1), g2(2);
  testing::TinyClassifier a(4, 4, 5, 3, g1), b(4, 4, 5, 3, g2);
  AdamW opt_a(a.parameters(), {.lr = 0.01}), opt_b(b.parameters(), {.lr = 0.01});
  take_step(a, opt_a, 10);
  take_step(a, opt_a, 11);
  const TrainingState state = some_state();
  save_checkpoint(dir.str("ckpt"), a, &opt_a, state);
  CHECK(fs::is_regular_file(dir.str("ckpt/model.safetensors")));
  CHECK(fs::is_regular_file(dir.str("ckpt/training_state.safetensors")));
  CHECK_FALSE(fs::exists(dir.str("ckpt.tmp")));

  TrainingState loaded = load_checkpoint(dir.str("ckpt"), b, &opt_b);
  CHECK(loaded == state);
  auto sa = a.state_dict(), sb = b.state_dict();
  REQUIRE(sa.size() == sb.size());
  for (std::size_t i = 0; i < sa.size(); ++i) CHECK(sa[i].second.to_vector<float>() == sb[i].second.to_vector<float>());
  auto oa = opt_a.state_dict(), ob = opt_b.state_dict();
  REQUIRE(oa.size() == ob.size());
  for (std::size_t i = 0; i < oa.size(); ++i) {
    CHECK(oa[i].first == ob[i].first);
    CHECK(oa[i].second.str() == ob[i].second.str());
  }
  // The next step from both is identical.
  take_step(a, opt_a, 12);
  take_step(b, opt_b, 12);
  CHECK(a.fc1->weight.to_vector<float>() == b.fc1->weight.to_vector<float>());

  // The weights file is a plain state_dict (PyTorch names), readable alone.
  auto weights = load_safetensors(dir.str("ckpt/model.safetensors"));
  CHECK(weights.contains("fc1.weight"));
  CHECK(weights.contains("fc2.bias"));
  CHECK(read_training_state(dir.str("ckpt")) == state);
}

TEST_CASE("checkpoint: saving over an existing one replaces it whole") {
  testing::Scratch dir;
  Generator g(1);
  testing::TinyClassifier m(4, 4, 3, 2, g);
  TrainingState s1 = some_state(), s2 = some_state();
  s2.step = 999;
  save_checkpoint(dir.str("latest"), m, nullptr, s1);
  save_checkpoint(dir.str("latest"), m, nullptr, s2);
  CHECK(read_training_state(dir.str("latest")).step == 999);
  CHECK_FALSE(fs::exists(dir.str("latest.tmp")));
  CHECK_FALSE(fs::exists(dir.str("latest.old")));
}

TEST_CASE("checkpoint: a crash mid-write leaves the last good checkpoint readable") {
  testing::Scratch dir;
  Generator g(1);
  testing::TinyClassifier m(4, 4, 3, 2, g);
  save_checkpoint(dir.str("run/checkpoints/latest"), m, nullptr, some_state());
  // A crash while writing the next one: a partial "latest.tmp" is left behind.
  fs::create_directories(dir.str("run/checkpoints/latest.tmp"));
  std::ofstream(dir.str("run/checkpoints/latest.tmp/model.safetensors")) << "garbage";
  CHECK(find_checkpoint(dir.str("run")) == dir.str("run/checkpoints/latest"));
  CHECK(read_training_state(find_checkpoint(dir.str("run"))).step == 123);
  // A crash between the two renames of the fallback swap: only "latest.old" is complete.
  fs::rename(dir.str("run/checkpoints/latest"), dir.str("run/checkpoints/latest.old"));
  CHECK(find_checkpoint(dir.str("run")) == dir.str("run/checkpoints/latest.old"));
  // The next save cleans both leftovers up.
  save_checkpoint(dir.str("run/checkpoints/latest"), m, nullptr, some_state());
  CHECK(find_checkpoint(dir.str("run")) == dir.str("run/checkpoints/latest"));
  CHECK_FALSE(fs::exists(dir.str("run/checkpoints/latest.old")));
  CHECK_FALSE(fs::exists(dir.str("run/checkpoints/latest.tmp")));
}

TEST_CASE("checkpoint: clear errors for missing or mismatched checkpoints") {
  testing::Scratch dir;
  Generator g(1);
  testing::TinyClassifier small(4, 4, 3, 3, g), other(4, 4, 6, 3, g);
  CHECK_THROWS_WITH_AS(find_checkpoint(dir.str("nope")), doctest::Contains("does not exist"), Error);
  CHECK_THROWS_WITH_AS(find_checkpoint(dir.str()), doctest::Contains("no checkpoint at"), Error);
  save_checkpoint(dir.str("c"), small, nullptr, some_state());
  CHECK_THROWS_WITH_AS(load_checkpoint(dir.str("c"), other, nullptr), doctest::Contains("do not fit the model"), Error);
  AdamW opt(other.parameters(), {});
  take_step(other, opt, 3);
  save_checkpoint(dir.str("d"), other, &opt, some_state());
  testing::TinyClassifier same(4, 4, 6, 3, g);
  AdamW fresh_sgd_like(std::vector<Tensor>{same.fc1->weight}, {});  // fewer parameters than saved
  CHECK_THROWS_WITH_AS(load_checkpoint(dir.str("d"), same, &fresh_sgd_like), doctest::Contains("optimizer state"),
                       Error);
  // A plain safetensors file without the training state is refused by name.
  fs::create_directories(dir.str("e"));
  save_safetensors(dir.str("e/training_state.safetensors"), {});
  CHECK_THROWS_WITH_AS(read_training_state(dir.str("e")), doctest::Contains("linattn.training_state"), Error);
}

TEST_CASE("checkpoint: a training state written before tasks (best_test_acc) reads as classification's best") {
  testing::Scratch dir;
  const std::string file = dir.str(kTrainingStateFile);
  const std::string generators = R"("generators":{"default":{"seed":1,"offset":2}})";
  for (auto [text, value] : {std::pair<const char*, std::optional<double>>{"0.625", 0.625}, {"-1.0", std::nullopt}}) {
    save_safetensors(file, {},
                     {{"linattn.training_state",
                       std::string(R"({"format_version":1,"step":5,"epoch":1,"batches_consumed":0,"epoch_loss_sum":0.0,)") +
                           R"("epoch_loss_count":0,"best_test_acc":)" + text + R"(,"best_epoch":1,)" + generators + "}"}});
    const TrainingState s = read_training_state(dir.str());
    CHECK(s.step == 5);
    CHECK(s.best_metric == "test_acc");
    CHECK(s.best_value == value);
  }
}
