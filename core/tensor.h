// core/tensor.h — the Tensor handle: shape + dtype + device + storage + autograd metadata.
//
// A Tensor is a cheap, shared handle (copying it shares the data, like a PyTorch tensor).
// Invariants: data is always contiguous, row-major, starting at the storage's first byte.
// reshape() of a tensor shares its storage; permute/transpose/slice produce contiguous copies.
// Ops are free functions (core/ops/*.h); the methods here are the tensor's own state, its
// conversions, in-place writes (never recorded by autograd) and the autograd entry points.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "core/device.h"
#include "core/dtype.h"
#include "core/error.h"
#include "core/shape.h"
#include "core/storage.h"

namespace linattn {

class Node;
struct AutogradMeta;

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  Shape shape;
  DType dtype = DType::F32;
  std::shared_ptr<AutogradMeta> autograd;  // null until the tensor takes part in autograd
};

// How to create a tensor: zeros({2, 3}, {.dtype = DType::F64, .requires_grad = true}).
struct Options {
  DType dtype = DType::F32;
  Device device = Device::cpu();
  bool requires_grad = false;
};

class Tensor {
 public:
  Tensor() = default;  // an undefined tensor (no storage); defined() is false
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // Uninitialized storage of the given shape.
  static Tensor empty(const Shape& shape, Options options = {});
  // A new tensor that shares `storage` (which must hold at least numel(shape) elements).
  static Tensor from_storage(std::shared_ptr<Storage> storage, const Shape& shape, DType dtype);

  // ---- state --------------------------------------------------------------------------------
  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const { return impl().shape; }
  int dim() const { return static_cast<int>(impl().shape.size()); }
  std::int64_t size(std::int64_t axis) const;  // negative axes count from the end
  std::int64_t numel() const { return linattn::numel(impl().shape); }
  DType dtype() const { return impl().dtype; }
  Device device() const { return impl().storage->device(); }
  bool is_cuda() const { return device().is_cuda(); }
  std::size_t nbytes() const { return static_cast<std::size_t>(numel()) * dtype_size(dtype()); }

  void* raw() const { return impl().storage->data(); }
  template <class T>
  T* data() const {  // typed pointer to the first element; the dtype must match T
    LINATTN_CHECK(dtype_of<T>() == dtype(), "data<", dtype_name(dtype_of<T>()), ">() on a ",
                  dtype_name(dtype()), " tensor");
    return static_cast<T*>(raw());
  }

  const std::shared_ptr<Storage>& storage() const { return impl().storage; }
  bool shares_storage(const Tensor& other) const { return storage() == other.storage(); }
  std::uint64_t version() const { return impl().storage->version(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }

  // ---- autograd -----------------------------------------------------------------------------
  bool requires_grad() const;
  Tensor& requires_grad_(bool on = true);  // leaves only (error on a non-leaf)
  bool is_leaf() const;                    // no grad_fn
  const std::shared_ptr<Node>& grad_fn() const;
  const Tensor& grad() const;              // undefined until a backward reaches this tensor
  void set_grad(const Tensor& grad);       // shape, dtype and device must match
  void zero_grad();                        // drops the gradient (like set_to_none=True)
  void retain_grad();                      // non-leaf: keep its gradient during backward
  // Backward from a one-element tensor (gradient 1), or with an explicit upstream gradient of
  // this tensor's shape. retain_graph keeps the saved tensors for a second backward.
  void backward(bool retain_graph = false) const;
  void backward(const Tensor& grad_output, bool retain_graph = false) const;
  Tensor detach() const;  // same storage, no autograd history

  // ---- conversions (differentiable) -------------------------------------------------------
  Tensor to(Device device) const;
  Tensor to(DType dtype) const;
  Tensor cpu() const { return to(Device::cpu()); }
  Tensor clone() const;

  // ---- host access (copies from the device when needed; for tests, printing, metrics) -----
  double item() const;                                   // one-element tensors
  double at(const std::vector<std::int64_t>& index) const;
  template <class T>
  std::vector<T> to_vector() const;                      // T must be the tensor's dtype

  // ---- in-place writes: not recorded by autograd; bump the storage version -----------------
  // (const: they change the data a handle points to, never the handle itself)
  const Tensor& fill_(double value) const;
  const Tensor& zero_() const { return fill_(0.0); }
  const Tensor& copy_(const Tensor& src) const;  // same shape; any device and dtype
  void bump_version() const { impl().storage->bump_version(); }
  // Replaces this tensor's data (storage, shape, dtype) with `source`'s, for every handle that
  // shares this tensor — how Module::to() moves parameters. Keeps requires_grad; drops .grad
  // when the device or dtype changes. Leaves only.
  void set_data(const Tensor& source) const;

  std::string str() const;  // PyTorch-like printing, summarized past 1000 elements

  // Autograd bookkeeping; ops reach it through core/autograd.h.
  AutogradMeta& autograd_meta() const;         // creates it on first use
  AutogradMeta* autograd_meta_if_any() const { return impl().autograd.get(); }

 private:
  const TensorImpl& impl() const {
    LINATTN_CHECK(impl_ != nullptr, "use of an undefined tensor");
    return *impl_;
  }
  std::shared_ptr<TensorImpl> impl_;
};

std::ostream& operator<<(std::ostream& out, const Tensor& t);

extern template std::vector<float> Tensor::to_vector<float>() const;
extern template std::vector<double> Tensor::to_vector<double>() const;
extern template std::vector<std::int64_t> Tensor::to_vector<std::int64_t>() const;

}  // namespace linattn
