// train/optim/optimizer.cpp — see optimizer.h: group resolution, the step loop shared by every
// optimizer, and the flat state dict with its strict loader.
#include "train/optim/optimizer.h"

#include <array>
#include <charconv>
#include <map>
#include <set>
#include <string_view>

#include "core/autograd.h"
#include "core/factory.h"

namespace linattn {

namespace {

Tensor host_copy(const Tensor& t) {
  Tensor d = t.detach();
  return d.is_cuda() ? d.cpu() : d.clone();
}

// Parses a whole string as a non-negative index; false otherwise.
bool parse_index(std::string_view text, std::size_t& out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

const char* const kGroupFields[] = {"lr", "initial_lr", "weight_decay"};

}  // namespace

Optimizer::Optimizer(const char* name, std::vector<ParamGroupSpec> groups, double lr, double weight_decay)
    : name_(name) {
  LINATTN_CHECK(lr >= 0, name, ": learning rate must be ≥ 0, got ", lr);
  LINATTN_CHECK(weight_decay >= 0, name, ": weight_decay must be ≥ 0, got ", weight_decay);
  std::set<const TensorImpl*> seen;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    ParamGroupSpec& spec = groups[g];
    ParamGroup group;
    group.lr = group.initial_lr = spec.lr.value_or(lr);
    group.weight_decay = spec.weight_decay.value_or(weight_decay);
    LINATTN_CHECK(group.lr >= 0, name, ": parameter group ", g, " has learning rate ", group.lr, " (must be ≥ 0)");
    LINATTN_CHECK(group.weight_decay >= 0, name, ": parameter group ", g, " has weight_decay ",
                  group.weight_decay, " (must be ≥ 0)");
    for (std::size_t i = 0; i < spec.params.size(); ++i) {
      const Tensor& p = spec.params[i];
      LINATTN_CHECK(p.defined(), name, ": parameter ", i, " of group ", g, " is an undefined tensor");
      LINATTN_CHECK(is_floating(p.dtype()), name, ": parameter ", i, " of group ", g, " is ",
                    dtype_name(p.dtype()), "; only float tensors can be optimized");
      LINATTN_CHECK(p.is_leaf(), name, ": parameter ", i, " of group ", g, " (shape ", shape_str(p.shape()),
                    ") is computed by an op; optimizers update leaf tensors only");
      LINATTN_CHECK(seen.insert(p.impl_ptr().get()).second, name, ": parameter ", i, " of group ", g,
                    " (shape ", shape_str(p.shape()), ") appears more than once");
    }
    group.params = std::move(spec.params);
    groups_.push_back(std::move(group));
  }
  LINATTN_CHECK(!seen.empty(), name, ": got an empty parameter list");
  state_.resize(seen.size());
}

std::vector<Tensor> Optimizer::params() const {
  std::vector<Tensor> out;
  for (const auto& g : groups_) out.insert(out.end(), g.params.begin(), g.params.end());
  return out;
}

void Optimizer::set_lr(double lr) {
  LINATTN_CHECK(lr >= 0, name_, ": learning rate must be ≥ 0, got ", lr);
  for (auto& g : groups_) g.lr = lr;
}

void Optimizer::zero_grad() {
  for (auto& g : groups_)
    for (auto& p : g.params) p.zero_grad();
}

void Optimizer::step() {
  NoGradGuard no_grad;
  const auto names = buffer_names();
  std::size_t index = 0;
  for (const auto& group : groups_) {
    for (Tensor p : group.params) {
      ParamState& state = state_[index];
      const Tensor& grad = p.grad();
      if (grad.defined()) {
        LINATTN_CHECK(grad.shape() == p.shape() && grad.dtype() == p.dtype() && grad.device() == p.device(),
                      name_, ": parameter ", index, " is ", shape_str(p.shape()), " ", dtype_name(p.dtype()), " on ",
                      p.device().str(), " but its gradient is ", shape_str(grad.shape()), " ",
                      dtype_name(grad.dtype()), " on ", grad.device().str());
        if (state.step == 0) {
          state.buffers.clear();
          for (std::size_t b = 0; b < names.size(); ++b) state.buffers.push_back(zeros_like(p));
        }
        ++state.step;
        update(group, p, grad, state);
        p.bump_version();
      }
      ++index;
    }
  }
  ++step_count_;
}

NamedTensors Optimizer::state_dict() const {
  NamedTensors out;
  out.emplace_back("step_count", scalar(static_cast<double>(step_count_), {.dtype = DType::I64}));
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    const ParamGroup& group = groups_[g];
    const double values[] = {group.lr, group.initial_lr, group.weight_decay};
    for (std::size_t f = 0; f < 3; ++f)
      out.emplace_back(str_cat("param_groups.", g, ".", kGroupFields[f]), scalar(values[f], {.dtype = DType::F64}));
  }
  const auto names = buffer_names();
  for (std::size_t i = 0; i < state_.size(); ++i) {
    const ParamState& s = state_[i];
    if (s.step == 0) continue;
    Tensor step = Tensor::empty({}, {.dtype = DType::I64});
    step.data<std::int64_t>()[0] = s.step;  // exact, unlike a trip through double
    out.emplace_back(str_cat("state.", i, ".step"), step);
    for (std::size_t b = 0; b < names.size(); ++b)
      out.emplace_back(str_cat("state.", i, ".", names[b]), host_copy(s.buffers[b]));
  }
  return out;
}

