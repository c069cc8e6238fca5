//! `serve`: the reference implementation on a socket, until SIGTERM or Ctrl-C.

use crate::errln;
use crate::exit::Exit;
use crate::reference::{self, Config};

use super::ServeArgs;

pub fn serve(args: ServeArgs) -> Exit {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            errln!("error: failed to start the runtime: {e}");
            return Exit::Usage;
        }
    };
    let config = Config {
        rate_limit: args.rate_limit,
        max_inflight: args.max_inflight.map(|n| n as usize),
    };
    match runtime.block_on(reference::serve(&args.addr, config)) {
        Ok(()) => Exit::Ok,
        Err(e) => {
            // Nothing was served: an address that cannot be bound is a usage error.
            errln!("error: failed to serve on {}: {e}", args.addr);
            Exit::Usage
        }
    }
}
