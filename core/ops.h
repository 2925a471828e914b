// core/ops.h — everything a user of the core needs: Tensor, factories, autograd, all op
// families. Include this in layers, models and tests; kernels include only their own headers.
#pragma once
#include "core/autograd.h"
#include "core/cuda_options.h"
#include "core/factory.h"
#include "core/ops/conv.h"
#include "core/ops/elementwise.h"
#include "core/ops/indexing.h"
#include "core/ops/layout.h"
#include "core/ops/linalg.h"
#include "core/ops/linear_attention.h"
#include "core/ops/norm.h"
#include "core/ops/pool.h"
#include "core/ops/nn.h"
#include "core/ops/reduce.h"
#include "core/parallel.h"
#include "core/rng.h"
#include "core/tensor.h"
