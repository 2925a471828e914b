// core/ops/linalg.cpp — bmm, matmul and linear, forward and backward side by side.
#include "core/ops/linalg.h"

#include "core/autograd.h"
#include "core/kernels/gemm.h"
#include "core/kernels/layout.h"
#include "core/ops/layout.h"
#include "core/ops/reduce.h"

namespace linattn {

namespace {

// Matrix dims of x as stored: (rows, cols) = last two axes; batch = product of the rest.
struct MatrixView {
  Shape batch_shape;
  std::int64_t batch, rows, cols;
};

MatrixView matrix_view(const Tensor& x, const char* op, const char* name) {
  LINATTN_CHECK(x.dim() >= 2, op, ": ", name, " must have at least 2 axes, got shape ", shape_str(x.shape()));
  MatrixView v;
  v.batch_shape = Shape(x.shape().begin(), x.shape().end() - 2);
  v.batch = numel(v.batch_shape);
  v.rows = x.shape()[x.shape().size() - 2];
  v.cols = x.shape().back();
  return v;
}

}  // namespace

Tensor bmm(const Tensor& a, const Tensor& b, bool ta, bool tb) {
  LINATTN_CHECK(a.dtype() == b.dtype() && a.device() == b.device(), "bmm: operands differ in dtype or device (",
                dtype_name(a.dtype()), " on ", a.device().str(), " vs ", dtype_name(b.dtype()), " on ", b.device().str(), ")");
  MatrixView va = matrix_view(a, "bmm", "the left operand"), vb = matrix_view(b, "bmm", "the right operand");
  std::int64_t m = ta ? va.cols : va.rows, k = ta ? va.rows : va.cols;
  std::int64_t kb = tb ? vb.cols : vb.rows, n = tb ? vb.rows : vb.cols;
  LINATTN_CHECK(k == kb, "bmm: inner dimensions differ: ", shape_str(a.shape()), (ta ? "ᵀ" : ""), " · ",
                shape_str(b.shape()), (tb ? "ᵀ" : ""), " (", k, " vs ", kb, ")");
  bool a_batched = !va.batch_shape.empty(), b_batched = !vb.batch_shape.empty();
  LINATTN_CHECK(!a_batched || !b_batched || va.batch_shape == vb.batch_shape, "bmm: batch axes differ: ",
                shape_str(a.shape()), " and ", shape_str(b.shape()),
                " (they must be equal, or absent on one side)");
  Shape batch_shape = a_batched ? va.batch_shape : vb.batch_shape;
  Shape out_shape = batch_shape;
  out_shape.push_back(m);
  out_shape.push_back(n);
  Tensor out = Tensor::empty(out_shape, {.dtype = a.dtype(), .device = a.device()});
  GemmShape g{.trans_a = ta, .trans_b = tb, .batch = numel(batch_shape), .m = m, .n = n, .k = k,
              .stride_a = a_batched ? va.rows * va.cols : 0, .stride_b = b_batched ? vb.rows * vb.cols : 0,
              .stride_c = m * n};
  LINATTN_DISPATCH(out.device(), gemm, g, a, b, out);

  bool ga = a.requires_grad(), gb = b.requires_grad();
  record("bmm", out, {a, b}, {gb ? a : Tensor(), ga ? b : Tensor()},
         [ta, tb, ga, gb, a_batched, b_batched, sa = a.shape(), sb = b.shape()](const Tensor& gy, const Saved& s) {
           Grads grads(2);
           // C = op(A)·op(B):  ∂A = gy·op(B)ᵀ (or its transpose when A is stored transposed),
           //                   ∂B = op(A)ᵀ·gy (likewise).
           if (ga) {
             Tensor d = ta ? bmm(s[1], gy, tb, true) : bmm(gy, s[1], false, !tb);
             grads[0] = a_batched ? d : sum_to(d, sa);  // A shared over the batch: sum its grads
           }
           if (gb) {
             Tensor d = tb ? bmm(gy, s[0], true, ta) : bmm(s[0], gy, !ta, false);
             grads[1] = b_batched ? d : sum_to(d, sb);
           }
           return grads;
         });
  return out;
}

Tensor matmul(const Tensor& a, const Tensor& b) { return bmm(a, b, false, false); }

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  LINATTN_CHECK(weight.dim() == 2, "linear: weight must be (out, in), got ", shape_str(weight.shape()));
  LINATTN_CHECK(x.dim() >= 1 && x.shape().back() == weight.shape()[1], "linear: input of shape ",
                shape_str(x.shape()), " does not end in the weight's in_features ", weight.shape()[1],
                " (weight ", shape_str(weight.shape()), ")");
  LINATTN_CHECK(x.dtype() == weight.dtype() && x.device() == weight.device(), "linear: input is ",
                dtype_name(x.dtype()), " on ", x.device().str(), " but weight is ", dtype_name(weight.dtype()),
                " on ", weight.device().str());
  const std::int64_t in = weight.shape()[1], out_features = weight.shape()[0];
  const std::int64_t rows = x.numel() / std::max<std::int64_t>(in, 1);
  Shape out_shape = x.shape();
  out_shape.back() = out_features;
  Tensor out = Tensor::empty(out_shape, {.dtype = x.dtype(), .device = x.device()});
  double beta = 0.0;
  if (bias.defined()) {
    LINATTN_CHECK(bias.shape() == Shape{out_features}, "linear: bias of shape ", shape_str(bias.shape()),
                  " does not match out_features ", out_features);
    LINATTN_DISPATCH(out.device(), expand, bias, out);  // every row starts as the bias
    beta = 1.0;
  }
  GemmShape g{.trans_a = false, .trans_b = true, .batch = 1, .m = rows, .n = out_features, .k = in,
              .beta = beta};
  LINATTN_DISPATCH(out.device(), gemm, g, x, weight, out);

  bool gx = x.requires_grad(), gw = weight.requires_grad();
  record("linear", out, {x, weight, bias}, {gw ? x : Tensor(), gx ? weight : Tensor()},
         [gx, gw, has_bias = bias.defined(), rows, in, out_features, xs = x.shape()](const Tensor& gy, const Saved& s) {
           Grads grads(3);
           Tensor g2 = reshape(gy, {rows, out_features});
           if (gx) grads[0] = reshape(bmm(g2, s[1], false, false), xs);                  // gy · W
           if (gw) grads[1] = bmm(g2, reshape(s[0], {rows, in}), true, false);          // gyᵀ · x
           if (has_bias) grads[2] = sum(g2, {0});
           return grads;
         });
  return out;
}

}  // namespace linattn
