//! Markdown for incident details, comments and updates: rendered with
//! pulldown-cmark, then sanitized with ammonia, which keeps formatting and
//! links (with `rel="noopener noreferrer nofollow"`) and drops scripts, event
//! handlers, styles, `javascript:` URLs and any raw HTML it does not allow.

use pulldown_cmark::{Options, Parser, html};
use std::collections::HashSet;
use std::sync::OnceLock;

fn sanitizer() -> &'static ammonia::Builder<'static> {
    static BUILDER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    BUILDER.get_or_init(|| {
        let mut builder = ammonia::Builder::default();
        builder
            .link_rel(Some("noopener noreferrer nofollow"))
            .url_schemes(HashSet::from(["http", "https", "mailto"]))
            .url_relative(ammonia::UrlRelative::Deny)
            // Images would let a comment make every reader's browser call an
            // address of the author's choosing.
            .rm_tags(["img"]);
        builder
    })
}

/// Renders Markdown to sanitized HTML.
pub fn render(markdown: &str) -> String {
    let options = Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES | Options::ENABLE_TASKLISTS;
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut unsafe_html, Parser::new_ext(markdown, options));
    sanitizer().clean(&unsafe_html).to_string()
}

/// Markdown as plain text, for readers that show text (Statuspage's JSON
/// `body`, plain-text email): the words without the markup, paragraphs apart,
/// list items on their own lines, a link's address after its text. Raw HTML
/// is dropped, never passed on.
pub fn to_text(markdown: &str) -> String {
    use pulldown_cmark::{Event, Tag, TagEnd};
    let options = Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES | Options::ENABLE_TASKLISTS;
    let mut text = String::with_capacity(markdown.len());
    let mut links: Vec<String> = Vec::new();
    let mut link_start = 0;
    for event in Parser::new_ext(markdown, options) {
        match event {
            Event::Text(t) | Event::Code(t) => text.push_str(&t),
            Event::SoftBreak => text.push(' '),
            Event::HardBreak => text.push('\n'),
            Event::Start(Tag::Item) => text.push_str("- "),
            Event::Start(Tag::Link { dest_url, .. }) => {
                links.push(dest_url.into_string());
                link_start = text.len();
            }
            Event::End(TagEnd::Link) => {
                if let Some(url) = links.pop()
                    && ["http://", "https://", "mailto:"].iter().any(|s| url.starts_with(s))
                    && text.get(link_start..) != Some(url.trim_start_matches("mailto:"))
                {
                    text.push_str(&format!(" ({url})"));
                }
            }
            Event::End(TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::CodeBlock | TagEnd::BlockQuote(_)) => {
                text.push_str("\n\n")
            }
            Event::End(TagEnd::Item | TagEnd::TableRow | TagEnd::TableHead) => text.push('\n'),
            Event::End(TagEnd::TableCell) => text.push(' '),
            Event::End(TagEnd::List(_)) => text.push('\n'),
            Event::Rule => text.push_str("\n\n"),
            _ => {}
        }
    }
    // At most one blank line anywhere, none at either end.
    let mut out = String::with_capacity(text.len());
    for line in text.lines().map(str::trim_end) {
        if line.is_empty() && (out.is_empty() || out.ends_with("\n\n")) {
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out.trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_is_rendered() {
        let html = render("**bold** _it_ `code`\n\n- one\n- two\n\n```\nfn main() {}\n```");
        for part in ["<strong>bold</strong>", "<em>it</em>", "<code>code</code>", "<li>one</li>", "<pre><code>"] {
            assert!(html.contains(part), "{part} in {html}");
        }
    }

    #[test]
    fn links_are_kept_with_a_safe_rel() {
        let html = render("[logs](https://logs.example.com/x?a=1)");
        assert!(html.contains(r#"href="https://logs.example.com/x?a=1""#), "{html}");
        assert!(html.contains(r#"rel="noopener noreferrer nofollow""#), "{html}");
    }

    #[test]
    fn plain_text_keeps_the_words_and_drops_the_markup() {
        #[rustfmt::skip]
        let table = [
            ("**Fixed** the _database_.", "Fixed the database."),
            ("See [the notes](https://status.example.com/n).", "See the notes (https://status.example.com/n)."),
            ("<https://example.com>", "https://example.com"),
            ("First.\n\nSecond\nline.", "First.\n\nSecond line."),
            ("- one\n- two", "- one\n- two"),
            ("# Title\n\nBody", "Title\n\nBody"),
            ("Use `retry=3`.", "Use retry=3."),
            ("<b>bold</b> <script>x</script>", "bold x"),
            ("<div onclick=\"x\">\nblock\n</div>", ""),
            ("[x](javascript:alert(1))", "x"),
        ];
        for (markdown, expected) in table {
            assert_eq!(to_text(markdown), expected, "{markdown:?}");
        }
    }

    /// Known XSS payloads: none may leave anything executable behind.
    #[test]
    fn xss_payloads_are_neutralised() {
        // One payload per line, shared with the browser test (end2end/tests/xss.spec.ts).
        let payloads: Vec<&str> = include_str!("xss-payloads.txt").lines().filter(|l| !l.is_empty()).collect();
        assert!(payloads.len() >= 20);
        for payload in payloads {
            let html = render(payload).to_lowercase();
            for bad in [
                "<script",
                "onerror",
                "onload",
                "onclick",
                "ontoggle",
                "javascript:",
                "data:text",
                "<iframe",
                "<style",
                "style=",
                "<form",
                "<input",
                "<object",
                "<embed",
                "<base",
                "<meta",
                "<img",
                "<svg",
            ] {
                assert!(!html.contains(bad), "{payload:?} left {bad:?} in {html:?}");
            }
        }
        assert!(render("`<script>` in code is text").contains("&lt;script&gt;"));
    }
}
