//! Regions: the places probes run from.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A region as listed: never its agent token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Region {
    pub id: i64,
    pub name: String,
    /// Probed by `vigie serve` itself (no agent token) rather than by an agent.
    pub builtin: bool,
    /// How many monitors this region probes.
    pub monitors: u32,
    pub created_at: DateTime<Utc>,
    /// When the region's agent last called the server (agents only).
    pub last_seen_at: Option<DateTime<Utc>>,
}

/// A region just created, or whose token was just replaced: the only time
/// the agent token is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CreatedRegion {
    #[serde(flatten)]
    pub region: Region,
    /// The token `vigie agent --token` needs.
    pub token: String,
}

/// The shape of a region's name, said the same way in forms and errors.
pub const REGION_NAME_RULE: &str = "Use 1 to 40 lowercase letters, digits or dashes, starting with a letter or digit.";

/// Whether `name` is a valid region name (`^[a-z0-9][a-z0-9-]{0,39}$`).
pub fn is_region_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit())
        && name.len() <= 40
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_names_follow_the_rule() {
        for good in ["local", "eu-west-1", "a", "9", &"x".repeat(40)] {
            assert!(is_region_name(good), "{good}");
        }
        for bad in ["", "-eu", "EU", "eu west", "eu_west", "é", &"x".repeat(41)] {
            assert!(!is_region_name(bad), "{bad}");
        }
    }
}
