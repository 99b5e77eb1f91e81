//! The library's build script, kept here so that it can be tested (`build.rs` is one call).

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

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
    let manifest_dir = env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_default();
    let timings = env::var(TIMINGS_VAR).is_ok_and(|v| v == "1");
    let result = match env::var_os("OUT_DIR") {
        Some(out_dir) => generate_into(
            &manifest_dir,
            spec_dir,
            Path::new(&out_dir),
            timings,
            &mut |line| println!("{line}"),
        ),
        None => Err(Error::at(
            "",
            "OUT_DIR is not set: run this from a build script",
        )),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{}", failure_message(spec_dir, &e));
            ExitCode::FAILURE
        }
    }
}

/// The one message a failed build shows.
pub fn failure_message(spec_dir: &str, error: &Error) -> String {
    format!("error: cannot generate the Polar OAuth2 client from {spec_dir}/: {error}")
}

/// The build script without its environment: generate from `manifest_dir/spec_dir` into
/// `out_dir`, handing each line for cargo (`cargo:…`) to `emit`. Error file names are relative
/// to `manifest_dir`; a generated file whose content did not change is not rewritten (so that a
/// no-op build does not recompile the library).
pub fn generate_into(
    manifest_dir: &Path,
    spec_dir: &str,
    out_dir: &Path,
    timings: bool,
    emit: &mut dyn FnMut(String),
) -> Result<(), Error> {
    let spec = manifest_dir.join(spec_dir);
    let relative = |e: Error| Error {
        files: e
            .files
            .iter()
            .map(|f| f.strip_prefix(manifest_dir).unwrap_or(f).to_path_buf())
            .collect(),
        ..e
    };

    // Rerun when a file is added/removed (the directory) or changed (each file), and only then.
    emit(format!("cargo:rerun-if-changed={}", spec.display()));
    for file in load::spec_files(&spec).map_err(relative)? {
        emit(format!("cargo:rerun-if-changed={}", file.display()));
    }
    // The selection file when there is one (adding it changes the directory, watched above; a
    // watched file that does not exist would rerun every build).
    let selection = spec.join(crate::select::SELECTION_FILE);
    if selection.is_file() {
        emit(format!("cargo:rerun-if-changed={}", selection.display()));
    }
    emit(format!("cargo:rerun-if-env-changed={TIMINGS_VAR}"));

    let output = generate_dir(&spec).map_err(relative)?;
    for warning in &output.warnings {
        emit(format!("cargo:warning={warning}"));
    }
    let write_start = Instant::now();
    write_if_changed(&out_dir.join(CLIENT_FILE), &output.client)?;
    write_if_changed(&out_dir.join(SCOPES_FILE), &output.scopes)?;
    if timings {
        let write = write_start.elapsed();
        let mut total = write;
        for (phase, took) in &output.timings {
            total += *took;
            emit(format!(
                "cargo:warning=codegen {phase}: {:.1} ms",
                took.as_secs_f64() * 1e3
            ));
        }
        emit(format!(
            "cargo:warning=codegen write: {:.1} ms",
            write.as_secs_f64() * 1e3
        ));
        emit(format!(
            "cargo:warning=codegen total: {:.1} ms; {} lines generated",
            total.as_secs_f64() * 1e3,
            output.client.lines().count()
        ));
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
