//! The console's landing page. Any team member.

use crate::error::AppError;
use crate::model::OverviewReport;
use leptos::prelude::*;

/// Monitors by status, ongoing incidents, maintenance, the latest status
/// changes, regions and expiring certificates.
#[server(prefix = "/rpc", endpoint = "console_overview")]
pub async fn console_overview() -> Result<OverviewReport, AppError> {
    use crate::ssr::{as_member, overview};
    as_member(move |conn, _| overview::report(conn, chrono::Utc::now())).await
}
