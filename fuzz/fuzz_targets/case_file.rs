#![no_main]

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| mpsd_conformance::fuzzing::case_file(bytes));
