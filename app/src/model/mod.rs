//! Wire types shared by the server and the browser. Rows live in `ssr::db`
//! and are converted into these; only the closed sets of values
//! ([`text_enum!`]) double as column types, under the `ssr` feature.

/// A closed set of values written as snake_case text (in JSON and in the
/// database): `as_str`, `parse`, `FromStr`, `ALL` and `Display` for each.
/// On the server the same text is the column's value: rows hold these enums,
/// and a value the enum does not know is an error when the row is read, never
/// a silent default.
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "ssr", derive(utoipa::ToSchema, diesel::AsExpression, diesel::FromSqlRow))]
        #[cfg_attr(feature = "ssr", diesel(sql_type = diesel::sql_types::Text))]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            pub fn parse(text: &str) -> Option<Self> {
                match text {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::model::UnknownValue;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Self::parse(text).ok_or_else(|| $crate::model::UnknownValue {
                    what: stringify!($name),
                    value: text.to_owned(),
                    expected: &[$($text),+],
                })
            }
        }

        #[cfg(feature = "ssr")]
        impl diesel::serialize::ToSql<diesel::sql_types::Text, diesel::pg::Pg> for $name {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>,
            ) -> diesel::serialize::Result {
                std::io::Write::write_all(out, self.as_str().as_bytes())?;
                Ok(diesel::serialize::IsNull::No)
            }
        }

        #[cfg(feature = "ssr")]
        impl diesel::deserialize::FromSql<diesel::sql_types::Text, diesel::pg::Pg> for $name {
            fn from_sql(value: diesel::pg::PgValue<'_>) -> diesel::deserialize::Result<Self> {
                let text = std::str::from_utf8(value.as_bytes())?;
                Ok(text.parse::<Self>()?)
            }
        }
    };
}

/// A text that names none of an enum's values (from a command line, or a
/// database row written by something else).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {} `{value}` (expected {})", what_name(what), expected.join(", "))]
pub struct UnknownValue {
    pub what: &'static str,
    pub value: String,
    pub expected: &'static [&'static str],
}

/// `MonitorStatus` → `monitor status`.
fn what_name(what: &str) -> String {
    let mut out = String::new();
    for (i, c) in what.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push(' ');
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// Reads a field that may be absent (`None`), `null` (`Some(None)`) or set,
/// for changes where `null` clears a value and leaving it out keeps it.
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    use serde::Deserialize;
    Option::<T>::deserialize(deserializer).map(Some)
}

/// What stands for the hidden part of a masked secret.
pub const MASK: &str = "••••";

mod alert;
mod incident;
mod monitor;
mod overview;
mod region;
mod status_page;
mod team;

pub use alert::*;
pub use incident::*;
pub use monitor::*;
pub use overview::*;
pub use region::*;
pub use status_page::*;
pub use team::*;
