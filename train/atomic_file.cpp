// train/atomic_file.cpp — see atomic_file.h.
#include "train/atomic_file.h"

#include <filesystem>
#include <fstream>
#include <system_error>

#include "core/error.h"

namespace linattn {

void write_text_atomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text;
    out.flush();
    LINATTN_CHECK(out.good(), "cannot write '", tmp, "'");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  LINATTN_CHECK(!ec, "cannot rename '", tmp, "' to '", path, "': ", ec.message());
}

}  // namespace linattn
