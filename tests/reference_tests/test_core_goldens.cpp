// tests/reference_tests/test_core_goldens.cpp — core ops against PyTorch: for every case of
// tests/reference/make_core_goldens.py, the forward output and the gradients of sum(out · w)
// for every input, in float64 (≤ 1e-10) and float32 (≤ 1e-5); tolerances in support/reference.h.
#include <doctest/doctest.h>

#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "core/ops.h"
#include "support/reference.h"

using namespace linattn;
using namespace linattn::testing;

namespace {

using Inputs = std::vector<Tensor>;
using OpCase = std::function<Tensor(const Inputs&)>;

// The same cases, in the same words, as op_cases() in make_core_goldens.py.
const std::map<std::string, OpCase>& op_cases() {
  static const std::map<std::string, OpCase> cases = {
      {"add", [](const Inputs& x) { return add(x[0], x[1]); }},
      {"sub", [](const Inputs& x) { return sub(x[0], x[1]); }},
      {"mul", [](const Inputs& x) { return mul(x[0], x[1]); }},
      {"div", [](const Inputs& x) { return div(x[0], x[1]); }},
      {"exp", [](const Inputs& x) { return exp(x[0]); }},
      {"log", [](const Inputs& x) { return log(x[0]); }},
      {"sqrt", [](const Inputs& x) { return sqrt(x[0]); }},
      {"tanh", [](const Inputs& x) { return tanh(x[0]); }},
      {"sigmoid", [](const Inputs& x) { return sigmoid(x[0]); }},
      {"gelu", [](const Inputs& x) { return gelu(x[0]); }},
      {"relu", [](const Inputs& x) { return relu(x[0]); }},
      {"pow", [](const Inputs& x) { return pow(x[0], x[1]); }},
      {"pow_scalar", [](const Inputs& x) { return pow(x[0], 2.5); }},
      {"sum_axis1", [](const Inputs& x) { return sum(x[0], {1}); }},
      {"sum_axes02_keepdim", [](const Inputs& x) { return sum(x[0], {0, 2}, true); }},
      {"mean_last", [](const Inputs& x) { return mean(x[0], {-1}); }},
      {"max_axis1", [](const Inputs& x) { return max(x[0], {1}); }},
      {"max_all", [](const Inputs& x) { return max(x[0]); }},
      {"var_axis1", [](const Inputs& x) { return var(x[0], {1}); }},
      {"var_axes02_population", [](const Inputs& x) { return var(x[0], {0, 2}, true, 0); }},
      {"permute", [](const Inputs& x) { return permute(x[0], {2, 0, 1}); }},
      {"cat", [](const Inputs& x) { return cat({x[0], x[1], x[2]}, 1); }},
      {"narrow", [](const Inputs& x) { return narrow(x[0], 2, 1, 3); }},
      {"bmm", [](const Inputs& x) { return bmm(x[0], x[1]); }},
      {"bmm_trans_a", [](const Inputs& x) { return bmm(x[0], x[1], true, false); }},
      {"bmm_trans_b", [](const Inputs& x) { return bmm(x[0], x[1], false, true); }},
      {"bmm_trans_ab", [](const Inputs& x) { return bmm(x[0], x[1], true, true); }},
      {"bmm_shared_b", [](const Inputs& x) { return bmm(x[0], x[1]); }},
      {"linear", [](const Inputs& x) { return linear(x[0], x[1], x[2]); }},
      {"linear_no_bias", [](const Inputs& x) { return linear(x[0], x[1]); }},
  };
  return cases;
}

std::set<std::string> listed_cases(const SafetensorsFile& golden) {
  auto it = golden.metadata.find("cases");
  REQUIRE_MESSAGE(it != golden.metadata.end(), golden.path, " has no 'cases' metadata");
  std::set<std::string> out;
  std::stringstream in(it->second);
  for (std::string name; std::getline(in, name, ',');) out.insert(name);
  return out;
}

void check_op_goldens(const std::string& file) {
  SafetensorsFile golden = load_golden_or_skip(file);
  std::set<std::string> ours;
  for (const auto& [name, fn] : op_cases()) ours.insert(name);
  CHECK_MESSAGE(listed_cases(golden) == ours, "the cases of ", file, " and of this test differ");

  for (const auto& [name, fn] : op_cases()) {
    if (!golden.contains(name + ".out")) continue;  // reported by the case-list check
    Inputs xs;
    for (int i = 0; golden.contains(str_cat(name, ".in", i)); ++i)
      xs.push_back(golden.at(str_cat(name, ".in", i)).clone().requires_grad_());
    Tensor y = fn(xs);
    CHECK_MATCHES_GOLDEN(name + ".out", y, golden.at(name + ".out"));
    std::vector<Tensor> grads = grad(sum(mul(y, golden.at(name + ".w"))), xs);
    for (std::size_t i = 0; i < xs.size(); ++i) {
      std::string key = str_cat(name, ".grad", i);
      CHECK_MATCHES_GOLDEN(key, grads[i], golden.at(key));
    }
  }
}

}  // namespace

TEST_CASE("core ops and their gradients match PyTorch in float64") { check_op_goldens("core_ops_f64.safetensors"); }

TEST_CASE("core ops and their gradients match PyTorch in float32") { check_op_goldens("core_ops_f32.safetensors"); }
