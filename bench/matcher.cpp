// bench/matcher.cpp — what DETR's Hungarian matching costs per training step on the CPU: one
// linear_sum_assignment of a random 100 x 50 matrix, and hungarian_match on a whole batch of 32
// images (Q = 100 queries, K = 91 classes + no-object, up to 20 random targets each): the cost
// matrices and the assignments.
// Usage: matcher [--out FILE.md]   (prints a Markdown table; --out also writes it).
#include <cmath>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "timing.h"
#include "core/ops.h"
#include "detection/hungarian.h"
#include "detection/matcher.h"

using namespace linattn;
using namespace linattn::detection;
using linattn::bench::median_seconds;

int main(int argc, char** argv) {
  std::string out_path;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--out") && i + 1 < argc) out_path = argv[++i];
    else { std::cerr << "usage: matcher [--out FILE.md]\n"; return 2; }
  }
  set_num_threads(1);  // the matcher is single-threaded host code
  Generator gen(0);

  // linear_sum_assignment on one DETR-sized block: 100 queries x 50 targets, U[0, 1) costs.
  const std::vector<double> cost = rand({100, 50}, {.dtype = DType::F64}, &gen).to_vector<double>();
  double sink = 0;
  const double lsa = median_seconds([&] { sink += linear_sum_assignment(cost, 100, 50).total_cost; }, 21, 3);

  // hungarian_match on a batch: B = 32, Q = 100, K + 1 = 92 classes, 0..20 targets per image.
  const std::int64_t batch = 32, queries = 100, classes = 92;
  const Tensor logits = randn({batch, queries, classes}, {}, &gen);
  const Tensor boxes = uniform({batch, queries, 4}, 0.05, 0.5, {}, &gen);
  std::vector<DetectionTarget> targets;
  std::int64_t total_targets = 0;
  for (std::int64_t b = 0; b < batch; ++b) {
    const auto t = static_cast<std::int64_t>(rand({}, {}, &gen).item() * 21);  // 0 .. 20
    std::vector<double> label_values = rand({t}, {.dtype = DType::F64}, &gen).to_vector<double>();
    for (double& v : label_values) v = std::floor(v * (classes - 1));  // a real class, 0 .. 90
    targets.push_back({from_values(label_values, {t}, {.dtype = DType::I64}), uniform({t, 4}, 0.05, 0.5, {}, &gen)});
    total_targets += t;
  }
  std::size_t pairs = 0;
  const double match = median_seconds([&] {
    for (const MatchIndices& m : hungarian_match(logits, boxes, targets)) pairs += m.query.size();
  }, 7, 2);

  std::ostringstream md;
  md << "# bench/matcher\n\n- command: `" << argv[0] << (out_path.empty() ? "" : " --out " + out_path)
     << "`\n- machine: " << bench::cpu_model() << ", 1 thread\n- date: " << bench::today() << "\n\n"
     << "| what | shape | median time |\n|---|---|---:|\n"
     << "| linear_sum_assignment (U[0, 1) costs) | 100 x 50 | " << std::fixed;
  md.precision(1);
  md << lsa * 1e6 << " µs |\n"
     << "| hungarian_match (cost matrices + assignments) | B = 32, Q = 100, K + 1 = 92, " << total_targets
     << " targets | ";
  md.precision(2);
  md << match * 1e3 << " ms |\n";
  std::cout << md.str();
  if (!out_path.empty()) std::ofstream(out_path) << md.str();
  // One JSON line last, for bench/run_detection.py.
  std::cout << "{\"lsa_100x50_us\": " << lsa * 1e6 << ", \"match_batch32_ms\": " << match * 1e3
            << ", \"targets\": " << total_targets << "}\n";
  return sink == 0 && pairs == 0 ? 1 : 0;  // keeps the timed work observable
}
