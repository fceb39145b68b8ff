#!/usr/bin/env bash
# Installs what the build and tests need, idempotently: a second run with everything present takes about a second.
#
#   scripts/setup.sh [core|wasm|all]     (default: all)
#
# core: the rustup toolchain's cargo, rustfmt and clippy, and python3 (vector generator).
# wasm: Debian's rustc-web toolchain, which ships the standard library sources needed to build for
#       wasm32-unknown-unknown with -Zbuild-std (rustup here has no wasm32 target and cannot download one).
set -euo pipefail

want=${1:-all}
export PATH="$HOME/.cargo/bin:$PATH"

say() { printf 'setup: %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

apt_updated=""
apt_install() {
  local missing=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing Debian packages: ${missing[*]}"
  if [ -z "$apt_updated" ]; then
    as_root apt-get update -qq
    apt_updated=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

setup_core() {
  command -v cargo >/dev/null || { say "cargo is missing: install Rust with rustup first"; exit 1; }
  for component in rustfmt clippy; do
    if ! cargo "${component/rustfmt/fmt}" --version >/dev/null 2>&1; then
      say "adding rustup component $component"
      rustup component add "$component"
    fi
  done
  command -v python3 >/dev/null || apt_install python3
}

setup_wasm() {
  apt_install rustc-web cargo-web rust-web-src lld-22
}

case "$want" in
  core) setup_core ;;
  wasm) setup_wasm ;;
  all) setup_core; setup_wasm ;;
  *) say "unknown part '$want' (core, wasm or all)"; exit 2 ;;
esac
