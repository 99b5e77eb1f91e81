//! Generates the client from the OpenAPI documents in `spec/` (see `codegen/`).
fn main() -> std::process::ExitCode {
    polar_oauth2_codegen::build_script::run("spec")
}
