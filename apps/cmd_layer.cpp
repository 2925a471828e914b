// apps/cmd_layer.cpp — `linattn layer`: runs one attention layer on tensors from a safetensors
// file, for parity checks against a PyTorch port and for our own tests. Weights use the §13
// names; without --weights the layer is initialized from the seed (--save-weights writes them).
// With --grad-output (tensor `dy`), --grads holds the gradient of `x` under "x" and of every
// parameter under its own name.
#include <cstdio>
#include <map>

#include "apps/cli.h"
#include "core/ops.h"
#include "core/safetensors.h"
#include "layers/attention/attention.h"

namespace linattn::cli {

namespace {

constexpr const char* kHelp = R"(usage: linattn layer --type T --dim C --grid HxW --input X.safetensors --output Y.safetensors [options]

Runs one attention layer (token layout) on the tensor `x` (B, N, C) of X and writes `y` to Y.

options:
  --type T                  a registered attention type: softmax | cos2d | external |
                            linformer | additive | efficient
  --set KEY=VALUE           a layer option, e.g. heads=4, proj_k=32, sharing=kv (repeatable;
                            `linattn layer --type T --help-options` lists T's options)
  --dim C                   channels
  --grid HxW                the token grid (N must fit it: cos2d needs N = H·W, linformer N ≤ H·W)
  --dtype f32|f64           computation dtype (default f32); x is converted to it
  --seed S                  initialization seed when no --weights (default 0)
  --weights W.safetensors   load the layer's parameters (strict names and shapes)
  --save-weights W          write the parameters used (with the seed's initialization)
  --grad-output G           backpropagate the tensor `dy` of G (same shape as y)
  --grads DG                where --grad-output writes the gradients: "x" and every parameter
)";

Grid parse_grid(const std::string& text) {
  auto x = text.find('x');
  LINATTN_CHECK(x != std::string::npos, "--grid expects HxW (e.g. 8x8), got '", text, "'");
  try {
    std::size_t a = 0, b = 0;
    std::int64_t h = std::stoll(text.substr(0, x), &a), w = std::stoll(text.substr(x + 1), &b);
    if (a == x && b == text.size() - x - 1 && h > 0 && w > 0) return {h, w};
  } catch (const std::exception&) {
  }
  fail(str_cat("--grid expects HxW with positive integers (e.g. 8x8), got '", text, "'"));
}

std::int64_t parse_positive(const std::string& flag, const std::string& text) {
  try {
    std::size_t used = 0;
    std::int64_t v = std::stoll(text, &used);
    if (used == text.size() && v > 0) return v;
  } catch (const std::exception&) {
  }
  fail(str_cat(flag, " expects a positive integer, got '", text, "'"));
}

std::uint64_t parse_seed(const std::string& text) {
  try {
    std::size_t used = 0;
    std::uint64_t v = std::stoull(text, &used);
    if (used == text.size() && !text.empty() && text[0] != '-') return v;
  } catch (const std::exception&) {
  }
  fail(str_cat("--seed expects a non-negative integer, got '", text, "'"));
}

const Tensor& tensor_in(const SafetensorsFile& file, const std::string& name) {
  if (file.contains(name)) return file.at(name);
  std::string found;
  for (const auto& [n, t] : file.tensors) found += (found.empty() ? "" : ", ") + n;
  fail(str_cat(file.path, " has no tensor '", name, "' (it holds: ", found.empty() ? "nothing" : found, ")"));
}

// The type's summary and each option with its default and doc, as the type declares them.
void print_options(const AttentionType& type) {
  std::printf("%s: %s\noptions of %s:\n", type.name.c_str(), type.summary.c_str(), type.name.c_str());
  for (const auto& field : type.fields) {
    std::string choices;
    for (const auto& c : field.choices) choices += (choices.empty() ? "one of " : ", ") + c;
    std::printf("  %-28s %s (%s%sdefault %s)\n", field.key.c_str(), field.doc.c_str(), choices.c_str(),
                choices.empty() ? "" : "; ", field.text(type.defaults).c_str());
  }
}

int run_layer(const Args& args) {
  ParsedArgs p = parse_args("layer", args,
                            {{"--type", true}, {"--set", true, true}, {"--dim", true}, {"--grid", true}, {"--dtype", true},
                             {"--seed", true}, {"--weights", true}, {"--save-weights", true}, {"--input", true},
                             {"--output", true}, {"--grad-output", true}, {"--grads", true}, {"--help-options", false}});
  if (p.help) {
    std::fputs(kHelp, stdout);
    return kExitOk;
  }
  expect_positional("layer", p, 0, 0, "no");
  if (!p.has("--type")) {
    std::string types;
    for (const auto& t : attention_types()) types += (types.empty() ? "" : ", ") + t;
    throw UsageError("layer: --type is required (one of " + types + ")");
  }
  const std::string type = p.value("--type");
  if (p.has("--help-options")) {
    print_options(attention_type(type));
    return kExitOk;
  }
  for (const char* flag : {"--dim", "--grid", "--input", "--output"})
    if (!p.has(flag)) throw UsageError(str_cat("layer: ", flag, " is required"));
  if (p.has("--weights") && p.has("--save-weights"))
    throw UsageError("layer: give --weights or --save-weights, not both");
  if (p.has("--grad-output") != p.has("--grads"))
    throw UsageError("layer: --grad-output and --grads go together");

  std::map<std::string, std::string> options;
  for (const auto& kv : p.all("--set")) {
    auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) throw UsageError(str_cat("layer: --set expects KEY=VALUE, got '", kv, "'"));
    options[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  const std::int64_t dim = parse_positive("--dim", p.value("--dim"));
  const Grid grid = parse_grid(p.value("--grid"));
  const DType dtype = parse_dtype(p.value("--dtype", "f32"));
  LINATTN_CHECK(is_floating(dtype), "--dtype must be f32 or f64");
  Generator gen(parse_seed(p.value("--seed", "0")));

  auto layer = make_attention(parse_attention_options(type, options), dim, grid, gen);
  layer->to(dtype);
  if (p.has("--weights")) layer->load_state_dict(load_safetensors(p.value("--weights")).tensors);
  if (p.has("--save-weights")) save_safetensors(p.value("--save-weights"), layer->state_dict());

  SafetensorsFile input = load_safetensors(p.value("--input"));
  Tensor x = tensor_in(input, "x");
  LINATTN_CHECK(x.dim() == 3 && x.shape()[2] == dim, p.value("--input"), ": x must be (B, N, ", dim, "), got ",
                shape_str(x.shape()));
  x = x.to(dtype).detach().requires_grad_(p.has("--grad-output"));
  Tensor y = layer->forward(x);
  save_safetensors(p.value("--output"), {{"y", y.detach()}});
  if (p.has("--grad-output")) {
    SafetensorsFile go = load_safetensors(p.value("--grad-output"));
    Tensor dy = tensor_in(go, "dy");
    LINATTN_CHECK(dy.shape() == y.shape(), p.value("--grad-output"), ": dy has shape ", shape_str(dy.shape()),
                  " but y has shape ", shape_str(y.shape()));
    y.backward(dy.to(dtype));
    NamedTensors grads{{"x", x.grad()}};
    for (const auto& [name, param] : layer->named_parameters())
      grads.emplace_back(name, param.grad().defined() ? param.grad() : zeros_like(param));
    save_safetensors(p.value("--grads"), grads);
  }
  return kExitOk;
}

}  // namespace

Command layer_command() {
  return {"layer", "run one attention layer on tensors from a safetensors file (parity checks)", kHelp, run_layer};
}

}  // namespace linattn::cli
