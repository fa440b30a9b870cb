//! The security settings of the HTTP surface and the content security
//! policies of our HTML: the console's (set while the shell renders, with
//! that response's nonce) and the public pages'.

use http::HeaderValue;

/// `VIGIE_FRAME_ANCESTORS`, `VIGIE_METRICS_TOKEN` and `VIGIE_TRUST_PROXY`,
/// as the server uses them.
#[derive(Clone, Debug)]
pub struct SecuritySettings {
    /// The `Content-Security-Policy` of public status pages.
    pub public_policy: HeaderValue,
    /// `GET /metrics` on the main address answers only with this Bearer token.
    pub metrics_token: Option<String>,
    /// Reverse proxies whose `X-Forwarded-For` and `X-Forwarded-Proto` are believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

impl SecuritySettings {
    /// `frame_ancestors`: who may embed the public pages (`'none'`, `'self'`
    /// or origins, space-separated; already checked).
    pub fn new(frame_ancestors: &str, metrics_token: Option<String>) -> Self {
        // The setting was checked when read; were it still unusable, no one frames.
        let public_policy = HeaderValue::from_str(&public_policy(frame_ancestors))
            .unwrap_or_else(|_| HeaderValue::from_static(PUBLIC_POLICY_UNFRAMED));
        Self { public_policy, metrics_token, trusted_proxies: Vec::new() }
    }

    /// Believes the forwarded headers of these proxies.
    pub fn trusting(mut self, proxies: Vec<ipnet::IpNet>) -> Self {
        self.trusted_proxies = proxies;
        self
    }
}

impl Default for SecuritySettings {
    fn default() -> Self {
        Self::new("'none'", None)
    }
}

/// Public status pages: their one script (`/localtime.js`, which writes
/// times in the reader's zone) and nothing inline; the stylesheet, images
/// (logos may live elsewhere over https) and forms back to this site. Then
/// who may frame them.
macro_rules! public_policy_base {
    () => {
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; \
         base-uri 'none'; form-action 'self'; frame-ancestors "
    };
}

/// The public pages' policy, framed by no one (the default).
const PUBLIC_POLICY_UNFRAMED: &str = concat!(public_policy_base!(), "'none'");

pub fn public_policy(frame_ancestors: &str) -> String {
    format!("{}{frame_ancestors}", public_policy_base!())
}

/// The console and sign-in: scripts from this site, or inline ones that
/// carry this response's `nonce` (Leptos writes its hydration and resource
/// scripts so), this site's wasm; no plugins, no framing.
pub fn console_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data: https:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; \
         frame-ancestors 'none'"
    )
}

/// While a page renders on the server: puts [`console_policy`] with this
/// response's nonce on its answer.
pub fn set_page_policy() {
    let nonce = leptos::nonce::use_nonce();
    let response = leptos::prelude::use_context::<leptos_axum::ResponseOptions>();
    if let (Some(nonce), Some(response)) = (nonce, response)
        && let Ok(value) = HeaderValue::from_str(&console_policy(&nonce.to_string()))
    {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}
