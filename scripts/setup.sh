#!/usr/bin/env bash
# Installs what the build and tests need, idempotently: a second run with everything present takes about a second.
#
#   scripts/setup.sh [core|node|types|wasm|arm64|delivery|examples|console|image|all]     (default: all)
#
# core: the rustup toolchain's cargo, rustfmt and clippy, and python3 (vector generator).
# node: the Node package's npm dependencies (napi-rs CLI, frameworks for the helper tests, peer libraries).
# types: the TypeScript compiler (npm, tools/typecheck) and a Python venv (.venv) with mypy, jsonschema, maturin,
#        pytest and the frameworks the Python package is tested with (tools/requirements-dev.txt).
# delivery: curl and jq (the delivery service's README examples run as a test); its throwaway Postgres comes from
#       scripts/postgres.sh, which installs Debian's postgresql itself.
# examples: the receiver examples' npm packages (the frameworks, and links to the repository's two JS packages).
# image: Debian's podman (with its recommended packages: buildah, fuse-overlayfs, ...) and runc, to build the
#       delivery service's image and run it (make image, make test-image; TOOLCHAIN.md, "Containers"). Not in
#       `all`: only those two targets need it.
# console: Debian's chromium and the console's browser-test packages (playwright-core, axe-core).
# wasm: Debian's rustc-web toolchain, which ships the standard library sources needed to build for
#       wasm32-unknown-unknown with -Zbuild-std (rustup here has no wasm32 target and cannot download one).
# arm64: the same toolchain with Debian's aarch64 cross linker, to build for aarch64-unknown-linux-gnu, and qemu-user
#       with a sysroot of Debian's arm64 nodejs and python3.11 (target/arm64-root), to run what was built.
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

root=$(cd "$(dirname "$0")/.." && pwd)

# Installs a folder's npm packages as its package-lock.json pins them, unless they were installed from this very lock
# (a copy of it is kept as a stamp in node_modules). `npm install`, not `npm ci`: npm 11 refuses `ci` on locks whose
# optional platform packages it did not record (@napi-rs/cli's).
npm_ci() {
  local dir="$root/$1"
  command -v npm >/dev/null || apt_install nodejs npm
  if ! cmp -s "$dir/package-lock.json" "$dir/node_modules/.installed-from-lock.json"; then
    say "installing npm packages in $1"
    (cd "$dir" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
    cp "$dir/package-lock.json" "$dir/node_modules/.installed-from-lock.json"
  fi
}

setup_node() {
  npm_ci bindings-js
}

setup_types() {
  npm_ci tools/typecheck
  local stamp="$root/.venv/.requirements-dev.txt"
  if [ ! -x "$root/.venv/bin/python" ] || ! cmp -s "$root/tools/requirements-dev.txt" "$stamp"; then
    say "creating the Python tools venv (.venv)"
    python3 -m venv "$root/.venv"
    "$root/.venv/bin/pip" install --quiet --disable-pip-version-check -r "$root/tools/requirements-dev.txt"
    cp "$root/tools/requirements-dev.txt" "$stamp"
  fi
}

setup_wasm() {
  # rust-web-llvm provides rust-lld, the wasm32 target's default linker (only a Recommends of rustc-web).
  apt_install rustc-web cargo-web rust-web-src rust-web-llvm lld-22
  # Headless Chromium runs the shared vectors in a page (bindings-wasm/test/browser.test.mjs).
  apt_install chromium
  # wasm-bindgen-cli must be exactly the version of the wasm-bindgen crate in Cargo.lock.
  local version
  version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3 }' "$root/Cargo.lock")
  if [ -n "$version" ] && ! wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen $version"; then
    say "installing wasm-bindgen-cli $version (a few minutes, once)"
    cargo install --quiet wasm-bindgen-cli --version "$version"
  fi
  npm_ci bindings-wasm
}

# Debian's arm64 packages the emulated Node.js and CPython need, with their libraries (apt-cache depends, by hand:
# a recursive resolve drags in the host's essential set).
ARM64_PACKAGES=(
  libc6 gcc-12-base libgcc-s1 libstdc++6 zlib1g libssl3 libzstd1 libbz2-1.0 liblzma5 libffi8 libexpat1 libuuid1
  libcrypt1 libtinfo6 libncursesw6 libreadline8 libsqlite3-0 libdb5.3 libnsl2 libtirpc3 libgssapi-krb5-2
  libk5crypto3 libkeyutils1 libkrb5-3 libkrb5support0 libcom-err2
  nodejs libnode108 libuv1 libbrotli1 libc-ares2 libicu72 libnghttp2-14
  python3.11 python3.11-minimal libpython3.11-minimal libpython3.11-stdlib
)
# Debian's nodejs loads these JavaScript modules from the system (architecture-independent packages).
NODE_SYSTEM_MODULES=(node-acorn node-busboy node-cjs-module-lexer node-undici node-xtend)

setup_arm64() {
  # libc6-dev-arm64-cross (crti.o, libdl) is only a Recommends of the cross compiler, which apt_install leaves out.
  apt_install rustc-web cargo-web rust-web-src gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
  local sysroot="$root/target/arm64-root"
  local wanted
  wanted="$(printf '%s:arm64\n' "${ARM64_PACKAGES[@]}")$(printf '\n%s' "${NODE_SYSTEM_MODULES[@]}")"
  if [ "$(cat "$sysroot/.packages" 2>/dev/null)" = "$wanted" ]; then
    return 0
  fi
  say "making the arm64 sysroot (Debian's nodejs and python3.11 for arm64, run under qemu-user)"
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    as_root dpkg --add-architecture arm64
    apt_updated=""
  fi
  if [ -z "$apt_updated" ]; then
    as_root apt-get update -qq
    apt_updated=1
  fi
  local debs
  debs=$(mktemp -d)
  # apt-get download fetches as the _apt user where it can; the folder must be theirs to write.
  chmod 777 "$debs"
  (cd "$debs" && apt-get download -qq $wanted >/dev/null)
  rm -rf "$sysroot"
  mkdir -p "$sysroot"
  for deb in "$debs"/*.deb; do dpkg-deb -x "$deb" "$sysroot"; done
  rm -rf "$debs"
  printf '%s' "$wanted" > "$sysroot/.packages"
}

setup_examples() {
  npm_ci examples/receivers
}

setup_delivery() {
  apt_install curl jq
}

setup_image() {
  local missing=()
  for package in podman runc; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing Debian packages: ${missing[*]} (with their recommended packages)"
  [ -n "$apt_updated" ] || { as_root apt-get update -qq; apt_updated=1; }
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

setup_console() {
  apt_install chromium
  npm_ci examples/delivery-service/tests/browser
}

case "$want" in
  core) setup_core ;;
  delivery) setup_delivery ;;
  console) setup_console ;;
  image) setup_image ;;
  examples) setup_examples ;;
  node) setup_node ;;
  types) setup_types ;;
  wasm) setup_wasm ;;
  arm64) setup_arm64 ;;
  all) setup_core; setup_types; setup_node; setup_wasm; setup_delivery; setup_examples; setup_console ;;
  *) say "unknown part '$want' (core, node, types, wasm, arm64, delivery, examples, console, image or all)"; exit 2 ;;
esac
