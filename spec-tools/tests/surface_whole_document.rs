//! The API surface of Polar's whole published document (2026-04-03) with the default selection
//! is the surface of its OAuth2 cut, but for the security lines the cut left out.

use std::fs;
use std::path::{Path, PathBuf};

use polar_oauth2_spec_tools::FIXTURES;
use polar_oauth2_spec_tools::surface::surface_dir;

const WHOLE: &str = "polar-spec/openapi.2026-04-03.e4b36aaad8.yaml";
const CUT: &str = "spec-history/oauth2-subset.2026-04-03.e4b36aaad8.yaml";

/// A spec directory of its own under the test target dir, holding `file` (copied).
fn spec_dir(name: &str, file: &Path) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("surface-{name}"));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    fs::copy(file, dir.join(file.file_name().unwrap())).unwrap();
    dir
}

#[test]
fn the_whole_document_with_the_default_selection_lists_the_surface_of_its_cut() {
    let whole_dir = spec_dir("whole-default", &Path::new(FIXTURES).join(WHOLE));
    let cut_dir = spec_dir("cut", &Path::new(FIXTURES).join(CUT));
    // The surface is listed from the selection too. The cut left out the document's global
    // `security` (bearer `access_token`) and its scheme, which the whole document keeps for the
    // selected operations: those lines are the only difference, and they say the same thing
    // the generator reads (a bearer on the operations that do not opt out with `security: [{}]`).
    let surface_whole = surface_dir(&whole_dir).unwrap();
    let surface_cut = surface_dir(&cut_dir).unwrap();
    let is_security = |l: &&str| l.starts_with("security");
    fn without_security(s: &str) -> Vec<&str> {
        s.lines().filter(|l| !l.starts_with("security")).collect()
    }
    assert_eq!(
        without_security(&surface_whole),
        without_security(&surface_cut)
    );
    let security: Vec<&str> = surface_whole.lines().filter(is_security).collect();
    assert!(
        security.contains(&"security-scheme access_token: http bearer"),
        "{security:#?}"
    );
    assert!(
        security.contains(&"security GET /v1/oauth2/userinfo: access_token"),
        "{security:#?}"
    );
    assert!(
        security.contains(&"security POST /v1/oauth2/token: none"),
        "{security:#?}"
    );
    assert_eq!(
        surface_cut.lines().filter(is_security).count() + 1,
        security.len(),
        "{security:#?}"
    );
}
