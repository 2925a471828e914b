// core/autograd.cpp — the graph nodes and the backward engine (see autograd.h).
#include "core/autograd.h"

#include <algorithm>
#include <atomic>
#include <unordered_map>

#include "core/ops/elementwise.h"

namespace linattn {

namespace {

thread_local bool t_grad_enabled = true;
std::atomic<std::uint64_t> g_next_sequence{0};

// A node made by an op: saved tensors + the op's backward function.
class FunctionNode final : public Node {
 public:
  FunctionNode(const char* name, std::vector<std::shared_ptr<Node>> next, Saved saved,
               BackwardFn fn)
      : Node(name, std::move(next)), saved_(std::move(saved)), fn_(std::move(fn)) {
    versions_.reserve(saved_.size());
    for (const auto& s : saved_) versions_.push_back(s.defined() ? s.version() : 0);
  }

  Grads apply(const Tensor& grad_out) override {
    LINATTN_CHECK(fn_ != nullptr, "trying to run backward through the graph a second time (at op '",
                  name(), "'): its saved tensors were freed after the first backward. ---> HINT: "
                  "pass retain_graph=true to the first backward() if you need to run it twice");
    for (std::size_t i = 0; i < saved_.size(); ++i) {
      LINATTN_CHECK(!saved_[i].defined() || saved_[i].version() == versions_[i],
                    "a tensor saved by op '", name(), "' for backward (shape ",
                    shape_str(saved_[i].shape()), ") was modified in place after it was saved; "
                    "its gradient would be wrong. ---> HINT: clone() it before the in-place write");
    }
    return fn_(grad_out, saved_);
  }

  void release() override {
    saved_.clear();
    fn_ = nullptr;
  }

 private:
  Saved saved_;
  std::vector<std::uint64_t> versions_;
  BackwardFn fn_;
};

// The node at the end of every path into a leaf: adds the incoming gradient into leaf.grad.
class AccumulateGrad final : public Node {
 public:
  explicit AccumulateGrad(std::shared_ptr<AutogradMeta> leaf)
      : Node("accumulate_grad", {}), leaf_(std::move(leaf)) {}

  Grads apply(const Tensor& grad_out) override {
    Tensor& g = leaf_->grad;
    if (!g.defined()) {
      // Steal the buffer when nobody else can see it; otherwise copy, so that in-place work on
      // .grad (clipping, say) never reaches another tensor.
      bool unique = grad_out.impl_ptr().use_count() == 1 && grad_out.storage().use_count() == 1;
      g = unique ? grad_out.detach() : grad_out.clone();
    } else {
      g = add(g, grad_out);
    }
    return {};
  }

