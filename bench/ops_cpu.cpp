// bench/ops_cpu.cpp — where the CPU floor is: GEMM GFLOP/s of linattn's matmul (its own
// sgemm, core/cpu/sgemm.h) against bare OpenBLAS on the same shapes, and effective GB/s (bytes
// read + written once) of the memory-bound ops (add, gelu, softmax, layer_norm), forward and
// backward.
// Usage: ops_cpu [--threads T] [--gemm-only] [--out FILE.md]   (prints a Markdown table; --out
// also writes it). LINATTN_SGEMM=avx2|openblas picks another kernel for linattn's column.
#include <cblas.h>

#include <cstdlib>
#include <cstring>
#include <iterator>
#include <fstream>
#include <iostream>
#include <sstream>

#include "timing.h"
#include "core/cpu/sgemm.h"
#include "core/ops.h"

using namespace linattn;
using linattn::bench::median_seconds;

namespace {

struct Row {
  std::string what, shape, metric;
  double linattn, reference;
};

double gemm_gflops(std::int64_t m, std::int64_t n, std::int64_t k, double seconds) {
  return 2.0 * static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k) / seconds / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 2;
  std::string out_path;
  bool gemm_only = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) threads = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--out") && i + 1 < argc) out_path = argv[++i];
    else if (!std::strcmp(argv[i], "--gemm-only")) gemm_only = true;
    else { std::cerr << "usage: ops_cpu [--threads T] [--gemm-only] [--out FILE.md]\n"; return 2; }
  }
  set_num_threads(threads);
  std::vector<Row> rows;
  Generator gen(0);

  // GEMM: square sizes, the §8 ViT's linear layers (B·N = 128·64 rows, forward and weight
  // gradient) and the attention benchmark's (B·N = 8·4096 rows, C = 128; per-batch products).
  // linattn's matmul (its own sgemm, core/cpu/sgemm.h) is timed for every shape first, then
  // bare OpenBLAS: OpenBLAS's threads spin for a while after each call and would steal a core
  // from whatever runs next.
  struct G { bool ta, tb; std::int64_t m, n, k; const char* name; };
  const G gemms[] = {{false, false, 1024, 1024, 1024, "square"},
                     {false, true, 8192, 576, 192, "ViT qkv: x·Wᵀ"},
                     {false, true, 8192, 192, 384, "ViT fc2: x·Wᵀ"},
                     {true, false, 384, 192, 8192, "ViT fc2 weight grad: dyᵀ·x"},
                     {false, true, 32768, 128, 128, "attention: x·Wᵀ"},
                     {false, false, 32768, 128, 128, "attention: dy·W"},
                     {true, false, 128, 128, 32768, "attention weight grad: dyᵀ·x"},
                     {true, false, 128, 128, 4096, "per batch: Kᵀ·V"},
                     {false, true, 2048, 128, 32, "per head: Q·Kᵀ chunk"}};
  std::vector<double> ours_s, blas_s;
  for (const G& g : gemms) {
    Tensor a = randn(g.ta ? Shape{g.k, g.m} : Shape{g.m, g.k}, {}, &gen);
    Tensor b = randn(g.tb ? Shape{g.n, g.k} : Shape{g.k, g.n}, {}, &gen);
    ours_s.push_back(median_seconds([&] { Tensor c = bmm(a, b, g.ta, g.tb); }));
  }
  for (const G& g : gemms) {
    std::vector<float> a(static_cast<std::size_t>(g.m * g.k), 0.5f), b(static_cast<std::size_t>(g.k * g.n), 0.25f);
    std::vector<float> c(static_cast<std::size_t>(g.m * g.n));
    blas_s.push_back(median_seconds([&] {
      cblas_sgemm(CblasRowMajor, g.ta ? CblasTrans : CblasNoTrans, g.tb ? CblasTrans : CblasNoTrans,
                  static_cast<int>(g.m), static_cast<int>(g.n), static_cast<int>(g.k), 1.0f, a.data(),
                  static_cast<int>(g.ta ? g.m : g.k), b.data(), static_cast<int>(g.tb ? g.k : g.n), 0.0f, c.data(),
                  static_cast<int>(g.n));
    }));
  }
  for (std::size_t i = 0; i < std::size(gemms); ++i) {
    const G& g = gemms[i];
    rows.push_back({str_cat("matmul ", g.ta ? "T" : "N", g.tb ? "T" : "N", " (", g.name, ")"),
                    str_cat(g.m, "x", g.n, "x", g.k), "GFLOP/s", gemm_gflops(g.m, g.n, g.k, ours_s[i]),
                    gemm_gflops(g.m, g.n, g.k, blas_s[i])});
  }

  // Memory-bound ops on a ViT activation (128·64 tokens × 192 channels) and a larger tensor.
  for (Shape shape : {Shape{8192, 192}, Shape{8192, 1024}}) {
    if (gemm_only) break;
    const double n = static_cast<double>(numel(shape)), bytes = 4.0 * n;
    Tensor x = randn(shape, {}, &gen), y = randn(shape, {}, &gen);
    Tensor xg = x.detach().requires_grad_();
    Tensor g = randn(shape, {}, &gen);
    std::string s = shape_str(shape);
    double t;
    t = median_seconds([&] { Tensor z = add(x, y); });
    rows.push_back({"add", s, "GB/s", 3 * bytes / t / 1e9, 0});
    t = median_seconds([&] { Tensor z = gelu(x); });
    rows.push_back({"gelu", s, "GB/s", 2 * bytes / t / 1e9, 0});
    t = median_seconds([&] { Tensor z = gelu(xg); z.backward(g); });
    rows.push_back({"gelu fwd+bwd", s, "GB/s", 5 * bytes / t / 1e9, 0});
    t = median_seconds([&] { Tensor z = softmax(x, -1); });
    rows.push_back({"softmax (last axis)", s, "GB/s", 2 * bytes / t / 1e9, 0});
    t = median_seconds([&] { Tensor z = softmax(xg, -1); z.backward(g); });
    rows.push_back({"softmax fwd+bwd", s, "GB/s", 5 * bytes / t / 1e9, 0});
    Tensor w = ones({shape[1]}), b = zeros({shape[1]});
    t = median_seconds([&] { Tensor z = layer_norm(x, {shape[1]}, w, b, 1e-5); });
    rows.push_back({"layer_norm", s, "GB/s", 2 * bytes / t / 1e9, 0});
    Tensor wg = w.detach().requires_grad_(), bg = b.detach().requires_grad_();
    t = median_seconds([&] { Tensor z = layer_norm(xg, {shape[1]}, wg, bg, 1e-5); z.backward(g); });
    rows.push_back({"layer_norm fwd+bwd", s, "GB/s", 5 * bytes / t / 1e9, 0});
  }

  std::ostringstream md;
  md << "# bench/ops_cpu\n\n- command: `" << argv[0] << " --threads " << threads << (gemm_only ? " --gemm-only" : "")
     << "`\n- machine: " << bench::cpu_model() << ", " << threads << " threads\n- date: " << bench::today()
     << "\n- linattn sgemm kernel: " << cpu::sgemm_kernel_name(cpu::sgemm_default_kernel())
     << "; OPENBLAS_CORETYPE: " << (std::getenv("OPENBLAS_CORETYPE") ? std::getenv("OPENBLAS_CORETYPE") : "unset (OpenBLAS detects the CPU)")
     << "\n\n"
     << "| op | shape | metric | linattn | bare OpenBLAS |\n|---|---|---|---:|---:|\n";
  for (const Row& r : rows) {
    md << "| " << r.what << " | " << r.shape << " | " << r.metric << " | " << std::fixed;
    md.precision(1);
    md << r.linattn << " | ";
    if (r.reference > 0) md << r.reference; else md << "–";
    md << " |\n";
  }
  std::cout << md.str();
  if (!out_path.empty()) std::ofstream(out_path) << md.str();
  return 0;
}
