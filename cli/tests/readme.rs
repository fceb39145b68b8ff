//! The README's command-line block, run as written: the binary under test first on PATH (for `cargo install`),
//! a free port for 3000, in a scratch directory; every command must succeed, and the listener must have printed
//! the triggered event.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::net::TcpListener;
use std::path::Path;
use std::process::Command;

#[test]
fn the_readme_command_line_block_runs() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md")).unwrap();
    let section = readme.split("## Command line").nth(1).expect("a `## Command line` section");
    let block = section.split("```sh\n").nth(1).and_then(|rest| rest.split("```").next()).expect("a sh block");
    assert!(block.starts_with("cargo install --path cli\n"), "the block starts by installing the binary");
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port().to_string();
    let script = block.replacen("cargo install --path cli\n", "", 1).replace("3000", &port);
    let binary = assert_cmd::cargo::cargo_bin("dropship-webhooks");
    let scratch = std::env::temp_dir().join(format!("dropship-webhooks-readme-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let path = format!("{}:{}", binary.parent().unwrap().display(), std::env::var("PATH").unwrap_or_default());
    // The listener runs in the background: the script ends by stopping it.
    let output = Command::new("bash")
        .args(["-c", &format!("set -euo pipefail\n{script}\nkill %1\nwait || true\n")])
        .current_dir(&scratch)
        .env("PATH", path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    std::fs::remove_dir_all(&scratch).unwrap();
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("✔ order.created"), "the listener printed the event: {stdout}");
    assert!(
        stdout.contains("valid: signed with secret #0, message msg_1"),
        "verify accepted the README's headers: {stdout}"
    );
}
