//! Empty: this package exists for its tests and the binary they run (see Cargo.toml).
