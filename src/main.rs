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
#[allow(unsafe_code)]
fn tune_allocator() {
    // `mi_option_e` of the bundled mimalloc.h (the same numbers in its v2 and v3).
    const ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
    const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    // SAFETY: setting an option is a plain store into mimalloc's option table, valid at any time.
    unsafe {
        libmimalloc_sys::mi_option_set(ARENA_EAGER_COMMIT, 0);
        libmimalloc_sys::mi_option_set(PURGE_DELAY, 0);
    }
}
