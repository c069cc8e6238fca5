//! What the benches share: starting `serve` as a child process, and measuring one run of the
//! harness as a separate process (wait4), so the server's CPU and memory are never counted, or
//! work done on one thread of the bench itself (getrusage).
// Each bench uses part of this file.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The 1, 5 and 15 minute load averages, as `uptime` shows them (Linux).
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// Kills the server when the bench ends, however it ends.
pub struct ServerGuard(pub Child);

impl Drop for ServerGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `serve` on a free loopback port; its first stdout line names the URL.
/// `extra` adds flags of `serve`.
pub fn start_server(binary: &Path, extra: &[&str]) -> Result<(Child, String), String> {
    let mut child = Command::new(binary)
        .args(["serve", "--addr", "127.0.0.1:0"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
    let stdout = child.stdout.take().ok_or("serve has no stdout")?;
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .map_err(|e| format!("serve said nothing: {e}"))?;
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .ok_or_else(|| format!("unexpected first line from serve: {line:?}"))?
        .to_string();
    Ok((child, url))
}

pub struct Measured {
    pub exit: i32,
    pub wall: Duration,
    pub user: Duration,
    pub sys: Duration,
    pub max_rss_kib: i64,
    pub stderr: String,
    /// What the command wrote on stdout, when it was piped.
    pub stdout: String,
}

/// Runs a command to its end and reads that one process's resource use (wait4), so the
/// server's CPU, a separate process, is never counted.
pub fn measure(mut command: Command) -> Result<Measured, String> {
    let started = Instant::now();
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot start the run: {e}"))?;
    // Drain the pipes on threads so a chatty run cannot block on a full one.
    fn drain(pipe: Option<impl std::io::Read + Send + 'static>) -> std::thread::JoinHandle<String> {
        std::thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_string(&mut text);
            }
            text
        })
    }
    let stderr = drain(child.stderr.take());
    let stdout = drain(child.stdout.take());
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero rusage is a valid value of that plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: wait4 writes only into the two out-pointers, which live for the call.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = started.elapsed();
    if waited != pid {
        return Err(format!("wait4 failed: {}", std::io::Error::last_os_error()));
    }
    let exit = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    Ok(Measured {
        exit,
        wall,
        user: duration(usage.ru_utime),
        sys: duration(usage.ru_stime),
        max_rss_kib: usage.ru_maxrss,
        stderr: stderr.join().unwrap_or_default(),
        stdout: stdout.join().unwrap_or_default(),
    })
}

/// User and system clock ticks a process has used so far (Linux `/proc`; `None` elsewhere).
pub fn cpu_ticks(pid: u32) -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
    Some((fields.get(11)?.parse().ok()?, fields.get(12)?.parse().ok()?))
}

pub fn ticks_per_second() -> f64 {
    // SAFETY: sysconf only reads a configuration value.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if ticks > 0 {
        ticks as f64
    } else {
        100.0
    }
}

/// The number of requests a wrk report says it sent (`N requests in …`).
pub fn wrk_requests(report: &str) -> Option<u64> {
    report
        .lines()
        .find_map(|l| l.trim().split_once(" requests in "))
        .and_then(|(n, _)| n.trim().parse().ok())
}

/// The CPU (user, system) the calling thread has used (Linux's `RUSAGE_THREAD`): what a
/// runtime on that thread alone cost, in a process doing other things.
pub fn thread_cpu() -> Result<(Duration, Duration), String> {
    // SAFETY: an all-zero rusage is a valid value of that plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage writes only into the struct it is given, which lives for the call.
    if unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut usage) } != 0 {
        return Err(format!("getrusage: {}", std::io::Error::last_os_error()));
    }
    Ok((duration(usage.ru_utime), duration(usage.ru_stime)))
}

fn duration(t: libc::timeval) -> Duration {
    Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
}
