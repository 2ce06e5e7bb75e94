#!/usr/bin/env bash
# Installs what npusim needs, builds it into build/ and runs the whole test suite (CTest:
# unit tests and golden regression). With --sanitize: the same suite in an
# AddressSanitizer + UndefinedBehaviorSanitizer build in build-sanitize/.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

build_dir=build
cmake_args=()
ctest_args=()
if [[ ${1:-} == --sanitize ]]; then
  build_dir=build-sanitize
  cmake_args=(-DNPUSIM_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo)
  # SystemC keeps its simulation context until exit; those are not npusim leaks.
  export LSAN_OPTIONS="suppressions=$PWD/scripts/lsan.supp:print_suppressions=0"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
  # The validation cases run the unit-tested code paths at full size: minutes under ASan for
  # no new coverage, so the sanitizer pass skips them.
  ctest_args=(-E '^test_validation' -LE slurm)  # the Slurm test installs and starts daemons: minutes
elif [[ -n ${1:-} ]]; then
  echo "usage: scripts/test.sh [--sanitize]" >&2
  exit 2
fi

npusim_install_packages
npusim_build "$build_dir" all "${cmake_args[@]}"
ctest --test-dir "$build_dir" --output-on-failure -j "$(nproc)" "${ctest_args[@]}"
