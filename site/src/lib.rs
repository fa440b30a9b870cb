//! The site the server serves from its own binary: the hydration bundle, the
//! stylesheet and the public files, embedded and compressed at build time by
//! `build.rs` from what `frontend/site.sh` built. The bundle and the
//! stylesheet carry a hash of their content in their names.

/// One embedded file.
#[derive(Debug)]
pub struct Asset {
    /// The path it is served at (`/pkg/vigie.3f2a….js`, `/favicon.ico`).
    pub path: &'static str,
    pub content_type: &'static str,
    /// Whether the name carries the content's hash (cached for a year).
    pub hashed: bool,
    /// A hash of the content, for `ETag`.
    pub etag: &'static str,
    pub body: &'static [u8],
    /// Compressed copies, where compressing saves something.
    pub gzip: Option<&'static [u8]>,
    pub brotli: Option<&'static [u8]>,
}

include!(concat!(env!("OUT_DIR"), "/site.rs"));

/// The asset served at `path`, if there is one.
pub fn find(path: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|asset| asset.path == path)
}

/// Whether the site was built before this binary (a binary built without
/// `make build` serves pages without their script and style).
pub fn is_embedded() -> bool {
    find(&format!("/pkg/{OUTPUT_NAME}.js")).is_some() && find(STYLESHEET).is_some()
}
