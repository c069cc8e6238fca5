//! `mpsd-conformance serve` as a child process on a free loopback port, killed when dropped.

use std::process::{Child, Stdio};

pub struct Serving {
    child: Child,
    pub url: String,
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `serve --addr 127.0.0.1:0` with `args` added (`--fault NAME`, `--rate-limit N`, …).
pub fn serve(args: &[&str]) -> Serving {
    let cache = std::env::temp_dir();
    let mut child = super::command_in_cache(&["serve", "--addr", "127.0.0.1:0"], &cache)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve starts");
    let url = super::announced_url(&mut child);
    Serving { child, url }
}
