//! Badges of a status page's components, for READMEs and dashboards: small
//! SVG images in the shields.io style (a grey label, a coloured value)
//! showing a component's state, its uptime or its response time over the
//! last 24 hours, 7 or 30 days. They show only what the page shows: the
//! component's public name and figures of the same checks as its bars.

use super::read_model::{self, PageInfo, mean_uptime, uptime_of};
use crate::error::AppError;
use crate::model::ComponentStatus;
use crate::ssr::alerts::notify::escape;
use crate::ssr::db::public;
use crate::ssr::text;
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;

/// The longest label a badge takes (`?label=`).
pub const LABEL_MAX: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Status,
    Uptime,
    Response,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    Day,
    Week,
    Month,
}

impl Window {
    fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "24h" | "1d" => Self::Day,
            "7d" => Self::Week,
            "30d" => Self::Month,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Self::Day => "24h",
            Self::Week => "7d",
            Self::Month => "30d",
        }
    }

    fn days(self) -> usize {
        match self {
            Self::Day => 1,
            Self::Week => 7,
            Self::Month => 30,
        }
    }
}

/// What a badge shows, from its query (`kind`, `window`, `label`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub kind: Kind,
    /// Uptime over 30 days and response time over 24 hours unless asked.
    pub window: Window,
    pub label: Option<String>,
}

impl Request {
    /// The query's values (blank: the default), or an error naming the
    /// parameter.
    pub fn parse(kind: Option<&str>, window: Option<&str>, label: Option<&str>) -> Result<Self, AppError> {
        let kind = match text::given(kind) {
            None | Some("status") => Kind::Status,
            Some("uptime") => Kind::Uptime,
            Some("response") => Kind::Response,
            Some(_) => return Err(AppError::validation("kind", "One of status, uptime or response.")),
        };
        let window = match text::given(window) {
            Some(text) => {
                Window::parse(text).ok_or_else(|| AppError::validation("window", "One of 24h, 7d or 30d."))?
            }
            None if kind == Kind::Uptime => Window::Month,
            None => Window::Day,
        };
        let label = text::line("label", label.unwrap_or_default(), LABEL_MAX)?;
        Ok(Self { kind, window, label })
    }

    /// What the badge's figures depend on, for the page cache: parameters
    /// it does not read (a cache-busting `?v=2`) and the label, which is
    /// put on when answering, share one entry, so made-up labels cannot
    /// fill the cache.
    pub fn key(&self) -> String {
        match self.kind {
            Kind::Status => "status".to_owned(),
            Kind::Uptime => format!("uptime-{}", self.window.name()),
            Kind::Response => format!("response-{}", self.window.name()),
        }
    }
}

/// A badge: its label, its value and the value's colour.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Badge {
    pub label: String,
    pub value: String,
    pub color: String,
}

const GREEN: &str = "#3c8a1e";
const LIGHT_GREEN: &str = "#6d9a12";
const YELLOW: &str = "#b58a05";
const ORANGE: &str = "#d2691e";
const RED: &str = "#c9372c";
const BLUE: &str = "#2f6fb5";
const GREY: &str = "#707070";
const LABEL_GREY: &str = "#4a4a4a";

/// The badge of component `monitor_id` of `page`, as of `now`, with its
/// default label (the request's is put on by [`Badge::labelled`]); `None`
/// when the page has no such component.
pub fn load(
    conn: &mut PgConnection,
    page: &PageInfo,
    monitor_id: i64,
    request: &Request,
    now: DateTime<Utc>,
) -> QueryResult<Option<Badge>> {
    let Some(component) = read_model::load_component(conn, page, monitor_id, now)? else { return Ok(None) };
    let window = request.window;
    Ok(Some(match request.kind {
        Kind::Status => {
            let (value, color) = status(component.status);
            Badge { label: component.name, value: value.to_owned(), color: color.to_owned() }
        }
        Kind::Uptime => {
            let uptime = match window {
                Window::Day => {
                    let figures = read_model::figures_since(conn, &[monitor_id], now - Duration::hours(24))?;
                    figures.get(&monitor_id).copied().and_then(uptime_of)
                }
                _ => mean_uptime(&component.days[component.days.len().saturating_sub(window.days())..]),
            };
            let (value, color) = uptime_value(uptime);
            Badge { label: format!("uptime {}", window.name()), value, color: color.to_owned() }
        }
        Kind::Response => {
            let median = match window {
                Window::Day => median(durations_since(conn, monitor_id, now - Duration::hours(24))?),
                _ => {
                    // Today's median comes from its checks, as its
                    // rollup may not be written yet.
                    let today = now.date_naive();
                    let first = today - Duration::days(window.days() as i64 - 1);
                    let mut medians = public::daily_medians(conn, monitor_id, first, today)?;
                    let midnight = today.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
                    medians.extend(median(durations_since(conn, monitor_id, midnight)?));
                    median(medians)
                }
            };
            let (value, color) = match median {
                Some(ms) => (format!("{ms} ms"), BLUE),
                None => ("no data".to_owned(), GREY),
            };
            Badge { label: format!("response {}", window.name()), value, color: color.to_owned() }
        }
    }))
}

