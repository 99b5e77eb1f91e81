//! The library's build script, kept here so that it can be tested (`build.rs` is one call).

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::{Error, generate_dir, load};

/// Name of the generated client file in `OUT_DIR`.
pub const CLIENT_FILE: &str = "polar_oauth2.rs";
/// Name of the generated scope table in `OUT_DIR`.
pub const SCOPES_FILE: &str = "scopes.rs";
/// Set to `1` to print each phase's time as a cargo warning.
pub const TIMINGS_VAR: &str = "POLAR_OAUTH2_CODEGEN_TIMINGS";

/// Generate from `spec_dir` (relative to the package) into `OUT_DIR`, talking to cargo on stdout.
/// A bad document ends the build with one readable message naming the file and JSON pointer.
pub fn run(spec_dir: &str) -> ExitCode {
    match try_run(spec_dir) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot generate the Polar OAuth2 client from {spec_dir}/: {e}");
            ExitCode::FAILURE
        }
    }
}

fn try_run(spec_dir: &str) -> Result<(), Error> {
    let manifest_dir = env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_default();
    let out_dir = env::var_os("OUT_DIR")
        .map(PathBuf::from)
        .ok_or_else(|| Error::at("", "OUT_DIR is not set: run this from a build script"))?;
    let spec = manifest_dir.join(spec_dir);

    // Rerun when a file is added/removed (the directory) or changed (each file), and only then.
    println!("cargo:rerun-if-changed={}", spec.display());
    for file in load::spec_files(&spec)? {
        println!("cargo:rerun-if-changed={}", file.display());
    }
    println!("cargo:rerun-if-env-changed={TIMINGS_VAR}");

    let relative = |e: Error| Error {
        files: e
            .files
            .iter()
            .map(|f| f.strip_prefix(&manifest_dir).unwrap_or(f).to_path_buf())
            .collect(),
        ..e
    };
    let output = generate_dir(&spec).map_err(relative)?;
    for warning in &output.warnings {
        println!("cargo:warning={warning}");
    }
    let write_start = std::time::Instant::now();
    write_if_changed(&out_dir.join(CLIENT_FILE), &output.client)?;
    write_if_changed(&out_dir.join(SCOPES_FILE), &output.scopes)?;
    if env::var(TIMINGS_VAR).is_ok_and(|v| v == "1") {
        let mut total = write_start.elapsed();
        for (phase, took) in &output.timings {
            total += *took;
            println!(
                "cargo:warning=codegen {phase}: {:.1} ms",
                took.as_secs_f64() * 1e3
            );
        }
        println!(
            "cargo:warning=codegen write: {:.1} ms",
            write_start.elapsed().as_secs_f64() * 1e3
        );
        println!(
            "cargo:warning=codegen total: {:.1} ms; {} lines generated",
            total.as_secs_f64() * 1e3,
            output.client.lines().count()
        );
    }
    Ok(())
}

fn write_if_changed(path: &Path, contents: &str) -> Result<(), Error> {
    if fs::read_to_string(path).is_ok_and(|old| old == contents) {
        return Ok(());
    }
    fs::write(path, contents)
        .map_err(|e| Error::in_file(path, "", format!("cannot write generated code: {e}")))
}
