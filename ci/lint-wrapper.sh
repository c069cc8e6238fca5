#!/usr/bin/env bash
# clippy and rustdoc inside CI's one release build. .ci/run sets this script as
# RUSTC_WORKSPACE_WRAPPER, so Cargo runs it, for the workspace's own crates only, as
#
#   ci/lint-wrapper.sh RUSTC ARGS...
#
# It compiles through clippy-driver, which is rustc with clippy's lints added (CLIPPY_ARGS says
# which, as `cargo clippy` would): the code generated is the build's, so the binary, the tests and
# clippy come from one compilation. `cargo clippy` and `cargo doc` would each first compile every
# dependency again in check mode (about 105 CPU-seconds on the 2-core CI machine, 2026-12-07),
# because a check build cannot reuse a code-generating one.
#
# For the library's own build (not its tests, not the binary), it also runs rustdoc on the same
# source with the same dependencies, beside the compilation, warnings as errors: what
# `RUSTDOCFLAGS="-D warnings" cargo doc --no-deps` checks for the library. rustdoc takes only the
# arguments that say what to document (crate name and type, edition, source, cfgs, where the
# dependencies are); the rest (code generation, output, diagnostics format) are rustc's.
#
# Set LINT_DOC_DIR to where rustdoc writes (default: target/lint-doc).
set -uo pipefail

if [ "$#" -lt 1 ]; then
  echo "usage: $0 RUSTC ARGS... (Cargo's RUSTC_WORKSPACE_WRAPPER)" >&2
  exit 2
fi
rustc="$1"
shift

is_library=0
crate_name="" crate_type="" test=0
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[i]}" in
    --crate-name) crate_name="${args[i + 1]:-}" ;;
    --crate-type) crate_type="${args[i + 1]:-}" ;;
    --test) test=1 ;;
  esac
done
if [ "$crate_name" = "mpsd_conformance" ] && [ "$crate_type" = "lib" ] && [ "$test" -eq 0 ]; then
  is_library=1
fi

doc_pid=""
if [ "$is_library" -eq 1 ]; then
  doc_args=()
  for ((i = 0; i < ${#args[@]}; i++)); do
    a="${args[i]}"
    case "$a" in
      # What to document, each followed by its value.
      --crate-name | --crate-type | --edition | --cfg | --check-cfg | -L | --extern)
        doc_args+=("$a" "${args[i + 1]:-}")
        i=$((i + 1))
        ;;
      --edition=* | -L?* | --cfg=* | --check-cfg=* | --extern=*) doc_args+=("$a") ;;
      # rustc's own options that take a separate value: left out, with their value.
      -C | --out-dir | -o | --emit | --cap-lints | -W | -A | -D | -F | --warn | --allow | --deny | --forbid | --target | --error-format | --json | --diagnostic-width | --remap-path-prefix)
        i=$((i + 1))
        ;;
      -*) ;;
      *.rs) doc_args+=("$a") ;;
    esac
  done
  "${RUSTDOC:-rustdoc}" "${doc_args[@]}" -o "${LINT_DOC_DIR:-target/lint-doc}" -D warnings &
  doc_pid=$!
fi

status=0
"${CLIPPY_DRIVER:-clippy-driver}" "$rustc" "$@" || status=$?
if [ -n "$doc_pid" ]; then
  doc_status=0
  wait "$doc_pid" || doc_status=$?
  if [ "$doc_status" -ne 0 ]; then
    echo "error: rustdoc found problems in the library's documentation (exit $doc_status)" >&2
    [ "$status" -ne 0 ] || status=$doc_status
  fi
fi
exit "$status"
