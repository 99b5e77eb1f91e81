//! The server out of file descriptors: `accept()` fails with EMFILE and must back off instead
//! of spinning. Its own test binary, because it lowers the whole process's descriptor limit
//! (with util-linux's `prlimit`, and reads `/proc`: Linux only).
#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use polar_oauth2_test_server::TestServer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// User + system CPU time of this process so far, in clock ticks (`/proc/self/stat` fields 14
/// and 15).
/// The file stays open: once descriptors run out, it could not be opened again.
fn cpu_ticks(file: &mut std::fs::File) -> Option<u64> {
    use std::io::{Read, Seek};
    file.rewind().ok()?;
    let mut stat = String::new();
    file.read_to_string(&mut stat).ok()?;
    let after_name = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

#[tokio::test]
async fn accept_out_of_descriptors_backs_off_and_recovers() {
    let status = std::process::Command::new("prlimit")
        .arg(format!("--pid={}", std::process::id()))
        .arg("--nofile=256:")
        .status()
        .expect("util-linux's prlimit runs");
    assert!(
        status.success(),
        "prlimit lowers the descriptor limit: {status}"
    );
    let mut stat = std::fs::File::open("/proc/self/stat").unwrap();
    assert!(
        cpu_ticks(&mut stat).is_some(),
        "/proc/self/stat has the CPU times"
    );
    let server = TestServer::start().await.unwrap();
    let address = server.base_url().trim_start_matches("http://").to_owned();

    // Use up every descriptor, then give one back for the client's socket: the server's
    // accept() of that connection then fails with EMFILE.
    let mut files = Vec::new();
    while let Ok(file) = std::fs::File::open("/dev/null") {
        files.push(file);
    }
    assert!(!files.is_empty());
    files.pop();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();

    let before = cpu_ticks(&mut stat).unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let spent = cpu_ticks(&mut stat).unwrap() - before;
    // Clock ticks are 1/100 s on Linux: a spinning loop spends most of the second.
    assert!(
        spent < 30,
        "{spent} ticks of CPU in 1 s while accept() fails"
    );

    // Descriptors back: the waiting connection is accepted and answered.
    drop(files);
    stream
        .write_all(b"GET /.well-known/jwks.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer))
        .await
        .expect("answered once descriptors are free")
        .unwrap();
    assert!(
        answer.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
}
