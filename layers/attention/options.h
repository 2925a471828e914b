// layers/attention/options.h — the options structs of the six built-in attention types, in one
// include for the code that names them (models' defaults, tests). Each struct, its fields and
// rules live in its own <type>_options.{h,cpp}; the registry API is attention_type.h.
#pragma once
#include "layers/attention/additive_options.h"
#include "layers/attention/attention_type.h"
#include "layers/attention/cos2d_options.h"
#include "layers/attention/efficient_options.h"
#include "layers/attention/external_options.h"
#include "layers/attention/linformer_options.h"
#include "layers/attention/softmax_options.h"
