fn main() {
    std::process::exit(mpsd_conformance::cli::main());
}
