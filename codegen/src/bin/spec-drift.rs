//! `spec-drift OLD NEW [--json]`: compare two Polar OpenAPI specs and classify every change for
//! a client of `polar-oauth2` (see [`polar_oauth2_codegen::drift`]).
//!
//! Exit status: 0 when nothing breaks, 1 when something breaks, 2 on a usage or load error.

use std::process::ExitCode;

use polar_oauth2_codegen::drift::{self, Command};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args = match drift::parse_args(&args) {
        Ok(Command::Compare(args)) => args,
        Ok(Command::Help) => {
            println!("{}", drift::USAGE);
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("spec-drift: {message}\n\n{}", drift::USAGE);
            return ExitCode::from(2);
        }
    };
    let changes = match drift::diff_paths(&args.old, &args.new) {
        Ok(changes) => changes,
        Err(err) => {
            eprintln!("spec-drift: {err}");
            return ExitCode::from(2);
        }
    };
    if args.json {
        print!("{}", drift::render_json(&changes));
    } else {
        print!("{}", drift::render_human(&changes));
    }
    if drift::is_breaking(&changes) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
