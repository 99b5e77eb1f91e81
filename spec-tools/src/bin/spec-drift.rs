//! `spec-drift OLD NEW` / `spec-drift --git REV`: compare two Polar OpenAPI specs and classify
//! every change for code that depends on `polar-oauth2` (see [`polar_oauth2_spec_tools::drift`]).
//!
//! Exit status: 0 when nothing breaks (or, with `--git`, it is acknowledged), 1 when something
//! breaks or changes behaviour, 2 on a usage, git or load error.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use polar_oauth2_spec_tools::drift::{self, Command, Format, Source};

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
    let (changes, verdict) = match &args.source {
        Source::Paths { old, new } => match drift::diff_paths(old, new) {
            Ok(changes) => {
                let passes = !drift::fails(&changes);
                (changes, (passes, None))
            }
            Err(err) => return load_error(&err),
        },
        Source::Git { rev } => match std::env::current_dir()
            .map_err(|e| format!("cannot read the current directory: {e}"))
            .and_then(|dir| drift::git::check(&dir, rev).map_err(|e| e.to_string()))
        {
            Ok(report) => {
                let verdict = (report.passes(), Some(report.verdict()));
                (report.changes, verdict)
            }
            Err(err) => return load_error(&err),
        },
    };
    let (passes, note) = verdict;
    print!("{}", drift::render(&changes, args.format));
    if let Some(note) = note {
        match args.format {
            // JSON stays one array on stdout.
            Format::Json => eprintln!("{note}"),
            Format::Markdown => println!("\n{note}"),
            Format::Text => println!("\n{note}"),
        }
    }
    if passes {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn load_error(err: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("spec-drift: {err}");
    ExitCode::from(2)
}
