#!/usr/bin/env bash
# scripts/setup.sh: installs what scmforge needs (Debian -dev packages, .venv, the package itself).
#
# Idempotent: every step checks first and does nothing when its inputs have not changed, so
# `make` can call it before every build.
#   1. As root, installs the Debian packages below that are missing (apt-get update only then).
#   2. Creates .venv with $PYTHON (default python3) if missing and installs requirements-dev.txt
#      (torch==2.13.0, pytest, hypothesis, ...); with --bench also requirements-bench.txt.
#   3. Builds and installs scmforge itself into .venv: `pip install --no-build-isolation .[dev]`
#      (scikit-build-core keeps its CMake tree in build/<wheel tag>, so rebuilds are incremental).
# Steps 2 and 3 leave stamps in .venv/ holding a fingerprint of their inputs.
#
# Environment: PYTHON (interpreter for the venv), SCMFORGE_SKIP_APT=1 (never call apt-get),
# SCMFORGE_SKIP_PACKAGE=1 (skip step 3, for C++-only work), PIP_EXTRA_INDEX_URL /
# PIP_FIND_LINKS (honoured by pip as usual).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
VENV="$ROOT/.venv"
PYTHON=${PYTHON:-python3}
WITH_BENCH=0
for arg in "$@"; do
  case "$arg" in
    --bench) WITH_BENCH=1 ;;
    -h | --help)
      sed -n '2,17p' "${BASH_SOURCE[0]}"
      exit 0
      ;;
    *)
      echo "error: unknown argument '$arg' (expected --bench)" >&2
      exit 2
      ;;
  esac
done

log() { echo "[setup] $*"; }

# ---- 1. Debian packages ------------------------------------------------------------------------
DEB_PACKAGES=(
  build-essential cmake ccache pkg-config
  libeigen3-dev libhdf5-dev libcli11-dev libgtest-dev libfmt-dev zlib1g-dev
  nlohmann-json3-dev libtomlplusplus-dev
  clang clang-format clang-tidy libclang-rt-14-dev libomp-14-dev
)

python_is_usable() {
  # A venv needs ensurepip; building the extension needs Python.h.
  "$PYTHON" - <<'EOF' 2>/dev/null
import ensurepip, os, sys, sysconfig, venv  # noqa: F401
assert sys.version_info >= (3, 9)
assert os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h"))
EOF
}

is_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

install_debian_packages() {
  if [[ "${SCMFORGE_SKIP_APT:-0}" == 1 ]] || ! command -v dpkg-query >/dev/null; then
    return
  fi
  local wanted=("${DEB_PACKAGES[@]}")
  if ! command -v "$PYTHON" >/dev/null || ! python_is_usable; then
    wanted+=(python3 python3-dev python3-venv)
  fi
  local missing=()
  for pkg in "${wanted[@]}"; do
    is_installed "$pkg" || missing+=("$pkg")
  done
  if ((${#missing[@]} == 0)); then
    log "Debian packages: all present"
    return
  fi
  local sudo=()
  if [[ $(id -u) != 0 ]]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
      sudo=(sudo -n)
    else
      log "warning: missing Debian packages (run as root to install): ${missing[*]}"
      return
    fi
  fi
  log "installing Debian packages: ${missing[*]}"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

install_debian_packages

# ---- 2. The virtual environment ----------------------------------------------------------------
# Prints a fingerprint (sha256) of the given files and directories: paths, sizes, mtimes.
fingerprint() {
  find "$@" -type f -not -path '*/__pycache__/*' -printf '%p %s %T@\n' 2>/dev/null |
    LC_ALL=C sort | sha256sum | cut -d' ' -f1
}

# Runs "$@" unless stamp file $1 already holds fingerprint $2; records it on success.
stamped() {
  local stamp=$1 print=$2
  shift 2
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$print" ]]; then
    return 0
  fi
  rm -f "$stamp"
  "$@"
  echo "$print" >"$stamp"
}

if [[ ! -x "$VENV/bin/python" ]]; then
  log "creating $VENV with $("$PYTHON" --version 2>&1)"
  "$PYTHON" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check)

# pip without the "Location ... is ignored" warnings that index settings naming absent local
# folders produce on every call; everything else (errors included) passes through.
pip_install() {
  "${PIP[@]}" install -q "$@" 2>&1 | { grep -v "^WARNING: Location '.*' is ignored" || true; }
}

install_requirements() {
  log "installing requirements-dev.txt"
  pip_install --upgrade pip
  pip_install -r requirements-dev.txt
  # scikit-build-core needs CMake >= 3.24; take it from PyPI when the system one is older.
  if ! cmake_ok; then
    log "system CMake is older than 3.24: installing cmake into .venv"
    pip_install "cmake>=3.24"
  fi
}

cmake_ok() {
  local version
  version=$(PATH="$VENV/bin:$PATH" cmake --version 2>/dev/null | head -n1 | awk '{print $3}')
  [[ -n "$version" ]] &&
    [[ "$(printf '%s\n' 3.24 "$version" | sort -V | head -n1)" == 3.24 ]]
}

stamped "$VENV/.stamp-requirements" "$(fingerprint requirements-dev.txt scripts/setup.sh)" \
  install_requirements

if ((WITH_BENCH)); then
  stamped "$VENV/.stamp-bench" "$(fingerprint requirements-bench.txt)" \
    pip_install -r requirements-bench.txt
fi

# ---- 3. scmforge itself ------------------------------------------------------------------------
install_package() {
  log "building and installing scmforge into .venv (CMake tree in build/)"
  # ccache, when present, shares compiled objects with the build/cpp tree; that needs the same
  # compiler name there and here (scikit-build-core would otherwise take Python's sysconfig CXX).
  export CXX=${CXX:-g++}
  if command -v ccache >/dev/null; then
    export CMAKE_CXX_COMPILER_LAUNCHER=${CMAKE_CXX_COMPILER_LAUNCHER:-ccache}
  fi
  PATH="$VENV/bin:$PATH" CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-2} \
    pip_install --no-build-isolation ".[dev]"
}

if [[ "${SCMFORGE_SKIP_PACKAGE:-0}" != 1 ]]; then
  stamped "$VENV/.stamp-package" \
    "$(fingerprint CMakeLists.txt pyproject.toml README.md include src cli python)" \
    install_package
fi

log "done: activate with 'source .venv/bin/activate'"
