//! The command line: `vigie user create` and `vigie token create` against a
//! test database.

use crate::common;

use axum::http::{Method, StatusCode};
use common::TestApp;
use std::io::Write;
use std::process::{Command, Output, Stdio};

pub(crate) fn vigie(url: &str, args: &[&str], stdin: &str) -> Output {
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

/// Every command exits 0 when its work is done, every time: scripts with
/// `set -e` and provisioning tools read anything else as a failure. Each
/// database command runs 50 times with standard input from /dev/null (as
/// from a script), and `serve` is stopped with SIGTERM 50 times.
#[test]
fn every_command_exits_cleanly_every_time() {
    use common::process::{free_port, signal, wait_healthy};
    let app = TestApp::new();
    let url = app.db.url.clone();
    let ok = vigie(
        &url,
        &["user", "create", "--email", "ops@example.com", "--name", "Ops", "--role", "admin"],
        "correct horse battery\n",
    );
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    let quiet = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_vigie"))
            .args(args)
            .env("DATABASE_URL", &url)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output()
            .unwrap()
    };
    let mut failures = Vec::new();
    for run in 0..50 {
        for args in [&["migrate"][..], &["token", "create", "--email", "ops@example.com", "--name", "ci"][..]] {
            let output = quiet(args);
            if !output.status.success() {
                failures.push(format!(
                    "{args:?} run {run}: {} {}",
                    output.status,
                    String::from_utf8_lossy(&output.stderr)
                ));
            }
        }
        let email = format!("member{run}@example.com");
        let created = vigie(
            &url,
            &["user", "create", "--email", &email, "--name", "M", "--role", "member"],
            "correct horse battery\n",
        );
        if !created.status.success() {
            failures.push(format!("user create run {run}: {}", created.status));
        }
    }
    assert!(failures.is_empty(), "{} runs did not exit cleanly:\n{}", failures.len(), failures.join("\n"));

    let log = tempfile::NamedTempFile::new().unwrap();
    for run in 0..50 {
        let port = free_port();
        let mut server = common::process::serve(&url, port, log.path());
        wait_healthy(&mut server, port, log.path(), 60);
        signal(server.id(), "TERM");
        let status = server.wait().unwrap();
        if !status.success() {
            failures.push(format!("serve run {run}: {status}"));
        }
    }
    assert!(failures.is_empty(), "serve did not stop cleanly:\n{}", failures.join("\n"));
}

#[test]
fn the_version_names_the_commit() {
    let out = Command::new(env!("CARGO_BIN_EXE_vigie")).arg("--version").output().unwrap();
    assert!(out.status.success());
    let head = Command::new("git").args(["rev-parse", "--short=12", "HEAD"]).output().unwrap();
    let head = String::from_utf8_lossy(&head.stdout).trim().to_owned();
    assert_eq!(head.len(), 12, "a git checkout");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("vigie {} (commit {head})", env!("CARGO_PKG_VERSION"))
    );
}

#[tokio::test]
async fn the_configuration_is_exported_planned_and_applied_from_the_command_line() {
    let app = TestApp::new();
    let url = app.db.url.clone();
    let user = app.user("ops@example.com", app::model::Role::Admin);
    let token = app.token(user.id);
    let body = serde_json::json!({"kind": "webhook", "name": "Ops", "url": "https://hooks.example.test/",
                                  "secret": "cli-secret-0123456789-W3"});
    assert!(app.api(Method::POST, "/api/v1/channels", Some(&token), Some(body)).await.status.is_success());

    let exported = vigie(&url, &["export"], "");
    assert!(exported.status.success(), "{}", String::from_utf8_lossy(&exported.stderr));
    let yaml = String::from_utf8_lossy(&exported.stdout).into_owned();
    assert!(yaml.contains("key: ops") && yaml.contains("${VIGIE_CHANNEL_OPS_SECRET}"), "{yaml}");
    assert!(!yaml.contains("cli-secret"), "{yaml}");
    assert!(String::from_utf8_lossy(&exported.stderr).contains("VIGIE_CHANNEL_OPS_SECRET"));

    // The same file with one more monitor: planned, then applied, from
    // standard input; the secret comes from the environment.
    let more = format!("{yaml}monitors:\n  - key: web\n    name: Web\n    url: https://web.example.test/\n");
    let apply = |args: &[&str], with_secret: bool| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_vigie"));
        command.args(args).env("DATABASE_URL", &url).env("RUST_LOG", "warn");
        if with_secret {
            command.env("VIGIE_CHANNEL_OPS_SECRET", "cli-secret-0123456789-W3");
        } else {
            command.env_remove("VIGIE_CHANNEL_OPS_SECRET");
        }
        let mut child = command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        child.stdin.take().unwrap().write_all(more.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };
    let missing = apply(&["apply", "-f", "-"], false);
    assert!(!missing.status.success());
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(stderr.contains("channels[0].secret") && stderr.contains("VIGIE_CHANNEL_OPS_SECRET"), "{stderr}");

    let dry = apply(&["apply", "-f", "-", "--dry-run"], true);
    assert!(dry.status.success(), "{}", String::from_utf8_lossy(&dry.stderr));
    let stdout = String::from_utf8_lossy(&dry.stdout);
    assert!(stdout.contains("+ monitor web") && stdout.contains("1 to create, 0 to change"), "{stdout}");
    assert!(stdout.contains("nothing was changed"), "{stdout}");
    let listed = app.api(Method::GET, "/api/v1/monitors", Some(&token), None).await.json();
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(0), "{listed}");

    let done = apply(&["apply", "-f", "-"], true);
    assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));
    let listed = app.api(Method::GET, "/api/v1/monitors", Some(&token), None).await.json();
    assert_eq!(listed["items"][0]["name"], "Web", "{listed}");
    let again = apply(&["apply", "-f", "-"], true);
    assert!(
        String::from_utf8_lossy(&again.stdout).starts_with("No changes"),
        "{}",
        String::from_utf8_lossy(&again.stdout)
    );
}
