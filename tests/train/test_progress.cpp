// tests/train/test_progress.cpp — the console progress line and the duration format.
#include <doctest/doctest.h>

#include "train/progress.h"

using namespace linattn;

TEST_CASE("progress: one line with epoch, step/steps, loss, images/s and ETA") {
  ProgressState s{2, 10, 120, 390, 1.23456, 812.4, 42.0};
  CHECK(format_progress(s, 10) == "epoch 2/10 [###.......] 120/390 loss 1.2346 812 img/s ETA 0:42");
  s.batch = 390;
  CHECK(format_progress(s, 4).find("[####] 390/390") != std::string::npos);
  s.batches = 0;  // never divides by zero
  CHECK(format_progress(s, 4).find("[....]") != std::string::npos);
}

TEST_CASE("progress: durations") {
  CHECK(format_duration(0) == "0:00");
  CHECK(format_duration(59.6) == "1:00");
  CHECK(format_duration(3723) == "1:02:03");
  CHECK(format_duration(-1) == "?");
}

TEST_CASE("progress: a disabled bar draws nothing") {
  std::FILE* f = std::tmpfile();
  {
    ProgressBar bar(false, f);
    bar.update({1, 1, 1, 2, 0.5, 1.0, 1.0}, true);
    bar.clear();
  }
  CHECK(std::ftell(f) == 0);
  {
    ProgressBar bar(true, f);
    bar.update({1, 1, 1, 2, 0.5, 1.0, 1.0}, true);
  }  // cleared on destruction
  CHECK(std::ftell(f) > 0);
  std::fclose(f);
  CHECK_FALSE(is_terminal(nullptr));
}
