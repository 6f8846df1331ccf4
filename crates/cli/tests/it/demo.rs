//! `contactpoint demo` loads synthetic children and serves them.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the demo and returns it with the address it printed.
fn start_demo(data_dir: &std::path::Path, children: &str) -> (Running, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_contactpoint"))
        .args([
            "--data-dir",
            data_dir.to_str().unwrap(),
            "demo",
            "--children",
            children,
        ])
        .args(["--listen", "127.0.0.1:0"])
        .env_remove("CONTACTPOINT_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let running = Running(child);
    let mut printed = String::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        printed.push_str(&line);
        printed.push('\n');
        if let Some(rest) = line.split("running at ").nth(1) {
            let address = rest.split_whitespace().next().unwrap().to_owned();
            return (running, address, printed);
        }
    }
    panic!("the demo stopped before serving: {printed}");
}

#[tokio::test]
async fn the_demo_loads_children_serves_them_and_reuses_them_next_time() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo-data");

    let (first, address, printed) = start_demo(&data, "1500");
    let health = reqwest::get(format!("{address}health")).await.unwrap();
    drop(first);

    assert!(printed.contains("Loaded 1500 children"), "{printed}");
    assert!(printed.contains("with 1500 children"), "{printed}");
    assert_eq!(health.status(), 200);

    let (_second, _, printed) = start_demo(&data, "1500");
    assert!(
        printed.contains("Reusing the 1500 children already loaded"),
        "{printed}"
    );
}

#[tokio::test]
async fn a_demo_load_killed_midway_resumes_without_losing_or_duplicating_children() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo-data");
    let mut interrupted = Command::new(env!("CARGO_BIN_EXE_contactpoint"))
        .args([
            "--data-dir",
            data.to_str().unwrap(),
            "demo",
            "--children",
            "12000",
        ])
        .args(["--listen", "127.0.0.1:0"])
        .env_remove("CONTACTPOINT_DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until at least one batch is stored, then kill without warning.
    let db = data.join("contactpoint.db");
    for _ in 0..200 {
        if std::fs::metadata(&db).is_ok_and(|m| m.len() > 4 * 1024 * 1024) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    interrupted.kill().unwrap();
    interrupted.wait().unwrap();

    let (_resumed, _, printed) = start_demo(&data, "12000");

    // The count comes from the database after the resumed load: a lost batch
    // would show fewer, and a duplicated one would have failed on the
    // ContactPoint ID's unique index.
    assert!(printed.contains("with 12000 children"), "{printed}");
}
