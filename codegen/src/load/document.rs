//! The merged document, and the file each of its parts came from (for error messages).

use std::collections::BTreeMap;
use std::ops::Bound;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::Error;

/// The merged document and where each part of it came from.
#[derive(Debug, Clone)]
pub struct Document {
    /// The merged OpenAPI document, still in its original (3.1) dialect.
    pub value: Value,
    /// Every file read, in merge order.
    pub files: Vec<PathBuf>,
    /// Pointer of each path / component / top-level key -> the first file that defined it.
    pub(super) origins: BTreeMap<String, PathBuf>,
}

impl Document {
    /// The file that defined the part of the document `pointer` falls in, if known.
    pub fn origin(&self, pointer: &str) -> Option<&Path> {
        // The longest recorded prefix that ends at a token boundary.
        self.origins
            .range::<str, _>((Bound::Unbounded, Bound::Included(pointer)))
            .rev()
            .find(|(prefix, _)| {
                pointer == prefix.as_str()
                    || (pointer.starts_with(prefix.as_str())
                        && pointer.as_bytes().get(prefix.len()) == Some(&b'/'))
            })
            .map(|(_, file)| file.as_path())
            .or_else(|| (self.files.len() == 1).then(|| self.files[0].as_path()))
    }

    /// Attach the file that `err.pointer` points into.
    pub fn locate(&self, err: Error) -> Error {
        let file = self.origin(&err.pointer).map(Path::to_path_buf);
        err.with_file(file.as_deref())
    }
}
