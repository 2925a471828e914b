// bench/attention.cpp — linattn's side of the attention benchmark: forward + backward time and
// peak memory of one attention layer type at one token count, in a fresh process per case (so
// the process's peak RSS belongs to this case). The setup matches bench/torch_attention.py:
// B=8, C=128, heads=4, float32, CPU; linformer seq_len=N, proj_k=128; cos2d on the most square
// H×W grid with H·W = N; loss sum(y ⊙ dy), gradients of the input and every parameter.
// Usage: attention --type T --N n [--threads 2] [--reps 5] [--warmup 1]
// Prints one JSON line: {"impl":"linattn","type":...,"N":...,"ms":...,"peak_bytes":...,
//   "peak_allocator_bytes":...}; peak_bytes is the rise of the peak RSS over the resident size
// just before the first forward (the same measure as the PyTorch script).
#include <sys/resource.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include "core/allocator.h"
#include "core/ops.h"
#include "layers/attention/attention.h"
#include "timing.h"

using namespace linattn;

namespace {

std::int64_t resident_bytes() {
  std::ifstream in("/proc/self/statm");
  std::int64_t pages = 0, resident = 0;
  in >> pages >> resident;
  return resident * 4096;
}

std::int64_t peak_rss_bytes() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<std::int64_t>(u.ru_maxrss) * 1024;
}

Grid square_grid(std::int64_t n) {
  std::int64_t h = 1;
  while ((h + 1) * (h + 1) <= n) ++h;
  while (n % h) --h;
  return {h, n / h};
}

}  // namespace

int main(int argc, char** argv) {
  std::string type;
  std::int64_t N = 0;
  int threads = 2, reps = 5, warmup = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--type")) type = argv[i + 1];
    else if (!std::strcmp(argv[i], "--N")) N = std::atoll(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--reps")) reps = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--warmup")) warmup = std::atoi(argv[i + 1]);
  }
  if (type.empty() || N <= 0) {
    std::fprintf(stderr, "usage: attention --type T --N n [--threads 2] [--reps 5] [--warmup 1]\n");
    return 2;
  }
  try {
    set_num_threads(threads);
    const std::int64_t B = 8, C = 128, heads = 4;
    std::map<std::string, std::string> values;
    if (type != "additive") values["heads"] = std::to_string(heads);
    if (type == "linformer") values["proj_k"] = "128";
    Grid grid = square_grid(N);
    Generator gen(0);
    auto layer = make_attention(parse_attention_options(type, values), C, grid, gen);
    Tensor x = randn({B, N, C}, {.requires_grad = true}, &gen);
    Tensor dy = randn({B, N, C}, {}, &gen);
    auto step = [&] {
      layer->zero_grad();
      x.zero_grad();
      Tensor y = layer->forward(x);
      y.backward(dy);
    };
    const std::int64_t baseline = resident_bytes();
    reset_peak_memory(Device::cpu());
    double seconds = bench::median_seconds(step, reps, warmup);
    const std::int64_t peak = peak_rss_bytes() - baseline;
    std::printf("{\"impl\": \"linattn\", \"type\": \"%s\", \"N\": %lld, \"B\": %lld, \"C\": %lld, \"heads\": %lld, "
                "\"threads\": %d, \"ms\": %.3f, \"peak_bytes\": %lld, \"peak_allocator_bytes\": %zu}\n",
                type.c_str(), static_cast<long long>(N), static_cast<long long>(B), static_cast<long long>(C),
                static_cast<long long>(heads), threads, seconds * 1e3, static_cast<long long>(peak),
                memory_stats(Device::cpu()).peak_allocated_bytes);
  } catch (const std::exception& e) {
    std::printf("{\"impl\": \"linattn\", \"type\": \"%s\", \"N\": %lld, \"error\": \"%s\"}\n", type.c_str(),
                static_cast<long long>(N), e.what());
    return 3;
  }
  return 0;
}
