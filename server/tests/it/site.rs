//! The site served from the binary: pages name the script, wasm and
//! stylesheet by a hash of their content; those answer compressed once (the
//! copies decode to the built files), are cached for a year, and answer 304
//! to a browser that has them; unknown paths get the app's 404 page.

use crate::common::{Reply, TestApp};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use site::{OUTPUT_NAME, STYLESHEET};
use std::io::Read;

async fn fetch(app: &TestApp, path: &str, headers: &[(header::HeaderName, &str)]) -> Reply {
    let mut request = Request::get(path);
    for (name, value) in headers {
        request = request.header(name, *value);
    }
    app.send(request.body(Body::empty()).unwrap()).await
}

/// The file `frontend/site.sh` built, which the binary embedded.
fn built(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/site").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn hash_of(name: &str) -> &str {
    name.trim_start_matches("/pkg/vigie.").split(['.', '_']).next().unwrap()
}

#[tokio::test]
async fn pages_load_the_embedded_bundle_under_hashed_names() {
    assert!(site::is_embedded(), "the site is not in this binary: build it first (`make site`), then the tests");
    let app = TestApp::new();

    let page = app.get("/login", None).await;
    assert_eq!(page.status, StatusCode::OK);
    let script = format!("/pkg/{OUTPUT_NAME}.js");
    let wasm = format!("/pkg/{OUTPUT_NAME}_bg.wasm");
    for name in [&script, &wasm, &STYLESHEET.to_owned()] {
        assert!(page.body.contains(name.as_str()), "{name} not on the page: {}", page.body);
        let hash = hash_of(name);
        assert!(hash.len() == 16 && hash.chars().all(|c| c.is_ascii_hexdigit()), "{name}");
    }
    assert_ne!(hash_of(&script), hash_of(STYLESHEET), "the bundle and the style are hashed apart");

    for (path, file, content_type) in [
        (script.as_str(), "pkg/vigie.js", "text/javascript; charset=utf-8"),
        (wasm.as_str(), "pkg/vigie_bg.wasm", "application/wasm"),
        (STYLESHEET, "pkg/vigie.css", "text/css; charset=utf-8"),
    ] {
        let original = built(file);
        let plain = fetch(&app, path, &[]).await;
        assert_eq!(plain.status, StatusCode::OK, "{path}");
        assert_eq!(plain.bytes, original, "{path} is the built {file}");
        assert_eq!(plain.header("content-type"), Some(content_type), "{path}");
        assert_eq!(plain.header("content-encoding"), None, "{path}");
        assert_eq!(plain.header("cache-control"), Some("public, max-age=31536000, immutable"), "{path}");
        assert_eq!(plain.header("x-content-type-options"), Some("nosniff"), "{path}");

        let brotli = fetch(&app, path, &[(header::ACCEPT_ENCODING, "gzip, deflate, br, zstd")]).await;
        assert_eq!(brotli.header("content-encoding"), Some("br"), "{path}");
        assert!(brotli.bytes.len() * 3 < original.len(), "{path}: {} of {} bytes", brotli.bytes.len(), original.len());
        let mut decoded = Vec::new();
        brotli::Decompressor::new(&brotli.bytes[..], 4096).read_to_end(&mut decoded).unwrap();
        assert_eq!(decoded, original, "{path}: the brotli copy");

        let gzip = fetch(&app, path, &[(header::ACCEPT_ENCODING, "gzip")]).await;
        assert_eq!(gzip.header("content-encoding"), Some("gzip"), "{path}");
        let mut decoded = Vec::new();
        flate2::read::GzDecoder::new(&gzip.bytes[..]).read_to_end(&mut decoded).unwrap();
        assert_eq!(decoded, original, "{path}: the gzip copy");

        let etag = plain.header("etag").unwrap().to_owned();
        let again = fetch(&app, path, &[(header::IF_NONE_MATCH, &etag)]).await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{path}");
        assert!(again.bytes.is_empty());
        let other = fetch(&app, path, &[(header::IF_NONE_MATCH, "\"0000\"")]).await;
        assert_eq!(other.status, StatusCode::OK, "{path}");
    }

    // Public files keep their names, and a shorter cache.
    let icon = fetch(&app, "/favicon.ico", &[]).await;
    assert_eq!(icon.status, StatusCode::OK);
    assert_eq!(icon.bytes, built("favicon.ico"));
    assert_eq!(icon.header("cache-control"), Some("public, max-age=3600"));
    let script = fetch(&app, "/localtime.js", &[(header::ACCEPT_ENCODING, "gzip")]).await;
    assert_eq!(script.status, StatusCode::OK);
    assert_eq!(script.header("content-type"), Some("text/javascript; charset=utf-8"));

    // The old unhashed names, and anything else, are not found.
    for path in ["/pkg/vigie.css", "/pkg/vigie.js", "/pkg/nothing.js", "/pkg/%2e%2e%2fCargo.toml"] {
        assert_eq!(fetch(&app, path, &[]).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    let missing = app.get("/no-such-page", None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("Page not found"), "{}", missing.body);
    assert!(missing.body.contains(STYLESHEET) && missing.body.contains(&format!("/pkg/{OUTPUT_NAME}.js")));

    // Public pages outside the app use the same stylesheet.
    let unknown = app.get("/status/no-such-page", None).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(unknown.body.contains(STYLESHEET), "{}", unknown.body);
}
