// Denied, not forbidden: the allocator's tuning below is an FFI call, the binary's one unsafe block.
#![deny(unsafe_code)]

// A run allocates and frees many small buffers per request (headers, bodies, parsed JSON);
// glibc's allocator spends about a fifth of the harness's CPU on them, mimalloc a fraction.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    tune_allocator();
    mpsd_conformance::cli::main().into()
}

/// By default mimalloc keeps freed memory a while before giving it back, and commits its arenas
/// eagerly: against a target that answers megabytes, that alone pushed the peak RSS past the
/// 200 MiB a run may take. Freed memory goes back at once, arenas are committed as used.
///
/// Transparent huge pages are off for the process. Memory given back at once comes back on the
/// next burst of allocations, and with huge pages each such fault zeroed 2 MiB: 6 % of the
/// harness's CPU samples in a 10,000-case run (perf: `do_huge_pmd_anonymous_page`,
/// `clear_page_erms`), and 11 MiB more peak RSS for memory the run never touched. The option
/// keeps mimalloc from asking for them (`madvise`); the prctl covers kernels that hand them out
/// unasked (`transparent_hugepage=always`). What `MIMALLOC_ALLOW_THP=0` does, set here because
/// the allocator is initialised before `main`.
#[allow(unsafe_code)]
fn tune_allocator() {
    // `mi_option_e` of the bundled mimalloc.h (v3, the version libmimalloc-sys builds).
    const ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
    const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    const ALLOW_THP: libmimalloc_sys::mi_option_t = 43;
    // SAFETY: setting an option is a plain store into mimalloc's option table, valid at any time.
    unsafe {
        libmimalloc_sys::mi_option_set(ARENA_EAGER_COMMIT, 0);
        libmimalloc_sys::mi_option_set(PURGE_DELAY, 0);
        libmimalloc_sys::mi_option_set(ALLOW_THP, 0);
    }
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes integer arguments only and changes no memory of ours; a
    // kernel without it answers EINVAL, which leaves things as they were.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}
