#!/usr/bin/env bash
# Checks that the published crate is whole: packs it with `cargo package`, unpacks the .crate
# into a temporary folder, builds it offline in release (the sources come from the same
# CARGO_HOME as the checkout's build), then runs the whole catalog from a folder that is not the
# checkout: exit 0 expected. The build of the unpacked crate is the verification, so `cargo
# package` itself does not build it a second time (--no-verify).
#
# Usage: ci/package-check.sh [extra `cargo package` flags, e.g. --allow-dirty]
#
# The unpacked crate builds into the checkout's target/ (or CARGO_TARGET_DIR): its dependencies
# are the ones `cargo build --release` already built there, so only the crate itself compiles,
# and at opt-level 0 (a seventh of the compile time; its dependencies stay optimized, so the
# catalog still runs in seconds). What is checked is that the package is whole, builds offline
# and runs its catalog, not how fast its code is. The packaged crate's path differs from the
# checkout's, so its artifacts sit beside the checkout's; its binary replaces
# target/release/mpsd-conformance until the next cargo build or run in the checkout links the
# checkout's again. A cold check: CARGO_TARGET_DIR="$(mktemp -d)" ci/package-check.sh
set -euo pipefail
checkout="$(cd "$(dirname "$0")/.." && pwd)"
cd "$checkout"

target_dir="${CARGO_TARGET_DIR:-$checkout/target}"
target_dir="$(mkdir -p "$target_dir" && cd "$target_dir" && pwd)"
export CARGO_TARGET_DIR="$target_dir"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
start=$SECONDS

echo "== cargo package --locked --no-verify -p mpsd-conformance $*"
cargo package --locked --no-verify -p mpsd-conformance "$@"
pkgid="$(cargo pkgid -p mpsd-conformance)"
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

# The checkout's build settings (.cargo/config.toml: which dependencies are compiled without
# optimisation) are not packaged and not found from the unpacked folder; without them the
# dependencies they name, and those built on them, would compile again.
checkout_config=()
if [ -f "$checkout/.cargo/config.toml" ]; then
  checkout_config=(--config "$checkout/.cargo/config.toml")
fi
echo "== cargo build --release --offline --locked (the unpacked crate)"
build_start=$SECONDS
(cd "$unpacked" && cargo build --release --offline --locked "${checkout_config[@]}" \
  --config 'profile.release.package.mpsd-conformance.opt-level=0')
echo "built in $((SECONDS - build_start)) s"
bin="$target_dir/release/mpsd-conformance"

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
