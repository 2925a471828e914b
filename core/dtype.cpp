// core/dtype.cpp — dtype names (see dtype.h).
#include "core/dtype.h"

#include "core/error.h"

namespace linattn {

const char* dtype_name(DType t) {
  switch (t) {
    case DType::F32: return "float32";
    case DType::F64: return "float64";
    case DType::I64: return "int64";
  }
  return "unknown";
}

DType parse_dtype(std::string_view name) {
  if (name == "float32" || name == "f32") return DType::F32;
  if (name == "float64" || name == "f64") return DType::F64;
  if (name == "int64" || name == "i64") return DType::I64;
  fail(str_cat("unknown dtype '", name, "' (valid: float32/f32, float64/f64, int64/i64)"));
}

}  // namespace linattn
