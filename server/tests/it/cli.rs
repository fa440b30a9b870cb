//! The command line: `vigie user create` and `vigie token create` against a
//! test database.

use crate::common;

use axum::http::{Method, StatusCode};
use common::TestApp;
use std::io::Write;
use std::process::{Command, Output, Stdio};

fn vigie(url: &str, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_vigie"))
        .args(args)
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn users_and_tokens_are_created_from_the_command_line() {
    let app = TestApp::new();
    let url = app.db.url.clone();
    let create = ["user", "create", "--email", "Ada@Example.com", "--name", "Ada", "--role", "admin"];

    let short = vigie(&url, &create, "short\n");
    assert!(!short.status.success());
    let stderr = String::from_utf8_lossy(&short.stderr);
    assert!(stderr.contains("password") && stderr.contains("at least 10"), "{stderr}");

    let ok = vigie(&url, &create, "correct horse battery\n");
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("created admin Ada <ada@example.com>"));

    let duplicate = vigie(&url, &create, "correct horse battery\n");
    assert!(!duplicate.status.success());
    assert!(String::from_utf8_lossy(&duplicate.stderr).contains("already exists"));

    let bad_role =
        vigie(&url, &["user", "create", "--email", "b@example.com", "--name", "B", "--role", "owner"], "x\n");
    assert!(!bad_role.status.success());

    let token = vigie(&url, &["token", "create", "--email", "ada@example.com", "--name", "ci"], "");
    assert!(token.status.success(), "{}", String::from_utf8_lossy(&token.stderr));
    let stdout = String::from_utf8_lossy(&token.stdout);
    let secret = stdout.lines().last().unwrap().trim().to_owned();
    let me = app.api(Method::GET, "/api/v1/me", Some(&secret), None).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    assert_eq!(me.json()["email"], "ada@example.com");

    let nobody = vigie(&url, &["token", "create", "--email", "nobody@example.com", "--name", "ci"], "");
    assert!(!nobody.status.success());
    assert!(String::from_utf8_lossy(&nobody.stderr).contains("no team member"));
}
