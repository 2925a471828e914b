// core/autograd.h — define-by-run reverse-mode autodiff.
//
// An op that produces `out` from inputs calls record(): if grad mode is on and any input
// requires grad, `out` gets a Node holding (a) one edge per input — the input's own grad_fn, a
// leaf's gradient accumulator, or nothing — (b) the tensors backward needs, saved detached with
// their storage versions, and (c) the backward function, written next to the forward:
//
//   Tensor y = ...forward...;
//   record("exp", y, {x}, /*saved=*/{y}, [](const Tensor& gy, const Saved& s) {
//     return Grads{mul(gy, s[0])};                   // ∂L/∂x = ∂L/∂y · y
//   });
//
// backward() visits nodes from the newest to the oldest (every consumer of a tensor is newer
// than its producer, so this is a topological order), sums gradients flowing into the same
// node, and accumulates leaf gradients into .grad. Backward functions run with grad mode off.
// After a backward without retain_graph, saved tensors are freed; walking the graph again is an
// error that says so. A saved tensor modified in place before backward is an error too.
#pragma once
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace linattn {

using Grads = std::vector<Tensor>;  // one per input; an undefined entry means "no gradient"
using Saved = std::vector<Tensor>;
using BackwardFn = std::function<Grads(const Tensor& grad_out, const Saved& saved)>;

// Per-tensor autograd state. A leaf that requires grad owns `grad`; a non-leaf has `grad_fn`.
struct AutogradMeta {
  bool requires_grad = false;
  Tensor grad;
  std::shared_ptr<Node> grad_fn;
  std::weak_ptr<Node> grad_accumulator;  // leaf: the node that writes `grad` (made lazily)
  bool retains_grad = false;
};

class Node {
 public:
  Node(const char* name, std::vector<std::shared_ptr<Node>> next);
  virtual ~Node() = default;
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  virtual Grads apply(const Tensor& grad_out) = 0;
  virtual void release() {}  // frees what apply() needed (after a non-retaining backward)

  const char* name() const { return name_; }
  std::uint64_t sequence() const { return sequence_; }
  const std::vector<std::shared_ptr<Node>>& next() const { return next_; }

  // Shape/dtype/device of each input that gradients are checked against.
  struct InputMeta {
    Shape shape;
    DType dtype;
    Device device;
  };
  std::vector<InputMeta> input_meta;
  std::weak_ptr<AutogradMeta> retained;  // set by retain_grad() on the output

 private:
  const char* name_;
  std::uint64_t sequence_;
  std::vector<std::shared_ptr<Node>> next_;
};

// ---- grad mode ------------------------------------------------------------------------------
bool grad_enabled();  // thread-local; on by default

class NoGradGuard {  // turns grad mode off for its scope
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

// ---- recording ------------------------------------------------------------------------------
// True when grad mode is on and at least one of `inputs` requires grad.
bool needs_grad(std::initializer_list<const Tensor*> inputs);
bool needs_grad(const std::vector<Tensor>& inputs);

// Attaches a backward node to `out` (see the header comment). Does nothing when no input needs
// a gradient or grad mode is off. Undefined inputs are allowed (an optional bias, say).
void record(const char* name, Tensor& out, const std::vector<Tensor>& inputs, Saved saved,
            BackwardFn backward);

// Runs backward from `root` with upstream gradient `grad_root` (same shape as root).
void run_backward(const Tensor& root, const Tensor& grad_root, bool retain_graph);

// Gradients of `output` with respect to `inputs` without touching .grad (used by gradcheck
// and tests): the inputs' .grad are left unchanged.
std::vector<Tensor> grad(const Tensor& output, const std::vector<Tensor>& inputs,
                         const Tensor& grad_output = Tensor(), bool retain_graph = false);

}  // namespace linattn
