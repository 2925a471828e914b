// train/loss_window.cpp — see loss_window.h.
#include "train/loss_window.h"

#include "core/autograd.h"
#include "core/ops/layout.h"

namespace linattn {

void LossWindow::push(const Tensor& loss, std::int64_t step, std::int64_t batch) {
  LINATTN_CHECK(loss.numel() == 1, "LossWindow: a loss must have one element, got shape ", shape_str(loss.shape()));
  losses_.push_back(loss.detach());
  tags_.push_back({0.0, step, batch});
}

std::vector<PendingLoss> LossWindow::drain() {
  std::vector<PendingLoss> out = std::move(tags_);
  tags_.clear();
  if (out.empty()) return out;
  std::vector<Tensor> flat;
  flat.reserve(losses_.size());
  {
    NoGradGuard no_grad;
    for (const Tensor& l : losses_) flat.push_back(reshape(l.to(DType::F64), {1}));  // exact widening
  }
  // One device-side concatenation and one transfer (the only wait for the device).
  const Tensor all = (flat.size() == 1 ? flat[0] : cat(flat, 0)).to(Device::cpu());
  losses_.clear();
  const std::vector<double> values = all.to_vector<double>();
  for (std::size_t i = 0; i < out.size(); ++i) out[i].value = values[i];
  return out;
}

}  // namespace linattn