void Optimizer::load_state_dict(const NamedTensors& state) {
  const auto names = buffer_names();
  const std::vector<Tensor> all = params();
  auto where = [&](const std::string& key) { return str_cat(name_, ".load_state_dict: '", key, "'"); };
  auto check_scalar = [&](const std::string& key, const Tensor& t, DType dtype) {
    LINATTN_CHECK(t.defined() && t.numel() == 1 && t.dtype() == dtype, where(key), " must be a one-element ",
                  dtype_name(dtype), " tensor, got ", t.defined() ? shape_str(t.shape()) : "undefined", " ",
                  t.defined() ? dtype_name(t.dtype()) : "");
    return t.cpu().item();
  };

  std::int64_t new_step_count = -1;
  std::vector<std::array<double, 3>> group_values(groups_.size());
  std::vector<std::array<bool, 3>> group_seen(groups_.size(), {false, false, false});
  std::vector<ParamState> new_state(state_.size());
  std::vector<std::vector<bool>> buffer_seen(state_.size(), std::vector<bool>(names.size(), false));
  std::set<std::string> keys;

  for (const auto& [key, t] : state) {
    LINATTN_CHECK(keys.insert(key).second, where(key), " appears twice");
    std::string_view k = key;
    if (k == "step_count") {
      LINATTN_CHECK(t.defined() && t.numel() == 1 && t.dtype() == DType::I64, where(key),
                    " must be a one-element int64 tensor");
      new_step_count = t.cpu().data<std::int64_t>()[0];
      continue;
    }
    if (k.starts_with("param_groups.")) {
      std::string_view rest = k.substr(13);
      std::size_t dot = rest.find('.'), g = 0;
      LINATTN_CHECK(dot != std::string_view::npos && parse_index(rest.substr(0, dot), g), where(key),
                    " is not of the form param_groups.<group>.<field>");
      LINATTN_CHECK(g < groups_.size(), where(key), " names group ", g, " but this optimizer has ", groups_.size(),
                    " parameter groups");
      std::string_view field = rest.substr(dot + 1);
      std::size_t f = 0;
      while (f < 3 && field != kGroupFields[f]) ++f;
      LINATTN_CHECK(f < 3, where(key), ": unknown group field (expected lr, initial_lr or weight_decay)");
      group_values[g][f] = check_scalar(key, t, DType::F64);
      group_seen[g][f] = true;
      continue;
    }
    if (k.starts_with("state.")) {
      std::string_view rest = k.substr(6);
      std::size_t dot = rest.find('.'), i = 0;
      LINATTN_CHECK(dot != std::string_view::npos && parse_index(rest.substr(0, dot), i), where(key),
                    " is not of the form state.<parameter>.<name>");
      LINATTN_CHECK(i < all.size(), where(key), " names parameter ", i, " but this optimizer has ", all.size(),
                    " parameters");
      std::string_view field = rest.substr(dot + 1);
      if (field == "step") {
        LINATTN_CHECK(t.defined() && t.numel() == 1 && t.dtype() == DType::I64, where(key),
                      " must be a one-element int64 tensor");
        new_state[i].step = t.cpu().data<std::int64_t>()[0];
        LINATTN_CHECK(new_state[i].step > 0, where(key), " must be ≥ 1, got ", new_state[i].step);
        continue;
      }
      std::size_t b = 0;
      while (b < names.size() && field != names[b]) ++b;
      LINATTN_CHECK(b < names.size(), where(key), ": ", name_, " keeps no state named '", field,
                    "'. ---> HINT: is this the state of a different optimizer?");
      const Tensor& p = all[i];
      LINATTN_CHECK(t.defined() && t.shape() == p.shape() && t.dtype() == p.dtype(), where(key), " is ",
                    t.defined() ? shape_str(t.shape()) : "undefined", " ", t.defined() ? dtype_name(t.dtype()) : "",
                    " but parameter ", i, " is ", shape_str(p.shape()), " ", dtype_name(p.dtype()));
      if (new_state[i].buffers.empty()) new_state[i].buffers.resize(names.size());
      new_state[i].buffers[b] = t;
      buffer_seen[i][b] = true;
      continue;
    }
    fail(str_cat(where(key), " is not an optimizer state key (expected step_count, param_groups.* or state.*)"));
  }

  LINATTN_CHECK(new_step_count >= 0, name_, ".load_state_dict: 'step_count' is missing");
  for (std::size_t g = 0; g < groups_.size(); ++g)
    for (std::size_t f = 0; f < 3; ++f)
      LINATTN_CHECK(group_seen[g][f], name_, ".load_state_dict: 'param_groups.", g, ".", kGroupFields[f],
                    "' is missing (the state has fewer parameter groups than this optimizer?)");
  for (std::size_t i = 0; i < new_state.size(); ++i) {
    bool any = new_state[i].step > 0 || !new_state[i].buffers.empty();
    if (!any) continue;
    LINATTN_CHECK(new_state[i].step > 0, name_, ".load_state_dict: 'state.", i, ".step' is missing");
    for (std::size_t b = 0; b < names.size(); ++b)
      LINATTN_CHECK(!new_state[i].buffers.empty() && buffer_seen[i][b], name_, ".load_state_dict: 'state.", i,
                    ".", names[b], "' is missing");
  }

  // Everything checked: commit, copying the buffers onto each parameter's device.
  for (std::size_t i = 0; i < new_state.size(); ++i) {
    ParamState s;
    s.step = new_state[i].step;
    for (const Tensor& b : new_state[i].buffers) {
      Tensor own = Tensor::empty(all[i].shape(), {.dtype = all[i].dtype(), .device = all[i].device()});
      own.copy_(b);
      s.buffers.push_back(own);
    }
    state_[i] = std::move(s);
  }
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    groups_[g].lr = group_values[g][0];
    groups_[g].initial_lr = group_values[g][1];
    groups_[g].weight_decay = group_values[g][2];
  }
  step_count_ = new_step_count;
}

}  // namespace linattn
