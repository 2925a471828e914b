// core/dtype.h — element types: float32 (everywhere), float64 (CPU: gradient checks and
// references), int64 (labels and indices).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace linattn {

enum class DType : std::uint8_t { F32, F64, I64 };

constexpr std::size_t dtype_size(DType t) { return t == DType::F32 ? 4 : 8; }
constexpr bool is_floating(DType t) { return t != DType::I64; }
const char* dtype_name(DType t);          // "float32", "float64", "int64"
DType parse_dtype(std::string_view name);  // accepts float32|f32|float64|f64|int64|i64

template <class T> constexpr DType dtype_of();
template <> constexpr DType dtype_of<float>() { return DType::F32; }
template <> constexpr DType dtype_of<double>() { return DType::F64; }
template <> constexpr DType dtype_of<std::int64_t>() { return DType::I64; }

}  // namespace linattn

// Runs the body with `scalar_t` bound to the C++ type of a floating dtype; an int64 tensor is
// an error naming the op. Usage: LINATTN_FLOAT_TYPES(x.dtype(), "exp", [&] { f<scalar_t>(); });
#define LINATTN_FLOAT_TYPES(dtype, opname, ...)                                                \
  [&] {                                                                                        \
    switch (dtype) {                                                                           \
      case ::linattn::DType::F32: { using scalar_t = float; return __VA_ARGS__(); }            \
      case ::linattn::DType::F64: { using scalar_t = double; return __VA_ARGS__(); }           \
      default:                                                                                 \
        ::linattn::fail(::linattn::str_cat(opname, ": expected a float32 or float64 tensor, got ", \
                                           ::linattn::dtype_name(dtype)));                     \
    }                                                                                          \
  }()

// Same, for all three dtypes.
#define LINATTN_ALL_TYPES(dtype, opname, ...)                                                  \
  [&] {                                                                                        \
    switch (dtype) {                                                                           \
      case ::linattn::DType::F32: { using scalar_t = float; return __VA_ARGS__(); }            \
      case ::linattn::DType::F64: { using scalar_t = double; return __VA_ARGS__(); }           \
      case ::linattn::DType::I64: { using scalar_t = std::int64_t; return __VA_ARGS__(); }     \
    }                                                                                          \
    ::linattn::fail(::linattn::str_cat(opname, ": unknown dtype"));                            \
  }()
