//! PostgreSQL notifications to in-process wake-ups: one thread holds a
//! connection that `LISTEN`s on a channel and calls back when a
//! notification arrives (sent at the commit of the transaction that wrote
//! something, by any server process). Reconnects after failures.

use app::ssr::db::Db;
use diesel::RunQueryDsl;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How often the listening connection is read.
const POLL: Duration = Duration::from_millis(20);
/// The wait before trying again after a failure.
const RETRY: Duration = Duration::from_secs(1);

/// Starts listening on `channel` until `stop` turns true.
pub fn spawn(
    db: Db,
    channel: &'static str,
    stop: Arc<AtomicBool>,
    on_notify: impl Fn() + Send + 'static,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new().name(format!("listen-{channel}")).spawn(move || listen(&db, channel, &stop, &on_notify))
}

fn listen(db: &Db, channel: &str, stop: &AtomicBool, on_notify: &dyn Fn()) {
    while !stop.load(Ordering::Relaxed) {
        let mut conn = match db.pool().get() {
            Ok(conn) => conn,
            Err(_) => {
                std::thread::sleep(RETRY);
                continue;
            }
        };
        if diesel::sql_query(format!("LISTEN {channel}")).execute(&mut *conn).is_err() {
            std::thread::sleep(RETRY);
            continue;
        }
        // What changed while not listening is not known: assume something did.
        on_notify();
        loop {
            if stop.load(Ordering::Relaxed) {
                let _ = diesel::sql_query("UNLISTEN *").execute(&mut *conn);
                return;
            }
            let mut woken = false;
            let mut broken = false;
            for notification in conn.notifications_iter() {
                match notification {
                    Ok(_) => woken = true,
                    Err(_) => {
                        broken = true;
                        break;
                    }
                }
            }
            if woken {
                on_notify();
            }
            if broken {
                tracing::warn!(channel, "a listening connection was lost: reconnecting");
                break;
            }
            std::thread::sleep(POLL);
        }
    }
}
