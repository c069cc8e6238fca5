#!/usr/bin/env bash
# clippy and rustdoc on CI's one release build. .ci/run sets this script as
# RUSTC_WORKSPACE_WRAPPER, so Cargo runs it, for the workspace's own crates only, as
#
#   ci/lint-wrapper.sh RUSTC ARGS...
#
# Why: `cargo clippy` and `cargo doc` first compile every dependency again in check mode (a check
# build cannot reuse a code-generating one), about 105 CPU-seconds of CI's 2-core machine. Here
# they read the dependencies the release build has just compiled.
#
# For each optimised crate of the workspace (the library, the binary, the example) it runs, side
# by side:
# 1. rustc, unchanged: the code generated is exactly the build's;
# 2. clippy-driver on the same source and dependencies, as a check (`--emit=metadata` into a
#    scratch folder, no code generated), with clippy's lints and `-D warnings`: what `cargo clippy
#    --all-targets -- -D warnings` checks of that crate. Not clippy-driver for the build itself:
#    it turns MIR optimisations off, and the release build then took a third more CPU (tried
#    2026-12-07: 542 -> 719-725 CPU-s);
# 3. for the library (not its tests, not a binary), rustdoc with `-D warnings`: what
#    `RUSTDOCFLAGS="-D warnings" cargo doc --no-deps` checks.
# Side by side because rustc's front end uses one core: while it type-checks the library,
# nothing else of the build can run, and clippy and rustdoc take the other core. rustc's output
# reaches Cargo as it comes (Cargo starts dependents on its metadata notice); clippy's and
# rustdoc's are kept in files and given after it, whole lines, so that the three never mix. Their
# diagnostics reach Cargo in its JSON format, like rustc's; a finding fails the crate's
# compilation, and so the build. When rustc itself fails, only its errors are shown.
# An unoptimised crate (the tests, the benches) is compiled by clippy-driver alone (below).
#
# LINT_SCRATCH_DIR: where clippy's metadata and rustdoc's pages go (default target/lint-scratch).
set -uo pipefail

if [ "$#" -lt 1 ]; then
  echo "usage: $0 RUSTC ARGS... (Cargo's RUSTC_WORKSPACE_WRAPPER)" >&2
  exit 2
fi
rustc="$1"
shift
args=("$@")

# A query of rustc (`-vV`, `--print cfg`…), not a compilation: nothing to lint.
source_file=""
for a in "${args[@]}"; do
  case "$a" in
    -*) ;;
    *.rs) source_file="$a" ;;
  esac
done
if [ -z "$source_file" ]; then
  exec "$rustc" "${args[@]}"
fi

# An unoptimised crate (the tests' package, which .cargo/config.toml compiles at opt-level 0, and
# the benches below) is compiled by clippy-driver itself, in one pass: clippy turns MIR
# optimisations off, which changes next to nothing at opt-level 0, and a check beside rustc would
# run the front end (parsing, type and borrow checking) a second time. Measured on 2026-12-07
# (library touched, the crates after it rebuilt): the unit tests 38.4 -> 25.3 CPU-s, tests/it
# 26.7 -> 18.1. Cargo gives no -C opt-level for 0, rustc's default.
opt_level=0
for a in "${args[@]}"; do
  case "$a" in
    opt-level=*) opt_level="${a#opt-level=}" ;;
  esac
