//! Configuration as code: a file (`vigie.yaml`) that declares monitors,
//! agent regions, alert channels, alert rules and status pages, each under
//! a `key` the file owns (ids never appear), and that Vigie converges to.
//! `export` writes the file from the database; `plan` compares a file with
//! the database field by field; `apply` carries the plan out in one
//! transaction through the same checks as the console and the API.
//!
//! Secrets never appear in a file: a webhook's signing secret, a Slack or
//! Discord URL, a monitor's header values and body are written as
//! `${NAME}` references that `apply` reads from the environment.

pub mod apply;
pub mod document;
pub mod export;

pub use apply::{Applied, Change, FieldChange, Operation, Plan, apply, plan};
pub use document::{
    ChannelEntry, ComponentEntry, Document, FileError, MonitorEntry, PageEntry, RuleEntry, json_schema,
};
pub use export::{Exported, export};
