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

text_enum! {
    /// What an audit log entry records.
    AuditAction {
        SignIn => "sign_in",
        SignInFailed => "sign_in_failed",
        PasswordChanged => "password_changed",
        MemberAdded => "member_added",
        RoleChanged => "role_changed",
        MemberRemoved => "member_removed",
        TokenCreated => "token_created",
        TokenRevoked => "token_revoked",
        RegionCreated => "region_created",
        RegionTokenRotated => "region_token_rotated",
        RegionDeleted => "region_deleted",
        ChannelCreated => "channel_created",
        ChannelChanged => "channel_changed",
        ChannelDeleted => "channel_deleted",
        StatusPageCreated => "status_page_created",
        StatusPageChanged => "status_page_changed",
        StatusPageDeleted => "status_page_deleted",
        SubscriberAdded => "subscriber_added",
        SubscriberRemoved => "subscriber_removed",
        SubscribersImported => "subscribers_imported",
        SubscribersExported => "subscribers_exported",
    }
}

impl AuditAction {
    pub fn label(self) -> &'static str {
        match self {
            Self::SignIn => "Signed in",
            Self::SignInFailed => "Sign-in failed",
            Self::PasswordChanged => "Password changed",
            Self::MemberAdded => "Member added",
            Self::RoleChanged => "Role changed",
            Self::MemberRemoved => "Member removed",
            Self::TokenCreated => "API token created",
            Self::TokenRevoked => "API token revoked",
            Self::RegionCreated => "Region created",
            Self::RegionTokenRotated => "Region token replaced",
            Self::RegionDeleted => "Region deleted",
            Self::ChannelCreated => "Channel created",
            Self::ChannelChanged => "Channel changed",
            Self::ChannelDeleted => "Channel deleted",
            Self::StatusPageCreated => "Status page created",
            Self::StatusPageChanged => "Status page changed",
            Self::StatusPageDeleted => "Status page deleted",
            Self::SubscriberAdded => "Subscriber added",
            Self::SubscriberRemoved => "Subscriber removed",
            Self::SubscribersImported => "Subscribers imported",
            Self::SubscribersExported => "Subscribers exported",
        }
    }
}

text_enum! {
    /// Where an audited action came from.
    AuditVia {
        Console => "console",
        Api => "api",
        CommandLine => "command_line",
    }
}

/// One entry of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AuditEvent {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub action: AuditAction,
    /// The member who acted, when known (a failed sign-in has none).
    pub actor_id: Option<i64>,
    /// Their email at the time.
    pub actor_email: Option<String>,
    pub via: AuditVia,
    /// The client address the request came from (none from the command line).
    pub address: Option<String>,
    /// What the action was about: a member, a token, a channel, a page.
    pub subject: String,
    /// What changed, when it says more than the action (never a secret).
    pub details: Option<String>,
}

/// A page of the audit log, newest first; `next` is the `before` of the next page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AuditList {
    pub items: Vec<AuditEvent>,
    pub next: Option<i64>,
}

/// Limits on what people type, shared by the forms and the server checks.
pub mod limits {
    pub const PASSWORD_MIN: usize = 10;
    pub const PASSWORD_MAX: usize = 256;
    pub const NAME_MAX: usize = 100;
    pub const EMAIL_MAX: usize = 254;
    pub const TOKEN_NAME_MAX: usize = 100;
    /// Audit log entries per page (the API's `limit` is at most this).
    pub const AUDIT_PAGE_MAX: u32 = 200;
    /// How long the audit log keeps an entry.
    pub const AUDIT_RETENTION_DAYS: i64 = 90;
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

/// What an admin sees of the server itself: its version and its backups.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerInfo {
    /// "0.1.0 (commit 1a2b3c4d5e6f)".
    pub version: String,
    /// `None` when scheduled backups are off (`VIGIE_BACKUP_DIR` unset).
    pub backups: Option<BackupReport>,
}

/// How the scheduled backups went since the server started.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BackupReport {
    pub dir: String,
    pub keep: u32,
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_file: Option<String>,
    pub last_bytes: Option<u64>,
    pub last_failure_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    /// The last attempt failed.
    pub failing: bool,
}
