// bench/attention.cpp — linattn's side of the attention benchmark: forward + backward time and
// peak memory of one attention layer type at one token count, in a fresh process per case (so
// the process's peak RSS belongs to this case). The setup matches bench/torch_attention.py:
// B=8, C=128, heads=4, float32; linformer seq_len=N, proj_k=128; cos2d on the most square
// H×W grid with H·W = N; loss sum(y ⊙ dy), gradients of the input and every parameter.
// Usage: attention --type T --N n [--device cpu|cuda] [--threads 2] [--reps 5] [--warmup 1]
//                  [--B 8] [--C 128] [--heads 4]
// Prints one JSON line: {"impl":"linattn","type":...,"N":...,"ms":...,"peak_bytes":...,
//   "peak_allocator_bytes":...}, or {..., "error": "..."} with exit code 3 (out of memory...).
// CPU: peak_bytes is the rise of the peak RSS over the resident size just before the first
// forward (the same measure as the PyTorch script). CUDA (bench/README.md): each step ends with a
// device synchronize before the clock is read; TF32 is on (as in torch_attention.py --device
// cuda); peak_bytes is the caching allocator's peak of bytes in live tensors minus those live
// before the first forward (layer, x, dy) — torch.cuda.max_memory_allocated's counterpart.
#include <sys/resource.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include "core/allocator.h"
#include "core/cuda_options.h"
#include "core/ops.h"
#include "layers/attention/attention.h"
#include "timing.h"
#if LINATTN_HAS_CUDA
#include "core/cuda/runtime.h"
#endif

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

// Waits for the device's queued work (so the clock measures it); nothing to do on the CPU.
void synchronize(Device device) {
#if LINATTN_HAS_CUDA
  if (device.is_cuda()) cuda::synchronize(device.index);
#else
  (void)device;
#endif
}

// `text` as the inside of a JSON string.
std::string json_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
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
  std::string device_name = "cpu";
  std::int64_t N = 0, B = 8, C = 128, heads = 4;
  int threads = 2, reps = 5, warmup = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--type")) type = argv[i + 1];
    else if (!std::strcmp(argv[i], "--N")) N = std::atoll(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--reps")) reps = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--warmup")) warmup = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--device")) device_name = argv[i + 1];
    else if (!std::strcmp(argv[i], "--B")) B = std::atoll(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--C")) C = std::atoll(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--heads")) heads = std::atoll(argv[i + 1]);
  }
  if (type.empty() || N <= 0 || B <= 0 || C <= 0 || heads <= 0 || reps <= 0 || warmup < 0) {
    std::fprintf(stderr,
                 "usage: attention --type T --N n [--device cpu|cuda] [--threads 2] [--reps 5] [--warmup 1]"
                 " [--B 8] [--C 128] [--heads 4]\n");
    return 2;
  }
  try {
    const Device device = Device::parse(device_name);
    set_num_threads(threads);
    set_allow_tf32(true);
    std::map<std::string, std::string> values;
    if (type != "additive") values["heads"] = std::to_string(heads);
    if (type == "linformer") values["proj_k"] = "128";
    Grid grid = square_grid(N);
    Generator gen(0);
    auto layer = make_attention(parse_attention_options(type, values), C, grid, gen);
    layer->to(device);
    Tensor x = randn({B, N, C}, {.device = device, .requires_grad = true}, &gen);
    Tensor dy = randn({B, N, C}, {.device = device}, &gen);
    auto step = [&] {
      layer->zero_grad();
      x.zero_grad();
      Tensor y = layer->forward(x);
      y.backward(dy);
      synchronize(device);
    };
    synchronize(device);
    const std::int64_t baseline = device.is_cpu() ? resident_bytes()
                                                  : static_cast<std::int64_t>(memory_stats(device).allocated_bytes);
    reset_peak_memory(device);
    double seconds = bench::median_seconds(step, reps, warmup);
    const MemoryStats stats = memory_stats(device);
    const std::int64_t peak_now =
        device.is_cpu() ? peak_rss_bytes() : static_cast<std::int64_t>(stats.peak_allocated_bytes);
    const std::int64_t peak = peak_now - baseline;
    std::printf("{\"impl\": \"linattn\", \"type\": \"%s\", \"N\": %lld, \"B\": %lld, \"C\": %lld, \"heads\": %lld, "
                "\"device\": \"%s\", \"threads\": %d, \"reps\": %d, \"warmup\": %d, \"ms\": %.4f, "
                "\"peak_bytes\": %lld, \"peak_allocator_bytes\": %zu, \"peak_reserved_bytes\": %zu}\n",
                type.c_str(), static_cast<long long>(N), static_cast<long long>(B), static_cast<long long>(C),
                static_cast<long long>(heads), device.str().c_str(), threads, reps, warmup, seconds * 1e3,
                static_cast<long long>(peak), stats.peak_allocated_bytes, stats.peak_reserved_bytes);
  } catch (const std::exception& e) {
    std::printf("{\"impl\": \"linattn\", \"type\": \"%s\", \"N\": %lld, \"device\": \"%s\", \"error\": \"%s\"}\n",
                json_escape(type).c_str(), static_cast<long long>(N), json_escape(device_name).c_str(),
                json_escape(e.what()).c_str());
    return 3;
  }
  return 0;
}
