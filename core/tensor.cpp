// core/tensor.cpp — Tensor's own methods: creation, autograd state, conversions, host access,
// in-place writes and printing (see tensor.h).
#include "core/tensor.h"

#include <cmath>
#include <cstdio>
#include <ostream>

#include "core/autograd.h"
#include "core/kernels/memory.h"
#if LINATTN_HAS_CUDA
#include "core/cuda/runtime.h"
#endif

namespace linattn {

namespace detail {
void no_cuda_backend(const char* kernel) {
  fail(str_cat("kernel '", kernel, "' was asked to run on a CUDA tensor, but this build of linattn "
               "has no CUDA backend"));
}
}  // namespace detail

Tensor Tensor::empty(const Shape& shape, Options options) {
  for (auto s : shape)
    LINATTN_CHECK(s >= 0, "cannot create a tensor of shape ", shape_str(shape), ": negative size");
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::make_shared<Storage>(
      static_cast<std::size_t>(linattn::numel(shape)) * dtype_size(options.dtype), options.device);
  impl->shape = shape;
  impl->dtype = options.dtype;
  Tensor t(std::move(impl));
  if (options.requires_grad) t.requires_grad_();
  return t;
}

Tensor Tensor::from_storage(std::shared_ptr<Storage> storage, const Shape& shape, DType dtype) {
  LINATTN_CHECK(storage->nbytes() >= static_cast<std::size_t>(linattn::numel(shape)) * dtype_size(dtype),
                "from_storage: storage of ", storage->nbytes(), " bytes is too small for shape ",
                shape_str(shape));
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::move(storage);
  impl->shape = shape;
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

std::int64_t Tensor::size(std::int64_t axis) const {
  return shape()[static_cast<std::size_t>(normalize_axis(axis, shape(), "size"))];
}

// ---- autograd ---------------------------------------------------------------------------------

AutogradMeta& Tensor::autograd_meta() const {
  auto& meta = impl_ptr()->autograd;
  if (!meta) meta = std::make_shared<AutogradMeta>();
  return *meta;
}

bool Tensor::requires_grad() const {
  auto* meta = autograd_meta_if_any();
  return meta && meta->requires_grad;
}

Tensor& Tensor::requires_grad_(bool on) {
  LINATTN_CHECK(is_leaf(), "requires_grad_() on a tensor computed by an op (a non-leaf); call it "
                "on the inputs, or use detach().requires_grad_()");
  LINATTN_CHECK(!on || is_floating(dtype()), "only float tensors can require grad, not ",
                dtype_name(dtype()));
  autograd_meta().requires_grad = on;
  return *this;
}

bool Tensor::is_leaf() const {
  auto* meta = autograd_meta_if_any();
  return !meta || !meta->grad_fn;
}

const std::shared_ptr<Node>& Tensor::grad_fn() const {
  static const std::shared_ptr<Node> none;
  auto* meta = autograd_meta_if_any();
  return meta ? meta->grad_fn : none;
}

const Tensor& Tensor::grad() const {
  static const Tensor none;
  auto* meta = autograd_meta_if_any();
  return meta ? meta->grad : none;
}

void Tensor::set_grad(const Tensor& g) {
  if (g.defined())
    LINATTN_CHECK(g.shape() == shape() && g.dtype() == dtype() && g.device() == device(),
                  "set_grad: gradient ", shape_str(g.shape()), " ", dtype_name(g.dtype()), " on ",
                  g.device().str(), " does not match the tensor ", shape_str(shape()), " ",
                  dtype_name(dtype()), " on ", device().str());
  autograd_meta().grad = g;
}

void Tensor::zero_grad() {
  if (auto* meta = autograd_meta_if_any()) meta->grad = Tensor();
}

void Tensor::retain_grad() {
  LINATTN_CHECK(requires_grad(), "retain_grad() on a tensor that does not require grad");
  AutogradMeta& meta = autograd_meta();
  meta.retains_grad = true;
  if (meta.grad_fn) meta.grad_fn->retained = impl_ptr()->autograd;
}

void Tensor::backward(bool retain_graph) const {
  LINATTN_CHECK(numel() == 1, "backward() without a gradient needs a one-element output, but this "
                "tensor has shape ", shape_str(shape()), ". ---> HINT: reduce it (sum/mean) or "
                "pass the upstream gradient: backward(grad_output)");
  Tensor one = Tensor::empty(shape(), {.dtype = dtype(), .device = device()});
  one.fill_(1.0);
  run_backward(*this, one, retain_graph);
}

void Tensor::backward(const Tensor& grad_output, bool retain_graph) const {
  run_backward(*this, grad_output, retain_graph);
}

Tensor Tensor::detach() const {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = storage();
  impl->shape = shape();
  impl->dtype = dtype();
  return Tensor(std::move(impl));
}

// ---- conversions ------------------------------------------------------------------------------

namespace {

// dst = src for tensors of equal numel on any devices, with any dtypes.
void copy_any(const Tensor& src, const Tensor& dst_handle) {
  Tensor dst = dst_handle;  // kernels take the output handle by reference
  LINATTN_CHECK(src.numel() == dst.numel(), "copy: ", shape_str(src.shape()), " into ",
                shape_str(dst.shape()), " (different sizes)");
  if (src.device() == dst.device()) {
    LINATTN_DISPATCH(dst.device(), copy, src, dst);
    return;
  }
#if LINATTN_HAS_CUDA
  if (src.dtype() == dst.dtype()) {
    cuda::copy_between_devices(src, dst);
  } else {  // convert on the source device, then move
    Tensor converted = Tensor::empty(src.shape(), {.dtype = dst.dtype(), .device = src.device()});
    LINATTN_DISPATCH(src.device(), copy, src, converted);
    cuda::copy_between_devices(converted, dst);
  }
#else
  detail::no_cuda_backend("copy_between_devices");
#endif
}

}  // namespace

Tensor Tensor::to(Device target) const {
  if (target == device()) return *this;
  Tensor out = Tensor::empty(shape(), {.dtype = dtype(), .device = target});
  copy_any(*this, out);
  Device source = device();
  record("to_device", out, {*this}, {}, [source](const Tensor& g, const Saved&) {
    return Grads{g.to(source)};
  });
  return out;
}

Tensor Tensor::to(DType target) const {
  if (target == dtype()) return *this;
  Tensor out = Tensor::empty(shape(), {.dtype = target, .device = device()});
  copy_any(*this, out);
  DType source = dtype();
  if (is_floating(target) && is_floating(source))
    record("to_dtype", out, {*this}, {}, [source](const Tensor& g, const Saved&) {
      return Grads{g.to(source)};
    });
  return out;
}

Tensor Tensor::clone() const {
  Tensor out = Tensor::empty(shape(), {.dtype = dtype(), .device = device()});
  copy_any(*this, out);
  record("clone", out, {*this}, {}, [](const Tensor& g, const Saved&) { return Grads{g}; });
  return out;
}

// ---- host access ------------------------------------------------------------------------------

template <class T>
std::vector<T> Tensor::to_vector() const {
  LINATTN_CHECK(dtype_of<T>() == dtype(), "to_vector<", dtype_name(dtype_of<T>()), ">() on a ",
                dtype_name(dtype()), " tensor");
  Tensor host = detach().to(Device::cpu());
  const T* p = host.data<T>();
  return std::vector<T>(p, p + numel());
}
template std::vector<float> Tensor::to_vector<float>() const;
template std::vector<double> Tensor::to_vector<double>() const;
template std::vector<std::int64_t> Tensor::to_vector<std::int64_t>() const;

double Tensor::item() const {
  LINATTN_CHECK(numel() == 1, "item() needs a one-element tensor, got shape ", shape_str(shape()));
  return at(std::vector<std::int64_t>(static_cast<std::size_t>(dim()), 0));
}

double Tensor::at(const std::vector<std::int64_t>& index) const {
  LINATTN_CHECK(index.size() == shape().size(), "at(): ", index.size(), " indices for a tensor of shape ",
                shape_str(shape()));
  std::int64_t flat = 0;
  for (std::size_t i = 0; i < index.size(); ++i) {
    LINATTN_CHECK(index[i] >= 0 && index[i] < shape()[i], "at(): index ", index[i], " out of range for axis ",
                  i, " of shape ", shape_str(shape()));
    flat = flat * shape()[i] + index[i];
  }
  Tensor host = is_cuda() ? detach().to(Device::cpu()) : *this;
  return LINATTN_ALL_TYPES(dtype(), "at", [&] { return static_cast<double>(host.data<scalar_t>()[flat]); });
}

// ---- in-place writes --------------------------------------------------------------------------

const Tensor& Tensor::fill_(double value) const {
  Tensor self = *this;  // kernels take the output handle by reference
  LINATTN_DISPATCH(device(), fill, self, value);
  bump_version();
  return *this;
}

const Tensor& Tensor::copy_(const Tensor& src) const {
  LINATTN_CHECK(src.shape() == shape(), "copy_: source shape ", shape_str(src.shape()),
                " does not match destination shape ", shape_str(shape()));
  copy_any(src, *this);
  bump_version();
  return *this;
}

void Tensor::set_data(const Tensor& source) const {
  LINATTN_CHECK(is_leaf(), "set_data() on a non-leaf tensor");
  TensorImpl& self = *impl_ptr();
  bool moved = source.device() != device() || source.dtype() != dtype();
  self.storage = source.storage();
  self.shape = source.shape();
  self.dtype = source.dtype();
  if (moved && self.autograd) self.autograd->grad = Tensor();
}

// ---- printing ---------------------------------------------------------------------------------

namespace {

void print_values(std::ostream& out, const std::vector<double>& v, const Shape& shape,
                  std::size_t axis, std::int64_t offset, bool summarize, bool integral, int indent) {
  if (shape.empty()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, integral ? "%.0f" : "%.4f", v[static_cast<std::size_t>(offset)]);
    out << buf;
    return;
  }
  std::int64_t n = shape[axis], stride = 1;
  for (std::size_t i = axis + 1; i < shape.size(); ++i) stride *= shape[i];
  out << "[";
  for (std::int64_t i = 0; i < n; ++i) {
    if (summarize && n > 6 && i == 3) {
      out << (axis + 1 == shape.size() ? "..., " : "...,\n" + std::string(static_cast<std::size_t>(indent + 1), ' '));
      i = n - 3;
    }
    if (axis + 1 == shape.size()) {
      char buf[32];
      std::snprintf(buf, sizeof buf, integral ? "%.0f" : "%.4f", v[static_cast<std::size_t>(offset + i)]);
      out << buf;
    } else {
      print_values(out, v, shape, axis + 1, offset + i * stride, summarize, integral, indent + 1);
    }
    if (i + 1 < n) out << (axis + 1 == shape.size() ? ", " : ",\n" + std::string(static_cast<std::size_t>(indent + 1), ' '));
  }
  out << "]";
}

}  // namespace

std::string Tensor::str() const {
  if (!defined()) return "tensor(undefined)";
  Tensor host = detach().to(Device::cpu()).to(DType::F64);
  std::vector<double> v = host.to_vector<double>();
  std::ostringstream out;
  out << "tensor(";
  if (dim() == 0) {
    print_values(out, v, {}, 0, 0, false, dtype() == DType::I64, 7);
  } else {
    print_values(out, v, shape(), 0, 0, numel() > 1000, dtype() == DType::I64, 7);
  }
  if (dtype() != DType::F32) out << ", dtype=" << dtype_name(dtype());
  if (is_cuda()) out << ", device='" << device().str() << "'";
  if (requires_grad()) out << (grad_fn() ? ", grad_fn=" : ", requires_grad=True");
  if (grad_fn()) out << grad_fn()->name();
  out << ")";
  return out.str();
}

std::ostream& operator<<(std::ostream& out, const Tensor& t) { return out << t.str(); }

}  // namespace linattn
