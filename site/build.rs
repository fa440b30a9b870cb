//! Embeds the built site: every file under `target/site` (or
//! `VIGIE_SITE_DIR`) becomes an asset of the binary, compressed once here,
//! with the hydration bundle and the stylesheet under names that carry a hash
//! of their content, so browsers can keep them for a year. The generated code
//! is included by `src/lib.rs`.

use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs};

/// The files the hydration bundle is made of, as `frontend/site.sh`
/// names them, and the stylesheet.
const SCRIPT: &str = "pkg/vigie.js";
const WASM: &str = "pkg/vigie_bg.wasm";
const STYLESHEET: &str = "pkg/vigie.css";

fn main() {
    println!("cargo:rerun-if-env-changed=VIGIE_SITE_DIR");
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let root = env::var_os("VIGIE_SITE_DIR").map(PathBuf::from).unwrap_or_else(|| manifest.join("../target/site"));
    // Cargo watches a folder's whole tree. A missing one would count as
    // changed at every build: it is made (empty) so that the first site
    // build is what changes it.
    let _ = fs::create_dir_all(&root);
    println!("cargo:rerun-if-changed={}", root.display());
    let out = PathBuf::from(env::var("OUT_DIR").unwrap_or_default());

    let mut files = Vec::new();
    collect(&root, &root, &mut files);
    files.sort();

    let read = |name: &str| fs::read(root.join(name)).ok();
    // One hash for the script and its wasm: the script loads that wasm.
    let bundle = match (read(SCRIPT), read(WASM)) {
        (Some(script), Some(wasm)) => Some(short_hash(&[&script, &wasm])),
        _ => None,
    };
    let style = read(STYLESHEET).map(|css| short_hash(&[&css]));

    let mut code = String::new();
    code.push_str("pub static ASSETS: &[Asset] = &[\n");
    for name in &files {
        let path = root.join(name);
        let Ok(body) = fs::read(&path) else { continue };
        let (served, hashed) = match (name.as_str(), &bundle, &style) {
            (SCRIPT, Some(hash), _) => (format!("/pkg/vigie.{hash}.js"), true),
            (WASM, Some(hash), _) => (format!("/pkg/vigie.{hash}_bg.wasm"), true),
            (STYLESHEET, _, Some(hash)) => (format!("/pkg/vigie.{hash}.css"), true),
            _ => (format!("/{name}"), false),
        };
        let stem = out.join(name.replace('/', "__"));
        let gzip = compressed(&stem, "gz", gzip(&body));
        let brotli = compressed(&stem, "br", brotli(&body));
        let etag = short_hash(&[&body]);
        let _ = writeln!(
            code,
            "    Asset {{ path: {served:?}, content_type: {:?}, hashed: {hashed}, etag: {etag:?}, \
             body: include_bytes!({:?}), gzip: {gzip}, brotli: {brotli} }},",
            content_type(name),
            path.display().to_string(),
        );
    }
    code.push_str("];\n");
    let name = |file: Option<&String>, hashed: &str, plain: &str| match file {
        Some(hash) => format!("{hashed}{hash}"),
        None => plain.to_owned(),
    };
    let _ = writeln!(code, "pub const OUTPUT_NAME: &str = {:?};", name(bundle.as_ref(), "vigie.", "vigie"));
    let _ = writeln!(
        code,
        "pub const STYLESHEET: &str = {:?};",
        format!("/pkg/{}.css", name(style.as_ref(), "vigie.", "vigie"))
    );
    if let Err(error) = fs::write(out.join("site.rs"), code) {
        panic!("writing the embedded site's index: {error}");
    }
}

/// Every file under `dir`, as a path relative to `root` with `/`.
fn collect(root: &Path, dir: &Path, files: &mut Vec<String>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(root, &path, files);
        } else if let Ok(relative) = path.strip_prefix(root) {
            let name = relative.to_string_lossy().replace('\\', "/");
            // Precompressed copies are made here, not taken from the
            // folder; dot files are the site build's own notes.
            let hidden = name.split('/').any(|part| part.starts_with('.'));
            if !hidden && !name.ends_with(".gz") && !name.ends_with(".br") {
                files.push(name);
            }
        }
    }
}

fn short_hash(parts: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize().iter().take(8).map(|byte| format!("{byte:02x}")).collect()
}

/// `Some(include_bytes!(…))` of the compressed copy when it saves at least
/// a tenth, `None` otherwise (images that are compressed already).
fn compressed(stem: &Path, extension: &str, packed: (Vec<u8>, usize)) -> String {
    let (bytes, original) = packed;
    if bytes.is_empty() || bytes.len() * 10 > original * 9 {
        return "None".to_owned();
    }
    let path = PathBuf::from(format!("{}.{extension}", stem.display()));
    if let Err(error) = fs::write(&path, &bytes) {
        panic!("writing {}: {error}", path.display());
    }
    format!("Some(include_bytes!({:?}))", path.display().to_string())
}

fn gzip(body: &[u8]) -> (Vec<u8>, usize) {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let packed = encoder.write_all(body).and_then(|()| encoder.finish()).unwrap_or_default();
    (packed, body.len())
}

fn brotli(body: &[u8]) -> (Vec<u8>, usize) {
    let mut packed = Vec::new();
    let params = brotli::enc::BrotliEncoderParams { quality: 11, lgwin: 22, ..Default::default() };
    let _ = brotli::BrotliCompress(&mut &body[..], &mut packed, &params);
    (packed, body.len())
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next().unwrap_or("") {
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "ico" => "image/x-icon",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "json" => "application/json",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}
