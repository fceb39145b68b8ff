#!/usr/bin/env bash
# Builds the Linux arm64 (aarch64, glibc) binaries with Debian's rustc and the standard library built from source
# (-Zbuild-std, as for WebAssembly: the rustup toolchain here has no aarch64 target and cannot download one), linked
# by Debian's aarch64 cross gcc:
#
# - the Node addon, into its napi-rs platform package: bindings-js/npm/linux-arm64-gnu/;
# - the Python abi3 wheel (maturin), into target/wheels/arm64/.
#
# `make test-arm64` runs both under qemu-user with Debian's arm64 Node.js and CPython.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/setup.sh arm64
scripts/setup.sh types

target=aarch64-unknown-linux-gnu
export RUSTC_BOOTSTRAP=1 RUSTC=/usr/bin/rustc CARGO=/usr/bin/cargo
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export CARGO_UNSTABLE_BUILD_STD=std,panic_abort
export CARGO_TARGET_DIR="$root/target/cross"

/usr/bin/cargo build --quiet --locked -p dropship-webhooks-node --release --target "$target"
cp "$CARGO_TARGET_DIR/$target/release/libdropship_webhooks_node.so" \
  bindings-js/npm/linux-arm64-gnu/dropship-webhooks.linux-arm64-gnu.node

rm -rf target/wheels/arm64
(cd bindings-python && ../.venv/bin/maturin build --quiet --release --locked --target "$target" --out ../target/wheels/arm64)
ls bindings-js/npm/linux-arm64-gnu/*.node target/wheels/arm64/*.whl