/// The response times of a monitor's checks since `start`, those inside
/// its maintenance windows left out, as the daily rollups count them.
fn durations_since(conn: &mut PgConnection, monitor_id: i64, start: DateTime<Utc>) -> QueryResult<Vec<i32>> {
    let windows = crate::ssr::db::incidents::maintenance_windows(conn, &[monitor_id], start)?;
    let checks = public::durations_since(conn, monitor_id, start)?;
    Ok(checks
        .into_iter()
        .filter(|(at, _)| !crate::ssr::db::incidents::covers(&windows, monitor_id, *at))
        .map(|(_, ms)| ms)
        .collect())
}

fn status(status: ComponentStatus) -> (&'static str, &'static str) {
    match status {
        ComponentStatus::Operational => ("operational", GREEN),
        ComponentStatus::UnderMaintenance => ("maintenance", BLUE),
        ComponentStatus::DegradedPerformance => ("degraded", YELLOW),
        ComponentStatus::PartialOutage => ("partial outage", ORANGE),
        ComponentStatus::MajorOutage => ("major outage", RED),
    }
}

/// `99.95%`, as the page rounds it (two decimals; 100% from 99.995).
fn uptime_value(uptime: Option<f64>) -> (String, &'static str) {
    let Some(uptime) = uptime else { return ("no data".to_owned(), GREY) };
    let value = if uptime >= 99.995 { "100%".to_owned() } else { format!("{uptime:.2}%") };
    let color = match uptime {
        u if u >= 99.9 => GREEN,
        u if u >= 99.0 => LIGHT_GREEN,
        u if u >= 97.0 => YELLOW,
        u if u >= 95.0 => ORANGE,
        _ => RED,
    };
    (value, color)
}

/// The middle value (the lower of the two middle ones for an even count).
fn median(mut values: Vec<i32>) -> Option<i32> {
    values.sort_unstable();
    values.get(values.len().saturating_sub(1) / 2).copied()
}

/// About how wide `text` is in Verdana at 11 px. Each text is drawn with
/// `textLength` set to this, so a font that differs only stretches it a
/// little; the numbers decide the badge's proportions.
fn text_width(text: &str) -> f64 {
    text.chars()
        .map(|c| match c {
            'i' | 'l' | 'j' | '\'' | '|' | '.' | ',' | ':' | ';' | '!' => 3.5,
            ' ' | 'f' | 't' | 'r' | 'I' | '(' | ')' | '[' | ']' | '-' | '/' => 4.6,
            'm' | 'w' | 'M' | 'W' | '%' | '@' => 10.5,
            'A'..='Z' => 7.6,
            '0'..='9' => 7.0,
            'a'..='z' => 6.6,
            _ => 7.4,
        })
        .sum()
}

impl Badge {
    /// The badge with the request's label, if it has one.
    pub fn labelled(self, label: Option<String>) -> Self {
        Self { label: label.unwrap_or(self.label), ..self }
    }

