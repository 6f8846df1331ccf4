//! The binary runs itself again, in its own process, with mimalloc told to
//! keep the memory it frees.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[cfg(target_os = "linux")]
#[test]
fn the_program_keeps_freed_memory_in_the_process_it_was_started_as() {
    let dir = tempfile::tempdir().unwrap();
    let mut running = Command::new(env!("CARGO_BIN_EXE_contactpoint"))
        .args(["--data-dir", dir.path().to_str().unwrap()])
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env_remove("CONTACTPOINT_DATABASE_URL")
        .env_remove("MIMALLOC_PURGE_DELAY")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let environ = format!("/proc/{}/environ", running.id());

    let started = Instant::now();
    let mut kept = false;
    while !kept && started.elapsed() < Duration::from_secs(20) {
        let vars = std::fs::read(&environ).unwrap_or_default();
        kept = vars
            .split(|b| *b == 0)
            .any(|var| var == b"MIMALLOC_PURGE_DELAY=-1");
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = running.kill();
    let _ = running.wait();

    assert!(kept, "the server's own process never had the setting");
}

#[cfg(unix)]
#[test]
fn the_program_run_again_keeps_the_name_it_was_started_under() {
    use std::os::unix::process::CommandExt;

    let help = Command::new(env!("CARGO_BIN_EXE_contactpoint"))
        .arg0("cp")
        .arg("--help")
        .env_remove("MIMALLOC_PURGE_DELAY")
        .output()
        .unwrap();

    assert!(help.status.success());
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(text.contains("Usage: cp "), "{text}");
}
