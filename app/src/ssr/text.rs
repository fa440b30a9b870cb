//! Checking what people type into one-line fields (names, titles) and short
//! paragraphs (descriptions): trimmed, at most a number of characters, no
//! control characters. One rule, one message for each problem, for every
//! form and API that takes such text.

use crate::error::AppError;

fn check(field: &str, value: &str, max: usize, newlines: bool) -> Result<String, AppError> {
    let value = value.trim();
    if value.chars().count() > max {
        return Err(AppError::validation(field, format!("At most {max} characters.")));
    }
    if value.chars().any(|c| c.is_control() && !(newlines && (c == '\n' || c == '\r'))) {
        return Err(AppError::validation(field, "Control characters are not allowed."));
    }
    Ok(value.to_owned())
}

/// A one-line text; `None` when blank.
pub fn line(field: &str, value: &str, max: usize) -> Result<Option<String>, AppError> {
    let value = check(field, value, max, false)?;
    Ok((!value.is_empty()).then_some(value))
}

/// A one-line text that must be there: blank is refused with `empty`.
pub fn required_line(field: &str, value: &str, max: usize, empty: &str) -> Result<String, AppError> {
    line(field, value, max)?.ok_or_else(|| AppError::validation(field, empty))
}

/// A short text of lines (a description); may be blank.
pub fn paragraphs(field: &str, value: &str, max: usize) -> Result<String, AppError> {
    check(field, value, max, true)
}

// ---- a list's query parameters (blank: any) ----------------------------------

/// A parameter's value, trimmed; blank is none.
pub fn given(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// A parameter `parse` reads (blank: none), or an error naming its field.
pub fn chosen<T>(field: &str, value: Option<&str>, parse: fn(&str) -> Option<T>) -> Result<Option<T>, AppError> {
    given(value).map(|text| parse(text).ok_or_else(|| AppError::validation(field, "Not a valid value."))).transpose()
}

/// Text to look for, at most `max` characters: control characters match
/// nothing (and PostgreSQL refuses NUL), so they are dropped.
pub fn sought(value: Option<&str>, max: usize) -> Option<String> {
    given(value).map(|text| text.chars().filter(|c| !c.is_control()).take(max).collect())
}

pub use crate::model::MASK;

/// A secret shown back (a channel's signing secret, a monitor's header value
/// or body): `••••` and its last four characters, enough to tell secrets
/// apart; a short one (8 characters or fewer) shows nothing of itself.
pub fn mask(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() <= 8 {
        return MASK.to_owned();
    }
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{MASK}{tail}")
}

/// What a form sent back for a masked secret: the stored value when it sent
/// the mask unchanged, else what it sent.
pub fn unmask(sent: String, stored: Option<&str>) -> String {
    match stored {
        Some(stored) if sent == mask(stored) => stored.to_owned(),
        _ => sent,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_bounded_and_printable() {
        assert_eq!(required_line("name", "  Ada ", 10, "Enter a name.").unwrap(), "Ada");
        assert_eq!(required_line("name", "   ", 10, "Enter a name.").unwrap_err().to_string(), "Enter a name.");
        assert_eq!(line("title", " ", 10).unwrap(), None);
        assert!(required_line("name", "abcdefghijk", 10, "x").is_err(), "11 characters");
        assert!(required_line("name", &"é".repeat(10), 10, "x").is_ok(), "characters, not bytes");
        assert!(required_line("name", "a\u{7}b", 10, "x").is_err());
        assert!(line("name", "a\nb", 10).is_err(), "one line");
        assert_eq!(paragraphs("description", "a\nb", 10).unwrap(), "a\nb");
        assert!(paragraphs("description", "a\u{0}b", 10).is_err());
        assert_eq!(line("name", "x".repeat(11).as_str(), 10).unwrap_err().field(), Some("name"));
    }
}
