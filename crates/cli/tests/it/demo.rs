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

/// The number in "with N children" of the serving banner.
fn served(printed: &str) -> u64 {
    let rest = printed.split(" with ").nth(1).unwrap();
    rest.split_whitespace().next().unwrap().parse().unwrap()
}

#[tokio::test]
async fn the_demo_loads_its_feeds_serves_the_children_and_reuses_them_next_time() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo-data");

    let (first, address, printed) = start_demo(&data, "1500");
    let health = reqwest::get(format!("{address}health")).await.unwrap();
    drop(first);

    // Loaded through the three feeds: some of the 1,500 children are
    // split or merged by linkage, never many.
    let children = served(&printed);
    assert!(
        printed.contains(&format!("Loaded {children} children from ")),
        "{printed}"
    );
    assert!(printed.contains("records in three feeds"), "{printed}");
    assert!((1400..=1600).contains(&children), "{printed}");
    assert_eq!(health.status(), 200);
    for feed in [
        "health.ndjson",
        "school_census.csv",
        "school_census.mapping.toml",
    ] {
        assert!(data.join("feeds").join(feed).is_file(), "{feed}");
    }

    let (_second, _, printed) = start_demo(&data, "1500");
    assert!(
        printed.contains(&format!("Reusing the {children} children already loaded")),
        "{printed}"
    );
}

#[tokio::test]
async fn a_demo_load_killed_midway_resumes_without_losing_or_duplicating_children() {
    let dir = tempfile::tempdir().unwrap();
    let straight = dir.path().join("straight");
    let data = dir.path().join("demo-data");
    let mut interrupted = Command::new(env!("CARGO_BIN_EXE_contactpoint"))
        .args([
            "--data-dir",
            data.to_str().unwrap(),
            "demo",
            "--children",
            "3000",
            // Small batches, so that a kill finds some written and some not.
            "--batch",
            "250",
        ])
        .args(["--listen", "127.0.0.1:0"])
        .env_remove("CONTACTPOINT_DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until some batches are stored (in the database or its log, which
    // is copied back only every 256 MiB), then kill without warning.
    let stored = || {
        ["contactpoint.db", "contactpoint.db-wal"]
            .iter()
            .filter_map(|f| std::fs::metadata(data.join(f)).ok())
            .map(|m| m.len())
            .sum::<u64>()
    };
    for _ in 0..600 {
        if stored() > 3 * 1024 * 1024 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    interrupted.kill().unwrap();
    interrupted.wait().unwrap();

    let (_resumed, _, resumed) = start_demo(&data, "3000");
    let (_straight, _, uninterrupted) = start_demo(&straight, "3000");

    // A lost batch would leave fewer children, and one imported twice more:
    // the resumed load ends where one never interrupted does.
    assert!(resumed.contains("unchanged"), "{resumed}");
    assert_eq!(
        served(&resumed),
        served(&uninterrupted),
        "{resumed}\n{uninterrupted}"
    );
}
