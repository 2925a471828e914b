// tests/train/test_cli_layer.cpp — `linattn layer` as a user runs it (a child process): for
// each attention type, the PyTorch golden's weights and input go in through files and y plus
// every gradient come out matching the golden; --save-weights round-trips; every user error is
// one message and exit code 2.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>

#include "core/ops.h"
#include "core/safetensors.h"
#include "fixtures/process.h"
#include "support/reference.h"

using namespace linattn;
namespace fs = std::filesystem;

namespace {

testing::ProcessResult layer_run(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {LINATTN_EXE, "layer"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = testing::run_process(argv, fs::temp_directory_path().string(), 60.0, {});
  INFO("stderr: " << r.err);
  CHECK_FALSE(r.timed_out);
  CHECK_FALSE(r.signaled);
  return r;
}

// One folder per test process: ctest runs this file's test cases in parallel processes (and
// other checkouts may run the suite at the same time), so a shared folder would race.
std::string temp_path(const std::string& name) {
  auto dir = fs::temp_directory_path() / ("linattn_cli_layer_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return (dir / name).string();
}

}  // namespace

TEST_CASE("linattn layer reproduces every type's PyTorch golden through files") {
  struct Case { const char* golden; const char* type; std::vector<std::string> sets; };
  // Each golden's layer options are passed as --set (tests/reference/make_attention_goldens.py).
  for (const Case& c : {Case{"softmax_f64", "softmax", {"heads=2"}}, Case{"cos2d_f64", "cos2d", {"heads=2"}},
                        Case{"external_f64", "external", {"heads=2"}},
                        Case{"linformer_f64", "linformer", {"heads=2", "proj_k=8"}},
                        Case{"additive_f64", "additive", {}}, Case{"efficient_f64", "efficient", {"heads=2"}}}) {
    INFO("golden " << c.golden);
    SafetensorsFile g = testing::load_golden_or_skip(std::string(c.golden) + ".safetensors");
    NamedTensors weights, input{{"x", g.at("x")}}, dy{{"dy", g.at("dy")}};
    for (const auto& [name, t] : g.tensors)
      if (name != "x" && name != "y" && name != "dy" && name.rfind("grad.", 0) != 0 && name.rfind("after.", 0) != 0)
        weights.emplace_back(name, t);
    save_safetensors(temp_path("w.safetensors"), weights);
    save_safetensors(temp_path("x.safetensors"), input);
    save_safetensors(temp_path("dy.safetensors"), dy);
    std::vector<std::string> args = {"--type", c.type, "--dim", std::to_string(g.at("x").size(2)), "--grid", "4x4",
                                     "--dtype", "f64", "--weights", temp_path("w.safetensors"), "--input",
                                     temp_path("x.safetensors"), "--output", temp_path("y.safetensors"),
                                     "--grad-output", temp_path("dy.safetensors"), "--grads", temp_path("g.safetensors")};
    for (const auto& s : c.sets) args.insert(args.end(), {"--set", s});
    auto r = layer_run(args);
    REQUIRE(r.exit_code == 0);
    auto y = load_safetensors(temp_path("y.safetensors"));
    CHECK_MATCHES_GOLDEN("y", y.at("y"), g.at("y"));
    auto grads = load_safetensors(temp_path("g.safetensors"));
    CHECK_MATCHES_GOLDEN("grad.x", grads.at("x"), g.at("grad.x"));
    for (const auto& [name, t] : weights) {
      const Tensor& expected = g.at("grad." + name);
      if (max(abs(expected)).item() <= 1e-12) {  // an inert bias (docs/attention.md §4.2): rounding noise
        INFO("grad." << name << " should be zero");
        CHECK(max(abs(grads.at(name))).item() <= 1e-12);
      } else {
        CHECK_MATCHES_GOLDEN("grad." + name, grads.at(name), expected);
      }
    }
  }
}

TEST_CASE("linattn layer --save-weights writes the seeded weights that --weights reads back") {
  Generator gen(1);
  save_safetensors(temp_path("x2.safetensors"), {{"x", randn({2, 4, 8}, {}, &gen)}});
  auto a = layer_run({"--type", "softmax", "--set", "heads=2", "--dim", "8", "--grid", "2x2", "--seed", "7",
                      "--save-weights", temp_path("w2.safetensors"), "--input", temp_path("x2.safetensors"),
                      "--output", temp_path("ya.safetensors")});
  REQUIRE(a.exit_code == 0);
  auto b = layer_run({"--type", "softmax", "--set", "heads=2", "--dim", "8", "--grid", "2x2", "--weights",
                      temp_path("w2.safetensors"), "--input", temp_path("x2.safetensors"), "--output",
                      temp_path("yb.safetensors")});
  REQUIRE(b.exit_code == 0);
  CHECK(load_safetensors(temp_path("ya.safetensors")).at("y").to_vector<float>() ==
        load_safetensors(temp_path("yb.safetensors")).at("y").to_vector<float>());
  CHECK(load_safetensors(temp_path("w2.safetensors")).contains("qkv.weight"));
}

TEST_CASE("linattn layer --help-options lists a type's options as the registry declares them") {
  auto r = layer_run({"--type", "linformer", "--help-options"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("options of linformer:") != std::string::npos);
  CHECK(r.out.find("  proj_k ") != std::string::npos);
  CHECK(r.out.find("(one of none, kv; default none)") != std::string::npos);
  CHECK(r.out.find("(default 0.0)") != std::string::npos);  // dropout, written as config.yaml writes it
}

TEST_CASE("linattn layer: every user error is one message and exit code 2") {
  Generator gen(2);
  save_safetensors(temp_path("x3.safetensors"), {{"x", randn({1, 4, 8}, {}, &gen)}});
  save_safetensors(temp_path("nox.safetensors"), {{"q", randn({1, 4, 8}, {}, &gen)}});
  save_safetensors(temp_path("dybad.safetensors"), {{"dy", randn({1, 3, 8}, {}, &gen)}});
  const std::string x = temp_path("x3.safetensors"), out = temp_path("y3.safetensors");
  struct Bad { std::vector<std::string> args; std::string what; };
  std::vector<Bad> cases = {
      {{"--dim", "8", "--grid", "2x2", "--input", x, "--output", out}, "--type is required"},
      {{"--type", "sofmax", "--dim", "8", "--grid", "2x2", "--input", x, "--output", out}, "unknown attention type 'sofmax'"},
      {{"--type", "softmax", "--set", "projk=3", "--dim", "8", "--grid", "2x2", "--input", x, "--output", out}, "unknown option 'projk'"},
      {{"--type", "softmax", "--set", "heads=3", "--dim", "8", "--grid", "2x2", "--input", x, "--output", out}, "not divisible by heads 3"},
      {{"--type", "softmax", "--dim", "8", "--grid", "2by2", "--input", x, "--output", out}, "--grid expects HxW"},
      {{"--type", "softmax", "--dim", "0", "--grid", "2x2", "--input", x, "--output", out}, "--dim expects a positive integer"},
      {{"--type", "softmax", "--dim", "8", "--grid", "2x2", "--input", temp_path("missing.safetensors"), "--output", out}, "missing.safetensors"},
      {{"--type", "softmax", "--dim", "8", "--grid", "2x2", "--input", temp_path("nox.safetensors"), "--output", out}, "has no tensor 'x'"},
      {{"--type", "softmax", "--dim", "16", "--grid", "2x2", "--input", x, "--output", out}, "x must be (B, N, 16)"},
      {{"--type", "softmax", "--set", "heads=2", "--dim", "8", "--grid", "2x2", "--input", x, "--output", out, "--grad-output",
        temp_path("dybad.safetensors"), "--grads", temp_path("g3.safetensors")}, "dy has shape (1, 3, 8)"},
      {{"--type", "softmax", "--dim", "8", "--grid", "2x2", "--input", x, "--output", out, "--grad-output", x}, "go together"},
      {{"--type", "softmax", "--dim", "8", "--grid", "2x2", "--input", x, "--output", out, "--weights", x}, "unexpected keys: x"},
      {{"--type", "softmax", "--dim", "8", "--grid", "2x2", "--input", x, "--output", out, "--bogus"}, "--bogus"},
  };
  for (const Bad& bad : cases) {
    INFO("expecting: " << bad.what);
    auto r = layer_run(bad.args);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(bad.what) != std::string::npos);
  }
}
