#!/usr/bin/env bash
# Shared set-up for demo.sh and test.sh (sourced, not run): installs the Debian 12 packages
# npusim builds with, if any is missing, and configures + builds a build folder.

NPUSIM_PACKAGES=(cmake ninja-build g++ pkg-config libsystemc-dev libboost-dev libfmt-dev
                 libcli11-dev catch2 libyaml-cpp-dev nlohmann-json3-dev protobuf-compiler
                 libprotobuf-dev
                 python3-matplotlib)  # scripts/plot_sweep.py

npusim_install_packages() {
  local missing=()
  for pkg in "${NPUSIM_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$pkg")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  echo "npusim: installing ${missing[*]}" >&2
  local sudo=()
  [[ $(id -u) -ne 0 ]] && sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
}

# npusim_build BUILD_DIR [TARGET] [extra cmake args...]: configure (RelWithDebInfo by default)
# and build TARGET ("all" for everything).
npusim_build() {
  local dir=$1 target=${2:-all}
  shift 2 || shift $#
  cmake -S . -B "$dir" -G Ninja "$@" >/dev/null
  cmake --build "$dir" --target "$target" -j "$(nproc)"
}
