fn main() -> std::process::ExitCode {
    mpsd_conformance::cli::main().into()
}
