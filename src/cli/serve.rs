//! `serve`: the reference implementation on a socket, until SIGTERM or Ctrl-C.

use crate::reference::{self, Config};

use super::{exit, ServeArgs};

pub fn serve(args: ServeArgs) -> i32 {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: failed to start the runtime: {e}");
            return 1;
        }
    };
    let config = Config {
        rate_limit: args.rate_limit,
        max_inflight: args.max_inflight.map(|n| n as usize),
    };
    match runtime.block_on(reference::serve(&args.addr, config)) {
        Ok(()) => exit::OK,
        Err(e) => {
            eprintln!("error: failed to serve on {}: {e}", args.addr);
            1
        }
    }
}
