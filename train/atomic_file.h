// train/atomic_file.h — write_text_atomically: the text goes to "<path>.tmp", is flushed and
// checked, then renamed over <path>, so a reader (or a crash) sees the old file or the new one,
// never half of one. Used for metrics.jsonl, report.html and the sweep tables.
#pragma once
#include <string>

namespace linattn {

void write_text_atomically(const std::string& path, const std::string& text);

}  // namespace linattn
