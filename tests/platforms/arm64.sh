#!/usr/bin/env bash
# The Linux arm64 builds, run on arm64: Debian's arm64 Node.js and CPython under qemu-user (target/arm64-root, made
# by `scripts/setup.sh arm64`), on the binaries `scripts/build-arm64.sh` made.
#
# 1. The Node packages as npm, itself run on arm64, installs them: the main package and its arm64 platform package. Every shared vector on the native addon, then again with the platform package gone, on the
#    WebAssembly fallback.
# 2. The Python aarch64 wheel, installed as pip installs it for that platform: every shared vector, the option sets
#    and the secret forms (pytest, run by the emulated CPython).
#
# The test files run directly, not under `node --test`, whose worker processes would start without the emulator.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
sysroot="$root/target/arm64-root"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

arm64() { qemu-aarch64 -L "$sysroot" "$sysroot/usr/bin/$1" "${@:2}"; }
say() { printf 'test-arm64: %s\n' "$*"; }

machine=$(arm64 node -p process.arch)
[ "$machine" = arm64 ] || { say "the emulated Node.js reports $machine, not arm64"; exit 1; }

# --- Node.js ---
app="$work/app"
mkdir -p "$app"
packed() { (cd "$1" && npm pack --json --pack-destination "$app" | node -e 'console.log(JSON.parse(require("fs").readFileSync(0))[0].filename)'); }
main=$(packed bindings-js)
platform=$(packed bindings-js/npm/linux-arm64-gnu)
echo '{ "name": "arm64-app", "private": true }' > "$app/package.json"
# npm itself runs on the emulated arm64 Node.js, so it chooses packages as on an arm64 machine (npm 11 warns that it
# does not support Node.js 18, Debian's, and works).
(cd "$app" && arm64 node "$(readlink -f "$(command -v npm)")" install --loglevel=error --no-audit --no-fund --offline \
  "./$main" "./$platform" >/dev/null)
[ -f "$app/node_modules/dropship-webhooks-linux-arm64-gnu/dropship-webhooks.linux-arm64-gnu.node" ] ||
  { say "npm did not install the arm64 platform package"; exit 1; }
[ ! -e "$app/node_modules/dropship-webhooks-linux-x64-gnu" ] ||
  { say "npm installed the x64 platform package on arm64"; exit 1; }

vectors() {
  local backend=$1 log="$work/node-$1.tap"
  if ! DROPSHIP_WEBHOOKS_MODULE="$app/node_modules/dropship-webhooks" DROPSHIP_WEBHOOKS_EXPECT_BACKEND="$backend" \
    arm64 node "$root/bindings-js/test/vectors.test.mjs" > "$log" 2>&1; then
    grep -E '^not ok|# fail' "$log" | head -20
    say "Node.js on arm64 ($backend): vectors failed (log above)"
    exit 1
  fi
  say "Node.js $(arm64 node -v) on arm64, $backend backend: $(awk '/^# pass/ { print $3 }' "$log") tests passed"
}
vectors native
mv "$app/node_modules/dropship-webhooks-linux-arm64-gnu" "$work/aside"
vectors wasm

# --- Python ---
site="$work/site"
wheel=$(ls target/wheels/arm64/*.whl)
.venv/bin/pip install --quiet --disable-pip-version-check --no-deps --only-binary=:all: --target "$site" \
  --platform manylinux_2_34_aarch64 --python-version 3.11 --implementation cp "$wheel"
# pytest and its pure-Python dependencies come from the tools venv (the same CPython 3.11); the package from $site.
host_site=$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
export PYTHONPATH="$site:$host_site"
loaded=$(arm64 python3.11 -c 'import platform, dropship_webhooks; print(platform.machine(), dropship_webhooks.__file__)')
case "$loaded" in
  "aarch64 $site/"*) ;;
  *) say "the emulated CPython loaded: $loaded"; exit 1 ;;
esac
# Plugins stay off: the tools venv's plugins (schemathesis) load compiled modules built for this machine, not arm64.
PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 arm64 python3.11 -m pytest -q -p no:cacheprovider bindings-python/tests/test_vectors.py \
  bindings-python/tests/test_options.py bindings-python/tests/test_secrets.py | tail -1 |
  sed "s/^/test-arm64: CPython $(arm64 python3.11 -c 'import platform; print(platform.python_version())') on arm64, wheel $(basename "$wheel"): /"
test "${PIPESTATUS[0]}" -eq 0
