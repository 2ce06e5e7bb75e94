// The npusim executable: a thin layer over the libraries (see sim/cli/cli.h).
#include <malloc.h>

#include "sim/cli/cli.h"

int main(int argc, char** argv) {
  // Kernel traces of hundreds of MiB are built and freed once per simulated kernel. glibc
  // would map each from the kernel and unmap it on free, so every trace faulted in fresh
  // pages (15% of a cold `train`); keeping freed memory in the heap lets the next trace reuse it.
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  return npusim::run_cli(argc, argv);
}

// libsystemc's own main() refers to sc_main; npusim brings its own main() and builds the
// model as a library, so this definition only satisfies the linker and is never called.
extern "C" int sc_main(int /*argc*/, char* /*argv*/[]) { return 3; }
