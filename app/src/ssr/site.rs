//! The stylesheet's path, which every page links to. The site is embedded by
//! the server (crate `site`), not here, so that this crate compiles while the
//! site is built; the server names the stylesheet once at start
//! ([`set_stylesheet`]).

use std::sync::OnceLock;

static STYLESHEET: OnceLock<&'static str> = OnceLock::new();

/// Names the stylesheet pages link to (`/pkg/vigie.<hash>.css`). Only the
/// first call counts: a binary has one site.
pub fn set_stylesheet(path: &'static str) {
    let _ = STYLESHEET.set(path);
}

/// The stylesheet pages link to; the unhashed name until the server named it.
pub fn stylesheet() -> &'static str {
    STYLESHEET.get().copied().unwrap_or("/pkg/vigie.css")
}
