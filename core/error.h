// core/error.h — linattn's one exception type and the checks that throw it.
//
// Every user-facing failure (bad shape, bad key, missing file) is a linattn::Error whose message
// says what went wrong with the values involved, and when useful a hint on how to fix it.
// LINATTN_CHECK(cond, parts...) builds the message from any streamable parts, only on failure.
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>

namespace linattn {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

// Concatenates streamable values: str_cat("shape ", 3, "x", 4) == "shape 3x4".
template <class... Parts>
std::string str_cat(const Parts&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  return out.str();
}

[[noreturn]] inline void fail(const std::string& message) { throw Error(message); }

}  // namespace linattn

#define LINATTN_CHECK(cond, ...)                                   \
  do {                                                             \
    if (!(cond)) ::linattn::fail(::linattn::str_cat(__VA_ARGS__)); \
  } while (0)
