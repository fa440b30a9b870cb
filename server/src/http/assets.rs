//! The site's files, served from the binary (crate `site`): compressed
//! once at build time and answered in the encoding the browser accepts;
//! files whose names carry their content's hash are cached for a year.

use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use site::Asset;

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Files under fixed names (`/favicon.ico`, `/localtime.js`) may change with
/// a new version: browsers ask again after an hour.
const SHORT: &str = "public, max-age=3600";

/// `GET` an embedded file; 404 for any other path.
pub async fn serve(uri: Uri, headers: HeaderMap) -> Response {
    match site::find(uri.path()) {
        Some(asset) => respond(asset, &headers),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// The paths of the embedded files outside `/pkg/` (each gets a route).
pub fn top_level() -> impl Iterator<Item = &'static str> {
    site::ASSETS.iter().map(|asset| asset.path).filter(|path| !path.starts_with("/pkg/"))
}

fn respond(asset: &'static Asset, request: &HeaderMap) -> Response {
    let etag = format!("\"{}\"", asset.etag);
    let mut headers = HeaderMap::new();
    super::security::set_common(&mut headers);
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(if asset.hashed { IMMUTABLE } else { SHORT }));
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, value);
    }
    let matches = request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|tag| tag.trim() == etag || tag.trim() == "*");
    if matches {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type));
    let (body, encoding) = match (asset.brotli, asset.gzip) {
        (Some(brotli), _) if accepts(request, "br") => (brotli, Some("br")),
        (_, Some(gzip)) if accepts(request, "gzip") => (gzip, Some("gzip")),
        _ => (asset.body, None),
    };
    if let Some(encoding) = encoding {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
    }
    (StatusCode::OK, headers, body).into_response()
}

/// Whether `Accept-Encoding` takes `coding` (listed without `q=0`).
fn accepts(request: &HeaderMap, coding: &str) -> bool {
    request
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let name = parts.next().unwrap_or("");
            let refused =
                parts.any(|param| param.strip_prefix("q=").is_some_and(|q| q.parse::<f32>().is_ok_and(|q| q <= 0.0)));
            name.eq_ignore_ascii_case(coding) && !refused
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn accepted_encodings() {
        assert!(accepts(&with("gzip, deflate, br, zstd"), "br"));
        assert!(accepts(&with("gzip, deflate, br, zstd"), "gzip"));
        assert!(accepts(&with("BR;q=0.5"), "br"));
        assert!(!accepts(&with("gzip, br;q=0"), "br"));
        assert!(!accepts(&with("gzip"), "br"));
        assert!(!accepts(&with("identity"), "gzip"));
        assert!(!accepts(&HeaderMap::new(), "gzip"));
    }
}