 private:
  std::shared_ptr<AutogradMeta> leaf_;
};

std::shared_ptr<Node> edge_for(const Tensor& t) {
  if (!t.defined() || !t.requires_grad()) return nullptr;
  AutogradMeta& meta = t.autograd_meta();
  if (meta.grad_fn) return meta.grad_fn;
  std::shared_ptr<Node> acc = meta.grad_accumulator.lock();
  if (!acc) {
    acc = std::make_shared<AccumulateGrad>(t.impl_ptr()->autograd);
    meta.grad_accumulator = acc;
  }
  return acc;
}

}  // namespace

Node::Node(const char* name, std::vector<std::shared_ptr<Node>> next)
    : name_(name), sequence_(g_next_sequence.fetch_add(1)), next_(std::move(next)) {}

bool grad_enabled() { return t_grad_enabled; }

NoGradGuard::NoGradGuard() : previous_(t_grad_enabled) { t_grad_enabled = false; }
NoGradGuard::~NoGradGuard() { t_grad_enabled = previous_; }

bool needs_grad(std::initializer_list<const Tensor*> inputs) {
  if (!t_grad_enabled) return false;
  for (const Tensor* t : inputs)
    if (t->defined() && t->requires_grad()) return true;
  return false;
}

bool needs_grad(const std::vector<Tensor>& inputs) {
  if (!t_grad_enabled) return false;
  for (const Tensor& t : inputs)
    if (t.defined() && t.requires_grad()) return true;
  return false;
}

void record(const char* name, Tensor& out, const std::vector<Tensor>& inputs, Saved saved,
            BackwardFn backward) {
  if (!needs_grad(inputs)) return;
  std::vector<std::shared_ptr<Node>> next;
  next.reserve(inputs.size());
  for (const Tensor& t : inputs) next.push_back(edge_for(t));
  for (auto& s : saved)
    if (s.defined()) s = s.detach();
  auto node = std::make_shared<FunctionNode>(name, std::move(next), std::move(saved), std::move(backward));
  node->input_meta.reserve(inputs.size());
  for (const Tensor& t : inputs)
    node->input_meta.push_back(t.defined() ? Node::InputMeta{t.shape(), t.dtype(), t.device()}
                                           : Node::InputMeta{{}, DType::F32, Device::cpu()});
  AutogradMeta& meta = out.autograd_meta();
  meta.requires_grad = true;
  meta.grad_fn = std::move(node);
}

namespace {

// Collects every node reachable from `root`, newest first.
std::vector<Node*> topological_order(Node* root) {
  std::vector<Node*> order, stack{root};
  std::unordered_map<Node*, bool> seen{{root, true}};
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    order.push_back(n);
    for (const auto& next : n->next())
      if (next && seen.emplace(next.get(), true).second) stack.push_back(next.get());
  }
  std::sort(order.begin(), order.end(),
            [](Node* a, Node* b) { return a->sequence() > b->sequence(); });
  return order;
}

// The engine. With `captures`, gradients arriving at those nodes are stored in `captured`
// and leaf .grad is left alone (grad()); without, leaves accumulate (backward()).
void execute(const Tensor& root, const Tensor& grad_root, bool retain_graph,
             const std::unordered_map<Node*, std::size_t>* captures, std::vector<Tensor>* captured) {
  LINATTN_CHECK(root.requires_grad(), "backward(): the tensor (shape ", shape_str(root.shape()),
                ") does not require grad and has no grad_fn. ---> HINT: make an input "
                "requires_grad_() before the forward pass, and not under NoGradGuard");
  LINATTN_CHECK(grad_root.shape() == root.shape(), "backward(): the gradient has shape ",
                shape_str(grad_root.shape()), " but the tensor has shape ", shape_str(root.shape()));
  std::shared_ptr<Node> root_node = edge_for(root);
  NoGradGuard no_grad;
  std::unordered_map<Node*, Tensor> pending{{root_node.get(), grad_root}};
  for (Node* node : topological_order(root_node.get())) {
    auto it = pending.find(node);
    if (it == pending.end()) {
      if (!retain_graph) node->release();
      continue;
    }
    Tensor grad_out = std::move(it->second);
    pending.erase(it);
    if (auto retained = node->retained.lock()) {
      retained->grad = retained->grad.defined() ? add(retained->grad, grad_out) : grad_out.clone();
    }
    if (captures) {
      if (auto c = captures->find(node); c != captures->end()) (*captured)[c->second] = grad_out;
      if (node->next().empty()) continue;  // a leaf accumulator: never write .grad here
    }
    Grads grads = node->apply(grad_out);
    if (!retain_graph) node->release();
    if (node->next().empty()) continue;
    LINATTN_CHECK(grads.size() == node->next().size(), "internal error: backward of '",
                  node->name(), "' returned ", grads.size(), " gradients for ",
                  node->next().size(), " inputs");
    for (std::size_t i = 0; i < grads.size(); ++i) {
      Node* next = node->next()[i].get();
      if (!next || !grads[i].defined()) continue;
      const auto& meta = node->input_meta[i];
      LINATTN_CHECK(grads[i].shape() == meta.shape && grads[i].dtype() == meta.dtype,
                    "internal error: backward of '", node->name(), "' returned a ",
                    dtype_name(grads[i].dtype()), " gradient of shape ", shape_str(grads[i].shape()),
                    " for input ", i, " of shape ", shape_str(meta.shape), " (",
                    dtype_name(meta.dtype), ")");
      auto [slot, inserted] = pending.try_emplace(next, grads[i]);
      if (!inserted) slot->second = add(slot->second, grads[i]);
    }
  }
}

}  // namespace

void run_backward(const Tensor& root, const Tensor& grad_root, bool retain_graph) {
  execute(root, grad_root, retain_graph, nullptr, nullptr);
}

std::vector<Tensor> grad(const Tensor& output, const std::vector<Tensor>& inputs,
                         const Tensor& grad_output, bool retain_graph) {
  std::unordered_map<Node*, std::size_t> captures;
  std::vector<std::shared_ptr<Node>> keep_alive;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    LINATTN_CHECK(inputs[i].requires_grad(), "grad(): input ", i, " does not require grad");
    keep_alive.push_back(edge_for(inputs[i]));
    captures.emplace(keep_alive.back().get(), i);
  }
  std::vector<Tensor> captured(inputs.size());
  Tensor g = grad_output;
  if (!g.defined()) {
    LINATTN_CHECK(output.numel() == 1, "grad(): output has shape ", shape_str(output.shape()),
                  "; pass grad_output for a non-scalar output");
    g = Tensor::empty(output.shape(), {.dtype = output.dtype(), .device = output.device()});
    g.fill_(1.0);
  }
  execute(output, g, retain_graph, &captures, &captured);
  return captured;
}

}  // namespace linattn
