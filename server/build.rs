//! Names the commit the binary was built from (`vigie --version`,
//! `/healthz`): `VIGIE_COMMIT` when set (a build from a source archive),
//! else `git rev-parse`, else "unknown". Rebuilds when the checkout moves to
//! another commit.

use std::path::Path;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=VIGIE_COMMIT");
    let commit = std::env::var("VIGIE_COMMIT").ok().filter(|c| !c.is_empty()).unwrap_or_else(|| {
        watch_git();
        Command::new("git")
            .args(["rev-parse", "--short=12", "HEAD"])
            .output()
            .ok()
            .filter(|out| out.status.success())
            .and_then(|out| String::from_utf8(out.stdout).ok())
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| "unknown".to_owned())
    });
    println!("cargo:rustc-env=VIGIE_COMMIT={commit}");
}

/// Watches the files that say which commit is checked out (only those that
/// exist: a missing one would rerun this script at every build).
fn watch_git() {
    let Some(git) = Command::new("git")
        .args(["rev-parse", "--absolute-git-dir"])
        .output()
        .ok()
        .filter(|out| out.status.success())
        .and_then(|out| String::from_utf8(out.stdout).ok())
    else {
        return;
    };
    let git = Path::new(git.trim());
    let head = git.join("HEAD");
    let mut watched = vec![head.clone(), git.join("packed-refs")];
    if let Ok(text) = std::fs::read_to_string(&head)
        && let Some(reference) = text.trim().strip_prefix("ref: ")
    {
        watched.push(git.join(reference));
    }
    for path in watched.iter().filter(|path| path.exists()) {
        println!("cargo:rerun-if-changed={}", path.display());
    }
}