done
# The benches are compiled here to be linted; CI never runs them (`cargo bench` does, without
# this wrapper, so with its own fingerprints and the profile's opt-level). Unoptimised, the six
# of them took 7.7 CPU-s with their clippy checks instead of 33.4 (rebuilt alone, 2026-12-07);
# rustc keeps the last -C opt-level it is given.
case "$source_file" in
  benches/*)
    args+=(-C opt-level=0)
    opt_level=0
    ;;
esac
if [ "$opt_level" = 0 ]; then
  exec "${CLIPPY_DRIVER:-clippy-driver}" "$rustc" "${args[@]}" -D warnings
fi

scratch="${LINT_SCRATCH_DIR:-target/lint-scratch}"
crate_name="" crate_type="" test=0
clippy_args=()
for ((i = 0; i < ${#args[@]}; i++)); do
  a="${args[i]}"
  case "$a" in
    --crate-name) crate_name="${args[i + 1]:-}" ;;
    --crate-type) crate_type="${args[i + 1]:-}" ;;
    --test) test=1 ;;
  esac
  case "$a" in
    # Metadata only, written where nothing of Cargo's is.
    --emit=*) clippy_args+=("--emit=metadata") ;;
    --out-dir)
      clippy_args+=("--out-dir" "$scratch/clippy")
      i=$((i + 1))
      ;;
    # No artifact notices: Cargo would take clippy's metadata for the build's.
    --json=*)
      kinds=()
      IFS=, read -ra all <<<"${a#--json=}"
      for k in "${all[@]}"; do
        case "$k" in
          artifacts | future-incompat) ;;
          *) kinds+=("$k") ;;
        esac
      done
      if [ "${#kinds[@]}" -gt 0 ]; then
        clippy_args+=("--json=$(IFS=,; echo "${kinds[*]}")")
      fi
      ;;
    *) clippy_args+=("$a") ;;
  esac
done

mkdir -p "$scratch/clippy"
logs="$(mktemp -d "$scratch/logs.XXXXXX")"
trap 'rm -rf "$logs"' EXIT
"${CLIPPY_DRIVER:-clippy-driver}" "$rustc" "${clippy_args[@]}" -D warnings >"$logs/clippy" 2>&1 &
clippy_pid=$!

doc_pid=""
if [ "$crate_name" = "mpsd_conformance" ] && [ "$crate_type" = "lib" ] && [ "$test" -eq 0 ]; then
  doc_args=()
  for ((i = 0; i < ${#args[@]}; i++)); do
    a="${args[i]}"
    case "$a" in
      # What to document, each followed by its value.
      --crate-name | --crate-type | --edition | --cfg | --check-cfg | -L | --extern | --error-format)
        doc_args+=("$a" "${args[i + 1]:-}")
        i=$((i + 1))
        ;;
      --edition=* | -L?* | --cfg=* | --check-cfg=* | --extern=* | --error-format=*) doc_args+=("$a") ;;
      --json=*) doc_args+=("--json=diagnostic-rendered-ansi") ;;
      # rustc's own options that take a separate value: left out, with their value.
      -C | --out-dir | -o | --emit | --cap-lints | -W | -A | -D | -F | --warn | --allow | --deny | --forbid | --target | --diagnostic-width | --remap-path-prefix)
        i=$((i + 1))
        ;;
      -*) ;;
      *.rs) doc_args+=("$a") ;;
    esac
  done
  "${RUSTDOC:-rustdoc}" "${doc_args[@]}" -o "$scratch/doc" -D warnings >"$logs/doc" 2>&1 &
  doc_pid=$!
fi

status=0
"$rustc" "${args[@]}" || status=$?
if [ "$status" -ne 0 ]; then
  kill "$clippy_pid" ${doc_pid:+"$doc_pid"} 2>/dev/null
  wait
  exit "$status"
fi

status=0
wait "$clippy_pid" || status=$?
cat "$logs/clippy" >&2
if [ "$status" -ne 0 ]; then
  echo "error: clippy found problems in $crate_name ($source_file)" >&2
  [ -z "$doc_pid" ] || wait "$doc_pid"
  exit "$status"
fi
if [ -n "$doc_pid" ]; then
  wait "$doc_pid" || status=$?
  cat "$logs/doc" >&2
  if [ "$status" -ne 0 ]; then
    echo "error: rustdoc found problems in the library's documentation" >&2
    exit "$status"
  fi
fi
