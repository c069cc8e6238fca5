#!/usr/bin/env bash
# Checks that the published crate is whole: packs it with `cargo package`, unpacks the .crate
# into a temporary folder, builds it offline in release (the sources come from the same
# CARGO_HOME as the checkout's build), then runs the whole catalog from a folder that is not the
# checkout: exit 0 expected. The build of the unpacked crate is the verification, so `cargo
# package` itself does not build it a second time (--no-verify).
#
# Usage: ci/package-check.sh [extra `cargo package` flags, e.g. --allow-dirty]
# CARGO_TARGET_DIR, when set, is shared by both steps (the packaged crate's dependencies are then
# built once); otherwise the unpacked crate builds into its own target/.
set -euo pipefail
checkout="$(cd "$(dirname "$0")/.." && pwd)"
cd "$checkout"

if [ -n "${CARGO_TARGET_DIR:-}" ]; then
  target_dir="$(mkdir -p "$CARGO_TARGET_DIR" && cd "$CARGO_TARGET_DIR" && pwd)"
  export CARGO_TARGET_DIR="$target_dir"
else
  target_dir="$checkout/target"
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
start=$SECONDS

echo "== cargo package --locked --no-verify $*"
cargo package --locked --no-verify "$@"
pkgid="$(cargo pkgid)"
version="${pkgid##*[#@]}"
crate="$target_dir/package/mpsd-conformance-$version.crate"
[ -f "$crate" ] || { echo "error: $crate was not written" >&2; exit 1; }
echo "$(du -h "$crate" | cut -f1) $crate"

echo "== unpack into $tmp"
tar -xzf "$crate" -C "$tmp"
unpacked="$tmp/mpsd-conformance-$version"
for f in cases/suite.json cases/rules.json cases/model.json cases/case.schema.json \
  reports/report.schema.json Cargo.lock; do
  [ -f "$unpacked/$f" ] || { echo "error: the package lacks $f" >&2; exit 1; }
done

echo "== cargo build --release --offline --locked (the unpacked crate)"
build_start=$SECONDS
if [ -n "${CARGO_TARGET_DIR:-}" ]; then
  bin_dir="$CARGO_TARGET_DIR/release"
else
  bin_dir="$unpacked/target/release"
fi
(cd "$unpacked" && cargo build --release --offline --locked)
echo "built in $((SECONDS - build_start)) s"
bin="$bin_dir/mpsd-conformance"

echo "== run, from a folder that is not the checkout"
mkdir -p "$tmp/elsewhere"
cd "$tmp/elsewhere"
"$bin" --version
run_start=$SECONDS
status=0
"$bin" run --report-dir "$tmp/reports" --quiet || status=$?
echo "run: exit $status in $((SECONDS - run_start)) s"
[ "$status" -eq 0 ] || { echo "error: the packaged binary's run exited $status" >&2; exit 1; }
[ -f "$tmp/reports/report.json" ] || { echo "error: no report.json" >&2; exit 1; }
echo "package check passed in $((SECONDS - start)) s"
