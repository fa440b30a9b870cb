//! Team members, their roles and their API tokens.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

text_enum! {
    /// What a team member may do: `admin` also manages the team, settings and tokens.
    Role {
        Admin => "admin",
        Member => "member",
    }
}

/// A team member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
}

impl User {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

/// An API token as listed: never the secret itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    /// The first characters of the token, enough to recognise it.
    pub prefix: String,
    pub owner_id: i64,
    pub owner_name: String,
    pub owner_email: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A token just created: the only time its secret is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CreatedToken {
    pub token: ApiToken,
    pub secret: String,
}

/// Limits on what people type, shared by the forms and the server checks.
pub mod limits {
    pub const PASSWORD_MIN: usize = 10;
    pub const PASSWORD_MAX: usize = 256;
    pub const NAME_MAX: usize = 100;
    pub const EMAIL_MAX: usize = 254;
    pub const TOKEN_NAME_MAX: usize = 100;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_text() {
        for &role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        let error = "owner".parse::<Role>().unwrap_err().to_string();
        assert_eq!(error, "unknown role `owner` (expected admin, member)");
    }
}
