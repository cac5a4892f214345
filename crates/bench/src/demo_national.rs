//! `demo-national`: wall time and peak memory of `scrutineer demo --scale national`, run as a
//! child process of the release binary (built first with `cargo build --release -p
//! scrutineer`) in a scratch directory on the same disk as the benchmark data, which is removed
//! afterwards (the demo writes about 10 GB there). Wall time, CPU time and peak resident memory
//! come from `wait4`; the demo's own per-step timings are not printed by the demo, so the
//! figures are for the whole run.
//!
//! Skipped under `all` unless `SCRUTINEER_BENCH_NATIONAL=1`. `SCRUTINEER_BENCH_ELECTION_SCALE`
//! runs another scale instead (`tenth`, `1/N`).

use crate::electiondata::{bytes, describe_scale, election_scale, scrutineer_binary};
use crate::logdata::scratch_dir;
use crate::replay::secs;
use std::io::Read;
use std::time::{Duration, Instant};
use synthetic::Scale;

pub fn run() -> anyhow::Result<()> {
    if crate::running_all() && !crate::national_requested() {
        println!(
            "Skipped under `all`; run `cargo run --release -p bench -- demo-national`, or set SCRUTINEER_BENCH_NATIONAL=1."
        );
        return Ok(());
    }
    let scale = election_scale(Scale::NATIONAL)?;
    let binary = scrutineer_binary()?;
    let scratch = scratch_dir()?;
    let dir = scratch.path().join("demo");
    let scale_arg = describe_scale(scale);
    eprintln!(
        "running {} demo --scale {scale_arg} --dir {}",
        binary.display(),
        dir.display()
    );
    let start = Instant::now();
    let mut child = std::process::Command::new(&binary)
        .args(["demo", "--scale", &scale_arg, "--dir"])
        .arg(&dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()?;
    let mut out = String::new();
    child
        .stdout
        .take()
        .expect("piped")
        .read_to_string(&mut out)?;
    let usage = wait(child.id() as i32)?;
    let wall = start.elapsed();
    anyhow::ensure!(usage.success, "the demo failed; its output:\n{out}");
    anyhow::ensure!(
        out.contains("matches the commission's published digest"),
        "the demo's replay did not match the operator's digest:\n{out}"
    );
    let entries = out
        .lines()
        .find_map(|l| l.strip_prefix("Done in "))
        .and_then(|l| {
            l.split_once('(')?
                .1
                .split_once(" entries")
                .map(|(n, _)| n.to_string())
        })
        .unwrap_or_else(|| "?".into());
    drop(scratch);
    println!(
        "| what | wall time | CPU time (user + system) | peak memory (max RSS) |\n|---|---:|---:|---:|"
    );
    println!(
        "| `scrutineer demo --scale {scale_arg}` ({entries} entries) | **{}** | {} | **{}** |",
        secs(wall),
        secs(usage.cpu),
        bytes(usage.max_rss)
    );
    Ok(())
}

pub(crate) struct ChildUsage {
    pub success: bool,
    pub cpu: Duration,
    pub max_rss: u64,
}

/// Waits for the child `pid` and returns its resource usage (`wait4`).
pub(crate) fn wait(pid: i32) -> anyhow::Result<ChildUsage> {
    let mut status = 0;
    // SAFETY: `rusage` is plain old data that wait4 fills in; `status` is a valid pointer.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    if r != pid {
        anyhow::bail!("wait4: {}", std::io::Error::last_os_error());
    }
    let tv = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    Ok(ChildUsage {
        success: libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        cpu: tv(usage.ru_utime) + tv(usage.ru_stime),
        // Linux reports ru_maxrss in KiB.
        max_rss: usage.ru_maxrss as u64 * 1024,
    })
}