    /// The badge as an SVG document: text only, no script, no link.
    pub fn svg(&self) -> String {
        const PAD: f64 = 6.0;
        let (label_text, value_text) = (text_width(&self.label), text_width(&self.value));
        let label_width = (label_text + 2.0 * PAD).round();
        let value_width = (value_text + 2.0 * PAD).round();
        let width = label_width + value_width;
        let (label, value) = (escape(&self.label), escape(&self.value));
        let text = |x: f64, length: f64, content: &str| {
            format!(
                "<text x=\"{x:.1}\" y=\"15\" fill=\"#010101\" fill-opacity=\".3\" textLength=\"{length:.1}\" lengthAdjust=\"spacingAndGlyphs\">{content}</text>\
                 <text x=\"{x:.1}\" y=\"14\" textLength=\"{length:.1}\" lengthAdjust=\"spacingAndGlyphs\">{content}</text>"
            )
        };
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"20\" role=\"img\" aria-label=\"{label}: {value}\">\
             <title>{label}: {value}</title>\
             <linearGradient id=\"shine\" x2=\"0\" y2=\"100%\"><stop offset=\"0\" stop-color=\"#bbb\" stop-opacity=\".1\"/><stop offset=\"1\" stop-opacity=\".1\"/></linearGradient>\
             <clipPath id=\"round\"><rect width=\"{width}\" height=\"20\" rx=\"3\" fill=\"#fff\"/></clipPath>\
             <g clip-path=\"url(#round)\"><rect width=\"{label_width}\" height=\"20\" fill=\"{LABEL_GREY}\"/>\
             <rect x=\"{label_width}\" width=\"{value_width}\" height=\"20\" fill=\"{color}\"/>\
             <rect width=\"{width}\" height=\"20\" fill=\"url(#shine)\"/></g>\
             <g fill=\"#fff\" text-anchor=\"middle\" font-family=\"Verdana,Geneva,DejaVu Sans,sans-serif\" font-size=\"11\">\
             {label_svg}{value_svg}</g></svg>",
            color = self.color,
            label_svg = text(label_width / 2.0, label_text, &label),
            value_svg = text(label_width + value_width / 2.0, value_text, &value),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_read_with_defaults_and_clear_errors() {
        let plain = Request::parse(None, None, None).unwrap();
        assert_eq!((plain.kind, plain.window, plain.label), (Kind::Status, Window::Day, None));
        let uptime = Request::parse(Some("uptime"), Some(""), None).unwrap();
        assert_eq!((uptime.kind, uptime.window), (Kind::Uptime, Window::Month));
        let response = Request::parse(Some("response"), Some("7d"), Some("  API p50 ")).unwrap();
        assert_eq!(
            (response.kind, response.window, response.label.as_deref()),
            (Kind::Response, Window::Week, Some("API p50"))
        );

        for (kind, window, label, field) in [
            (Some("latency"), None, None, "kind"),
            (Some("uptime"), Some("90d"), None, "window"),
            (None, None, Some("x".repeat(LABEL_MAX + 1)), "label"),
            (None, None, Some("a\u{7}b".to_owned()), "label"),
        ] {
            let error = Request::parse(kind, window, label.as_deref()).unwrap_err();
            assert_eq!(error.field(), Some(field), "{kind:?} {window:?} {label:?}");
        }
    }

    #[test]
    fn the_cache_key_holds_what_the_badge_depends_on_only() {
        let key = |kind, window, label| Request::parse(kind, window, label).unwrap().key();
        // The window does not change a status badge.
        assert_eq!(key(Some("status"), Some("7d"), None), key(None, None, None));
        assert_eq!(key(Some("uptime"), None, None), key(Some("uptime"), Some("30d"), None));
        assert_ne!(key(Some("uptime"), Some("7d"), None), key(Some("uptime"), Some("30d"), None));
        assert_eq!(key(Some("uptime"), None, Some("a")), key(Some("uptime"), None, Some("b")));
        assert_ne!(key(Some("response"), None, None), key(Some("uptime"), Some("24h"), None));
    }

    #[test]
    fn values_are_rounded_and_coloured_as_the_page_shows_them() {
        assert_eq!(uptime_value(Some(100.0)), ("100%".to_owned(), GREEN));
        assert_eq!(uptime_value(Some(99.996)), ("100%".to_owned(), GREEN));
        assert_eq!(uptime_value(Some(99.9449)), ("99.94%".to_owned(), GREEN));
        assert_eq!(uptime_value(Some(99.5)), ("99.50%".to_owned(), LIGHT_GREEN));
        assert_eq!(uptime_value(Some(98.0)), ("98.00%".to_owned(), YELLOW));
        assert_eq!(uptime_value(Some(96.0)), ("96.00%".to_owned(), ORANGE));
        assert_eq!(uptime_value(Some(12.5)), ("12.50%".to_owned(), RED));
        assert_eq!(uptime_value(None), ("no data".to_owned(), GREY));
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![30, 10, 20]), Some(20));
        assert_eq!(median(vec![40, 10, 30, 20]), Some(20));
    }

    #[test]
    fn the_svg_escapes_its_text_and_grows_with_it() {
        let badge =
            |label: &str| Badge { label: label.to_owned(), value: "99.50%".to_owned(), color: GREEN.to_owned() };
        let svg = badge("<script>alert(1)</script> & \"q\"").svg();
        assert!(!svg.contains("<script"), "{svg}");
        assert!(svg.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot;: 99.50%"), "{svg}");
        let width = |svg: &str| -> f64 {
            svg.split("width=\"").nth(1).and_then(|rest| rest.split('"').next()).unwrap().parse().unwrap()
        };
        assert!(width(&badge("a much longer label than that").svg()) > width(&badge("api").svg()) + 100.0);
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.contains(GREEN));
        let custom = badge("api").labelled(Some("Our API".to_owned()));
        assert_eq!((custom.label.as_str(), custom.value.as_str()), ("Our API", "99.50%"));
        assert_eq!(badge("api").labelled(None).label, "api");
    }
}
