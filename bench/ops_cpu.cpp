// bench/ops_cpu.cpp — where the CPU floor is: GEMM GFLOP/s of linattn's matmul against bare
// OpenBLAS on the same shapes, and effective GB/s (bytes read + written once) of the
// memory-bound ops (add, gelu, softmax, layer_norm), forward and backward.
// Usage: ops_cpu [--threads T] [--out FILE.md]   (prints a Markdown table; --out also writes it)
#include <cblas.h>

#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "timing.h"
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
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) threads = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--out") && i + 1 < argc) out_path = argv[++i];
    else { std::cerr << "usage: ops_cpu [--threads T] [--out FILE.md]\n"; return 2; }
  }
  set_num_threads(threads);
  std::vector<Row> rows;
  Generator gen(0);

  // GEMM: square sizes and the §8 ViT's linear layers (B·N = 128·64 rows).
  struct G { std::int64_t m, n, k; const char* name; };
  for (G g : {G{512, 512, 512, "square"}, G{1024, 1024, 1024, "square"}, G{8192, 576, 192, "ViT qkv"},
              G{8192, 384, 192, "ViT fc1"}, G{8192, 192, 384, "ViT fc2"}}) {
    Tensor a = randn({g.m, g.k}, {}, &gen), b = randn({g.k, g.n}, {}, &gen);
    double ours = median_seconds([&] { Tensor c = matmul(a, b); });
    std::vector<float> c(static_cast<std::size_t>(g.m * g.n));
    double blas = median_seconds([&] {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(g.m), static_cast<int>(g.n),
                  static_cast<int>(g.k), 1.0f, a.data<float>(), static_cast<int>(g.k), b.data<float>(),
                  static_cast<int>(g.n), 0.0f, c.data(), static_cast<int>(g.n));
    });
    rows.push_back({str_cat("matmul (", g.name, ")"), str_cat(g.m, "x", g.n, "x", g.k), "GFLOP/s",
                    gemm_gflops(g.m, g.n, g.k, ours), gemm_gflops(g.m, g.n, g.k, blas)});
  }

  // Memory-bound ops on a ViT activation (128·64 tokens × 192 channels) and a larger tensor.
  for (Shape shape : {Shape{8192, 192}, Shape{8192, 1024}}) {
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
  md << "# bench/ops_cpu\n\n- command: `" << argv[0] << " --threads " << threads << "`\n- machine: " << bench::cpu_model()
     << ", " << threads << " threads\n- date: " << bench::today() << "\n\n"
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
