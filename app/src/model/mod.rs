//! Wire types shared by the server and the browser. No database derives here:
//! rows live in `ssr::db` and are converted into these.

mod monitor;
mod region;
mod team;

pub use monitor::*;
pub use region::*;
pub use team::*;
