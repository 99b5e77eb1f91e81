//! Reading a spec for comparison: merged like `spec/` if a directory, then downgraded.

use std::path::Path;

use polar_oauth2_codegen::Error;
use polar_oauth2_codegen::{downgrade, load};
use serde_json::Value;

/// Downgrade a merged document for comparison, naming the file at fault on error.
pub fn prepare(doc: &load::Document) -> Result<Value, Error> {
    let mut value = doc.value.clone();
    downgrade::downgrade(&mut value).map_err(|e| doc.locate(e))?;
    Ok(value)
}

/// Read a spec for comparison: a file, or a directory merged like `spec/`; then downgraded.
pub fn load_spec(path: &Path) -> Result<Value, Error> {
    if path.is_dir() {
        // A spec directory is compared as the client sees it: its selection of operations.
        prepare(&polar_oauth2_codegen::load_spec(path)?)
    } else {
        let mut value = load::read_file(path)?;
        downgrade::downgrade(&mut value).map_err(|e| e.with_file(Some(path)))?;
        Ok(value)
    }
}
