// core/cpu/parallel.cpp — see core/parallel.h.
#include <cblas.h>
#include <omp.h>

#include "core/error.h"
#include "core/parallel.h"

namespace linattn {

void set_num_threads(int n) {
  LINATTN_CHECK(n >= 1, "set_num_threads: need at least 1 thread, got ", n);
  omp_set_num_threads(n);
  openblas_set_num_threads(n);
}

int num_threads() { return omp_get_max_threads(); }

}  // namespace linattn
