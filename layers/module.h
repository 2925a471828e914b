// layers/module.h — the Module base: named parameters, buffers and children with PyTorch
// state_dict names ("blocks.3.attn.qkv.weight"), train/eval, device/dtype moves, and strict
// state_dict loading.
//
// A layer registers its tensors in its constructor and keeps the returned handles as members;
// to() swaps the data behind those handles (Tensor::set_data), so members never go stale.
// Children are registered as shared_ptr and named; lists of blocks use "0", "1", ...
// Each layer defines its own forward(...) (signatures differ); Module has none.
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/safetensors.h"
#include "core/tensor.h"

namespace linattn {

class Module {
 public:
  Module() = default;
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  // ---- traversal (recursive, registration order, names joined with '.') ----
  NamedTensors named_parameters() const;
  NamedTensors named_buffers() const;
  std::vector<Tensor> parameters() const;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> named_children() const { return children_; }
  std::int64_t num_parameters() const;

  // Parameters then buffers, as PyTorch orders a state_dict (per module, recursively).
  NamedTensors state_dict() const;
  // Copies values into this module's tensors (converting dtype/device). Strict: every name must
  // match and every shape must agree, else one error listing the missing, unexpected and
  // mismatched keys.
  void load_state_dict(const NamedTensors& state, bool strict = true);

  // Calls fn on this module and every descendant, parents first (like nn.Module.apply).
  void apply(const std::function<void(Module&)>& fn);

  // ---- mode and placement ----
  virtual void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }
  void to(Device device);
  void to(DType dtype);  // floating parameters and buffers only
  void zero_grad();

 protected:
  // Registration; the names must be unique within this module and contain no '.'.
  Tensor register_parameter(const std::string& name, Tensor value);  // sets requires_grad
  Tensor register_buffer(const std::string& name, Tensor value);
  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> child) {
    check_new_name(name);
    children_.emplace_back(name, child);
    return child;
  }

 private:
  void check_new_name(const std::string& name) const;
  void collect(const std::string& prefix, bool params, bool buffers, NamedTensors& out) const;

  NamedTensors params_, buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
};

// An ordered list of children named "0", "1", ... (nn.ModuleList), e.g. a model's blocks.
class ModuleList : public Module {
 public:
  template <class M>
  std::shared_ptr<M> push_back(std::shared_ptr<M> child) {
    return register_module(std::to_string(size_++), std::move(child));
  }
  std::size_t size() const { return size_; }

 private:
  std::size_t size_ = 0;
};

}  // namespace linattn
