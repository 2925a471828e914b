// train/optim/optimizer.h — the optimizer base: parameter groups, step(), zero_grad(), and the
// state as a flat name → Tensor list that checkpoints write with save_safetensors unchanged.
//
// Parameters come in groups; a group may override the optimizer's lr and weight_decay (e.g. no
// decay on norms and biases). Each group also keeps initial_lr, from which LR schedules set lr.
// step() updates, under NoGradGuard and in place, every parameter that has a gradient; a
// parameter whose grad is undefined is skipped (its state and step count do not move), as in
// PyTorch. Parameters are numbered in group order (0, 1, ...), which names their state:
//
//   step_count                   I64 ()   number of step() calls
//   param_groups.<g>.lr          F64 ()   also .initial_lr and .weight_decay
//   state.<i>.step               I64 ()   updates applied to parameter i (absent before its first)
//   state.<i>.<buffer>           the parameter's shape and dtype (exp_avg, momentum_buffer, ...)
//
// load_state_dict is strict and all-or-nothing: a missing or unknown key, a wrong shape or dtype,
// or a parameter index out of range is an Error naming the key, and nothing is changed.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/safetensors.h"  // NamedTensors
#include "core/tensor.h"

namespace linattn {

// A group as given to an optimizer; unset overrides take the optimizer's defaults.
struct ParamGroupSpec {
  std::vector<Tensor> params;
  std::optional<double> lr;
  std::optional<double> weight_decay;
};

// A group inside an optimizer, hyperparameters resolved. Schedules write `lr`.
struct ParamGroup {
  std::vector<Tensor> params;
  double lr = 0;
  double initial_lr = 0;
  double weight_decay = 0;
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // Applies one update to every parameter that has a gradient.
  void step();
  // Drops every parameter's gradient (PyTorch's set_to_none=True).
  void zero_grad();

  const char* name() const { return name_; }
  std::vector<ParamGroup>& param_groups() { return groups_; }
  const std::vector<ParamGroup>& param_groups() const { return groups_; }
  std::vector<Tensor> params() const;  // all parameters, in index order
  std::int64_t step_count() const { return step_count_; }
  void set_lr(double lr);  // every group's lr (schedules with per-group ratios use param_groups())

  NamedTensors state_dict() const;  // host copies, in a fixed order (see the header comment)
  void load_state_dict(const NamedTensors& state);

 protected:
  // Per-parameter state: the number of updates applied and the named buffers
  // (buffer_names(), in that order; empty until the first update).
  struct ParamState {
    std::int64_t step = 0;
    std::vector<Tensor> buffers;
  };

  Optimizer(const char* name, std::vector<ParamGroupSpec> groups, double lr, double weight_decay);

  // The buffers each parameter's state holds, e.g. {"exp_avg", "exp_avg_sq"}.
  virtual std::vector<std::string> buffer_names() const = 0;
  // Updates `param` in place with `grad`; state.step has already been incremented (≥ 1) and
  // state.buffers allocated (zero-filled before the first update).
  virtual void update(const ParamGroup& group, Tensor& param, const Tensor& grad, ParamState& state) = 0;

 private:
  const char* name_;
  std::vector<ParamGroup> groups_;
  std::vector<ParamState> state_;  // by parameter index
  std::int64_t step_count_ = 0;
};

}  // namespace linattn
