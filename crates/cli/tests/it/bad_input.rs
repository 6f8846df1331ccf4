//! Each mistake gets one line saying what is wrong and what to do, a
//! non-zero exit, and leaves stored data as it was.

use crate::{contactpoint, stderr};

#[test]
fn generate_refuses_zero_children_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("feeds");

    let output = contactpoint(&[
        "generate",
        "--children",
        "0",
        "--out",
        out.to_str().unwrap(),
    ]);

    assert!(!output.status.success());
    let message = stderr(&output);
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(
        message.contains("invalid value '0' for '--children"),
        "{message}"
    );
    assert!(message.contains("at least 1"), "{message}");
    assert!(!out.exists());
}

#[test]
fn generate_refuses_a_number_that_is_not_one() {
    let dir = tempfile::tempdir().unwrap();

    let output = contactpoint(&[
        "generate",
        "--children",
        "many",
        "--out",
        dir.path().to_str().unwrap(),
    ]);

    assert!(!output.status.success());
    let message = stderr(&output);
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(
        message.contains("give a whole number of children"),
        "{message}"
    );
}

#[test]
fn generate_refuses_an_output_folder_that_is_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("feeds");
    std::fs::write(&file, "keep me").unwrap();

    let output = contactpoint(&[
        "generate",
        "--children",
        "10",
        "--out",
        file.to_str().unwrap(),
    ]);

    assert!(!output.status.success());
    let message = stderr(&output);
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(message.contains("is a file: give a folder"), "{message}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep me");
}

#[test]
fn serve_refuses_a_damaged_database_and_leaves_it_alone() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("contactpoint.db");
    std::fs::write(
        &db,
        "not a database at all, and long enough to look like a header",
    )
    .unwrap();

    let output = contactpoint(&[
        "--data-dir",
        dir.path().to_str().unwrap(),
        "serve",
        "--listen",
        "127.0.0.1:0",
    ]);

    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(
        message.contains("is not a ContactPoint database or is damaged"),
        "{message}"
    );
    assert!(message.contains("restore it from a backup"), "{message}");
    assert_eq!(
        std::fs::read_to_string(&db).unwrap(),
        "not a database at all, and long enough to look like a header"
    );
}

#[test]
fn serve_refuses_a_data_directory_that_is_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("data");
    std::fs::write(&file, "x").unwrap();

    let output = contactpoint(&["--data-dir", file.to_str().unwrap(), "serve"]);

    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("is a file: give a directory with --data-dir"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn serve_says_when_the_database_server_cannot_be_reached() {
    let output = contactpoint(&[
        "--database-url",
        "postgres://contactpoint:secret-password@127.0.0.1:9/contactpoint",
        "serve",
    ]);

    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(message.contains("cannot reach the database"), "{message}");
    assert!(message.contains("check the database URL"), "{message}");
    assert!(
        !message.contains("secret-password"),
        "the password leaked: {message}"
    );
}

#[test]
fn an_unknown_database_scheme_is_named() {
    let output = contactpoint(&["--database-url", "mysql://localhost/cp", "serve"]);

    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("must start with sqlite:// or postgres://"),
        "{}",
        stderr(&output)
    );
}
