// layers/module.cpp — see module.h.
#include "layers/module.h"

#include <algorithm>
#include <set>

#include "core/autograd.h"

namespace linattn {

void Module::check_new_name(const std::string& name) const {
  LINATTN_CHECK(!name.empty() && name.find('.') == std::string::npos, "module member name '", name,
                "' must be non-empty and contain no '.'");
  auto taken = [&](const auto& list) {
    return std::any_of(list.begin(), list.end(), [&](const auto& e) { return e.first == name; });
  };
  LINATTN_CHECK(!taken(params_) && !taken(buffers_) && !taken(children_), "module member name '", name,
                "' is registered twice");
}

Tensor Module::register_parameter(const std::string& name, Tensor value) {
  check_new_name(name);
  LINATTN_CHECK(value.defined() && is_floating(value.dtype()), "parameter '", name, "' must be a float tensor");
  if (!value.requires_grad()) value.requires_grad_();
  params_.emplace_back(name, value);
  return value;
}

Tensor Module::register_buffer(const std::string& name, Tensor value) {
  check_new_name(name);
  buffers_.emplace_back(name, value);
  return value;
}

void Module::collect(const std::string& prefix, bool params, bool buffers, NamedTensors& out) const {
  if (params)
    for (const auto& [n, t] : params_) out.emplace_back(prefix + n, t);
  if (buffers)
    for (const auto& [n, t] : buffers_) out.emplace_back(prefix + n, t);
  for (const auto& [n, child] : children_) child->collect(prefix + n + ".", params, buffers, out);
}

NamedTensors Module::named_parameters() const {
  NamedTensors out;
  collect("", true, false, out);
  return out;
}

NamedTensors Module::named_buffers() const {
  NamedTensors out;
  collect("", false, true, out);
  return out;
}

NamedTensors Module::state_dict() const {
  NamedTensors out;
  collect("", true, true, out);
  return out;
}

std::vector<Tensor> Module::parameters() const {
  std::vector<Tensor> out;
  for (auto& [n, t] : named_parameters()) out.push_back(t);
  return out;
}

std::int64_t Module::num_parameters() const {
  std::int64_t n = 0;
  for (auto& [name, t] : named_parameters()) n += t.numel();
  return n;
}

void Module::load_state_dict(const NamedTensors& state, bool strict) {
  NamedTensors mine = state_dict();
  std::map<std::string, Tensor> given;
  std::vector<std::string> duplicate;
  for (const auto& [n, t] : state)
    if (!given.emplace(n, t).second) duplicate.push_back(n);
  std::vector<std::string> missing, mismatched;
  std::set<std::string> used;
  for (const auto& [n, t] : mine) {
    auto it = given.find(n);
    if (it == given.end()) {
      missing.push_back(n);
      continue;
    }
    used.insert(n);
    if (it->second.shape() != t.shape())
      mismatched.push_back(n + " (expected " + shape_str(t.shape()) + ", got " + shape_str(it->second.shape()) + ")");
  }
  std::vector<std::string> unexpected;
  for (const auto& [n, t] : given)
    if (!used.count(n)) unexpected.push_back(n);
  auto join = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s;
  };
  bool bad = !mismatched.empty() || !duplicate.empty() || (strict && (!missing.empty() || !unexpected.empty()));
  LINATTN_CHECK(!bad, "load_state_dict: the weights do not fit this model:",
                missing.empty() ? "" : "\n  missing keys: " + join(missing),
                unexpected.empty() ? "" : "\n  unexpected keys: " + join(unexpected),
                mismatched.empty() ? "" : "\n  shape mismatches: " + join(mismatched),
                duplicate.empty() ? "" : "\n  duplicated keys: " + join(duplicate));
  NoGradGuard no_grad;
  for (const auto& [n, t] : mine) {
    auto it = given.find(n);
    if (it != given.end()) t.copy_(it->second);
  }
}

void Module::apply(const std::function<void(Module&)>& fn) {
  fn(*this);
  for (auto& [n, child] : children_) child->apply(fn);
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [n, child] : children_) child->train(on);
}

void Module::to(Device device) {
  NoGradGuard no_grad;
  for (auto& [n, t] : state_dict())
    if (t.device() != device) t.set_data(t.detach().to(device));
}

void Module::to(DType dtype) {
  LINATTN_CHECK(is_floating(dtype), "Module::to: can only convert to a float dtype, not ", dtype_name(dtype));
  NoGradGuard no_grad;
  for (auto& [n, t] : state_dict())
    if (is_floating(t.dtype()) && t.dtype() != dtype) t.set_data(t.detach().to(dtype));
}

void Module::zero_grad() {
  for (auto& [n, t] : named_parameters()) t.zero_grad();
}

}  // namespace linattn
