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

#[test]
fn the_readme_service_block_runs_against_a_delivery_service() {
    use std::net::SocketAddr;
    use std::sync::Arc;
    use std::time::Duration;

    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md")).unwrap();
    let section = readme.split("## Command line").nth(1).expect("a `## Command line` section");
    let block = section.split("```sh\n").nth(2).and_then(|rest| rest.split("```").next()).expect("a second sh block");
    assert!(block.contains("DROPSHIP_API_URL=http://127.0.0.1:8080"), "{block}");
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let settings = delivery_service::Settings {
        database_url: format!("sqlite://{}/delivery.db", dir.path().display()),
        listen: Some(SocketAddr::from(([127, 0, 0, 1], 0))),
        api_keys: vec!["readme-admin-key-0123456789abcdef0123".into()],
        allow_insecure_loopback: true,
        ..delivery_service::Settings::default()
    };
    let service =
        runtime.block_on(delivery_service::Service::start(settings, Arc::new(delivery_service::SystemClock))).unwrap();
    // The receiver: the CLI's own listener on a free port, as in the first block.
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port().to_string();
    let binary = assert_cmd::cargo::cargo_bin("dropship-webhooks");
    let mut listener = Command::new(&binary)
        .args(["listen", "--port", &port, "--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"])
        .env("DROPSHIP_WEBHOOKS_CONFIG_DIR", dir.path())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let script =
        block.replace("http://127.0.0.1:8080", &format!("http://{}", service.address.unwrap())).replace("3000", &port);
    let path = format!("{}:{}", binary.parent().unwrap().display(), std::env::var("PATH").unwrap_or_default());
    let output = Command::new("bash")
        .args(["-c", &format!("set -euo pipefail\n{script}")])
        .current_dir(dir.path())
        .env("PATH", path)
        .env("ADMIN_KEY", "readme-admin-key-0123456789abcdef0123")
        .env_remove("DROPSHIP_ACCOUNT")
        .output()
        .unwrap();
    let _ = listener.kill();
    let _ = listener.wait();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("topic=order.created  status="), "the delivery is listed: {stdout}");
    assert!(stdout.contains("would resend 0 deliveries"), "the dry run answered: {stdout}");
    runtime.block_on(service.shutdown());
}
