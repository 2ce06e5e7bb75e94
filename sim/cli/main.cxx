// The npusim executable: a thin layer over the libraries (see sim/cli/cli.h).
#include "sim/cli/cli.h"

int main(int argc, char** argv) { return npusim::run_cli(argc, argv); }

// libsystemc's own main() refers to sc_main; npusim brings its own main() and builds the
// model as a library, so this definition only satisfies the linker and is never called.
extern "C" int sc_main(int /*argc*/, char* /*argv*/[]) { return 3; }
