// train/device_setup.h — what a run does with config.device and train.tf32 before building
// anything: check the device exists (one clear error with a hint otherwise, before the slow
// data loading) and set the process-wide TF32 switch (core/cuda_options.h) from train.tf32.
// Used by the trainer (train/trainer.cpp) and `linattn bench train-step` (apps/cmd_bench.cpp).
#pragma once
#include "core/device.h"
#include "train/config.h"

namespace linattn {

// Throws linattn::Error when `device` cannot be used by this build on this machine: CUDA asked
// for without the CUDA backend, without a visible device, or with an index past the last one.
void check_device(Device device);

// check_device(config.device), then set_allow_tf32(config.train.tf32). TF32 only changes CUDA
// float32 GEMMs; on the CPU the switch is stored and has no effect.
void apply_device_config(const ExperimentConfig& config);

}  // namespace linattn
