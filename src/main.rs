// A run allocates and frees many small buffers per request (headers, bodies, parsed JSON);
// glibc's allocator spends about a fifth of the harness's CPU on them, mimalloc a fraction.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    mpsd_conformance::cli::main().into()
}
