#![recursion_limit = "256"]
//! `vigie`: serve (the default), migrate, manage users and tokens, control
//! the private PostgreSQL, back up and restore.

use anyhow::{Context, bail};
use app::ssr::alerts::notify::{AlertSettings, Notifier};
use app::ssr::db::Db;
use app::ssr::status_pages::cache::{CHANGE_CHANNEL, PageCache};
use app::ssr::team::audit::Actor;
use app::ssr::{AppState, MonitorSettings, team};
use axum::serve::ListenerExt;
use clap::Parser;
use server::infra::backup::{self, Backups};
use server::infra::config::{
    AgentArgs, Cli, Command, Config, ImportCommand, PostgresCommand, TokenCommand, UserCommand,
};
use server::infra::postgres::{DATABASE, PrivatePostgres};
use std::io::{BufRead, IsTerminal};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.config.log_json);
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(&cli.config),
        Command::Migrate => with_database(&cli.config, |_, applied| {
            println!("{applied} migration(s) applied");
            Ok(())
        }),
        Command::User(UserCommand::Create { email, name, role }) => create_user(&cli.config, &email, &name, &role),
        Command::Token(TokenCommand::Create { email, name }) => create_token(&cli.config, &email, &name),
        Command::Postgres(command) => postgres(&cli.config, command),
        Command::Agent(args) => agent(&cli.config, args),
        Command::Backup { output } => backup(&cli.config, output),
        Command::Restore { file, force } => restore(&cli.config, &file, force),
        Command::Upkeep => upkeep(&cli.config),
        Command::Export { output } => export(&cli.config, output),
        Command::Apply { file, dry_run, prune } => apply(&cli.config, &file, dry_run, prune),
        Command::Import(ImportCommand::Statuspage { dir, slug, dry_run }) => {
            import_statuspage(&cli.config, &dir, slug.as_deref(), dry_run)
        }
        Command::Import(ImportCommand::UptimeKuma { path, output, force, apply, dry_run }) => {
            import_uptime_kuma(&cli.config, &path, &output, force, apply.then_some(dry_run))
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // `{:#}` prints the whole chain: "cannot connect to the database: …".
            eprintln!("vigie: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing(json: bool) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,tower_http=info,diesel_migrations=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    if json { builder.json().init() } else { builder.init() }
}

/// The database to use: `DATABASE_URL`, or the private cluster (started if
/// needed; `started` says whether this process started it).
struct Database {
    url: String,
    private: Option<PrivatePostgres>,
    started: bool,
}

impl Database {
    fn open(config: &Config) -> anyhow::Result<Self> {
        if let Some(url) = config.database_url.as_ref().filter(|u| !u.trim().is_empty()) {
            return Ok(Self { url: url.clone(), private: None, started: false });
        }
        let pg = PrivatePostgres::new(&config.data_dir.join("postgres"))?;
        let started = pg.start()?;
        Ok(Self { url: pg.url(DATABASE), private: Some(pg), started })
    }

    /// pg_dump and pg_restore for it (the private cluster's own, if private).
    fn backups(&self) -> Result<Backups, backup::BackupError> {
        Backups::new(&self.url, self.private.as_ref().map(PrivatePostgres::bin_dir))
    }

    /// Stops the private cluster if this process started it.
    fn close(self, always: bool) {
        if let Some(pg) = self.private.filter(|_| self.started || always)
            && let Err(error) = pg.stop()
        {
            tracing::error!(%error, "could not stop the private PostgreSQL");
        }
    }
}

/// Runs a one-off command against the database (migrated first), with one
/// connection and no pool: a pool's background threads may still be opening
/// a connection when the process exits, and libpq torn down under them
/// crashes the process after the work is done. `work` gets the connection
/// and how many migrations were applied.
fn with_database(
    config: &Config,
    work: impl FnOnce(&mut diesel::PgConnection, usize) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    use diesel::Connection;
    let database = Database::open(config)?;
    let result = diesel::PgConnection::establish(&database.url).context("cannot connect to the database").and_then(
        |mut conn| {
            let applied = app::ssr::db::run_migrations(&mut conn)
                .map_err(anyhow::Error::from_boxed)
                .context("migrations failed")?;
            // The server's own region, as `serve` makes it: monitors made
            // from the command line (apply, import) before the first start
            // are probed from it.
            app::ssr::db::regions::ensure(&mut conn, &config.region)?;
            work(&mut conn, applied.len())
        },
    );
    database.close(false);
    result
}

/// One round of the checks' upkeep, as the server runs every ten minutes.
fn upkeep(config: &Config) -> anyhow::Result<()> {
    with_database(config, |conn, _| {
        let now = chrono::Utc::now();
        match app::ssr::monitoring::retention::upkeep(conn, now, config.check_retention_days)? {
            Some(done) => println!(
                "{} check(s) packed, {} day(s) rolled up, {} day(s) dropped, {} partition(s) made",
                done.packed, done.days, done.dropped, done.prepared
            ),
            None => println!("another server is doing it; nothing done"),
        }
        Ok(())
    })
}

fn monitor_settings(config: &Config) -> MonitorSettings {
    MonitorSettings {
        min_interval_seconds: config.min_interval_seconds,
        region: config.region.clone(),
        check_retention_days: config.check_retention_days,
    }
}

/// `vigie export`: the configuration as a file.
fn export(config: &Config, output: Option<std::path::PathBuf>) -> anyhow::Result<()> {
    let settings = monitor_settings(config);
    with_database(config, |conn, _| {
        let rules = app::ssr::monitoring::monitors::rules(conn, settings.min_interval_seconds, &settings.region)?;
        let exported = app::ssr::config::export(conn, &rules)?;
        let yaml = exported.document.to_yaml();
        match &output {
            Some(path) => {
                std::fs::write(path, &yaml).with_context(|| format!("cannot write {}", path.display()))?;
                eprintln!("wrote {}", path.display());
            }
            None => print!("{yaml}"),
        }
        if !exported.variables.is_empty() {
            eprintln!("`vigie apply` reads these secrets from the environment:");
            for name in &exported.variables {
                eprintln!("  {name}");
            }
        }
        Ok(())
    })
}

/// `vigie apply`: a file's configuration into the database.
fn apply(config: &Config, file: &std::path::Path, dry_run: bool, prune: bool) -> anyhow::Result<()> {
    use std::io::Read;
    let text = if file.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).context("cannot read standard input")?;
        text
    } else {
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?
    };
    let name = file.display().to_string();
    let document = app::ssr::config::Document::parse(&text).map_err(|error| anyhow::anyhow!("{name}: {error}"))?;
    let settings = monitor_settings(config);
    with_database(config, |conn, _| {
        let actor = Actor::command_line();
        let env = |name: &str| std::env::var(name).ok();
        let context = app::ssr::config::apply::Context {
            actor: &actor,
            settings: &settings,
            env: &env,
            prune,
            now: chrono::Utc::now(),
        };
        if dry_run {
            let plan = app::ssr::config::plan(conn, &context, &document, &text)
                .map_err(|error| anyhow::anyhow!("{name}: {error}"))?;
            print!("{plan}");
            println!("Dry run: nothing was changed.");
        } else {
            let applied = app::ssr::config::apply(conn, &context, &document, &text)
                .map_err(|error| anyhow::anyhow!("{name}: {error}"))?;
            print!("{}", applied.plan);
            for (what, secret) in &applied.made {
                println!("{what} (shown once): {secret}");
            }
        }
        Ok(())
    })
}

/// `vigie import statuspage`: a Statuspage page and its history, in one
/// transaction (rolled back by `--dry-run`).
fn import_statuspage(config: &Config, dir: &std::path::Path, slug: Option<&str>, dry_run: bool) -> anyhow::Result<()> {
    use app::ssr::import::{self, statuspage};
    let export = statuspage::read(dir).map_err(|error| anyhow::anyhow!("{}: {error}", dir.display()))?;
    let settings = monitor_settings(config);
    with_database(config, |conn, _| {
        let actor = Actor::command_line();
        let options = statuspage::Options { slug, actor: &actor, settings: &settings, now: chrono::Utc::now() };
        let report = import::in_transaction(conn, dry_run, |conn| statuspage::import(conn, &export, &options))
            .map_err(command_error)?;
        print!("{report}");
        if dry_run {
            println!("Dry run: nothing was changed.");
        }
        Ok(())
    })
}

/// `vigie import uptime-kuma`: the configuration file and its secrets
/// written; with `apply` (`Some(dry_run)`), applied with the history.
fn import_uptime_kuma(
    config: &Config,
    path: &std::path::Path,
    output: &std::path::Path,
    force: bool,
    apply: Option<bool>,
) -> anyhow::Result<()> {
    use server::infra::uptime_kuma::{self, Version};
    use std::io::Write;
    let limits = uptime_kuma::Limits { min_interval_seconds: config.min_interval_seconds, now: chrono::Utc::now() };
    let imported = uptime_kuma::import(path, &limits)?;
    let version = match imported.version {
        Version::One => "1.x",
        Version::Two => "2.x",
    };
    let env_path = output.with_extension("env");
    let yaml = format!(
        "# Imported from Uptime Kuma {version} ({}) by `vigie import uptime-kuma`.\n# Secrets are in {}.\n{}",
        path.display(),
        env_path.display(),
        imported.document.to_yaml()
    );
    // What was written must read back: a file no apply can take is a bug here.
    let document =
        app::ssr::config::Document::parse(&yaml).map_err(|error| anyhow::anyhow!("the file made: {error}"))?;
    for file in [output, env_path.as_path()] {
        if file.exists() && !force {
            bail!("{} is there already: choose another --output, or --force to replace it", file.display());
        }
    }
    std::fs::write(output, &yaml).with_context(|| format!("cannot write {}", output.display()))?;
    eprintln!("wrote {}", output.display());
    if !imported.variables.is_empty() {
        let mut env = format!(
            "# Secrets of {}: `set -a; . {}; set +a` before `vigie apply -f {}`.\n",
            output.display(),
            sourced(&env_path),
            output.display()
        );
        for (name, value) in &imported.variables {
            env.push_str(&format!("{name}='{}'\n", value.replace('\'', "'\\''")));
        }
        let mut file = std::fs::OpenOptions::new();
        file.write(true).create(true).truncate(true);
        std::os::unix::fs::OpenOptionsExt::mode(&mut file, 0o600);
        file.open(&env_path)
            .and_then(|mut f| f.write_all(env.as_bytes()))
            .with_context(|| format!("cannot write {}", env_path.display()))?;
        eprintln!("wrote {} ({} secrets)", env_path.display(), imported.variables.len());
    }
    print!("{}", imported.report);
    let Some(dry_run) = apply else {
        println!("Next: `set -a; . {}; set +a; vigie apply -f {}`.", sourced(&env_path), output.display());
        return Ok(());
    };
    let settings = monitor_settings(config);
    with_database(config, |conn, _| {
        let actor = Actor::command_line();
        let env = |name: &str| imported.variables.get(name).cloned();
        let context = app::ssr::config::apply::Context {
            actor: &actor,
            settings: &settings,
            env: &env,
            prune: false,
            now: chrono::Utc::now(),
        };
        let report = app::ssr::import::in_transaction(conn, dry_run, |conn| {
            let applied = app::ssr::config::apply(conn, &context, &document, &yaml).map_err(|error| {
                app::error::AppError::validation(&error.field, format!("{}: {}", output.display(), error))
            })?;
            uptime_kuma::after_apply(conn, &imported, applied)
        })
        .map_err(command_error)?;
        print!("{report}");
        if dry_run {
            println!("Dry run: nothing was changed.");
        }
        Ok(())
    })
}

/// A path as the shell's `.` finds it (a bare name is looked up in PATH).
fn sourced(path: &std::path::Path) -> String {
    if path.components().count() > 1 { path.display().to_string() } else { format!("./{}", path.display()) }
}

fn read_password() -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ")?;
        let again = rpassword::prompt_password("Repeat the password: ")?;
        if first != again {
            bail!("the two passwords differ");
        }
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).context("cannot read the password")?;
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    }
}

fn create_user(config: &Config, email: &str, name: &str, role: &str) -> anyhow::Result<()> {
    let role = role.parse()?;
    let password = read_password()?;
    with_database(config, |conn, _| {
        let user = team::create_user(
            conn,
            &Actor::command_line(),
            &team::NewMember { email, name, role, password: &password },
        )
        .map_err(command_error)?;
        println!("created {} {} <{}>", user.role, user.name, user.email);
        Ok(())
    })
}

fn create_token(config: &Config, email: &str, name: &str) -> anyhow::Result<()> {
    with_database(config, |conn, _| {
        let email = email.trim().to_lowercase();
        let owner = app::ssr::db::users::find_by_email(conn, &email)?
            .with_context(|| format!("no team member has the email {email}"))?;
        let created = team::create_token(conn, &Actor::command_line(), owner.id, name).map_err(command_error)?;
        println!("created token \"{}\" for {}; it is shown only once:", created.token.name, owner.email);
        println!("{}", created.secret);
        Ok(())
    })
}

/// A command's error as the person at the terminal should read it: the
/// field and the reason, or for an internal failure the logged detail.
fn command_error(error: app::error::AppError) -> anyhow::Error {
    error.report();
    match error.field() {
        Some(field) => anyhow::anyhow!("{field}: {error}"),
        None => anyhow::anyhow!("{error}"),
    }
}

fn postgres(config: &Config, command: PostgresCommand) -> anyhow::Result<()> {
    let pg = PrivatePostgres::new(&config.data_dir.join("postgres"))?;
    match command {
        PostgresCommand::Start => {
            pg.start()?;
            println!("{}", pg.url(DATABASE));
        }
        PostgresCommand::Stop => pg.stop()?,
        PostgresCommand::Url => println!("{}", pg.url(DATABASE)),
    }
    Ok(())
}

/// `vigie backup`: a dump of the database to `output` or a dated file here.
fn backup(config: &Config, output: Option<std::path::PathBuf>) -> anyhow::Result<()> {
    let database = Database::open(config)?;
    let result = (|| {
        use diesel::Connection;
        let backups = database.backups()?;
        let file = output.unwrap_or_else(|| backup::file_name(chrono::Utc::now()).into());
        // Not while a server's upkeep makes or drops partitions (a deadlock).
        let mut conn = diesel::PgConnection::establish(&database.url).context("cannot connect to the database")?;
        let bytes = app::ssr::monitoring::retention::without_upkeep(&mut conn, || backups.dump(&file))??;
        println!("backed up to {} ({bytes} bytes)", file.display());
        anyhow::Ok(())
    })();
    database.close(false);
    result
}

/// `vigie restore`: a backup into the database, then its migrations brought
/// up to this version.
fn restore(config: &Config, file: &std::path::Path, force: bool) -> anyhow::Result<()> {
    use diesel::{Connection, RunQueryDsl};
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        count: i64,
    }
    let database = Database::open(config)?;
    let result = (|| {
        let backups = database.backups()?;
        let mut conn = diesel::PgConnection::establish(&database.url).context("cannot connect to the database")?;
        let tables = diesel::sql_query(
            "SELECT count(*) AS count FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')",
        )
        .get_result::<Count>(&mut conn)?
        .count;
        backups.restore(file, tables, force)?;
        let applied =
            app::ssr::db::run_migrations(&mut conn).map_err(anyhow::Error::from_boxed).context("migrations failed")?;
        println!("restored {} ({} migrations applied since it was made)", file.display(), applied.len());
        anyhow::Ok(())
    })();
    database.close(false);
    result
}

/// The async runtime of `serve` and `agent`.
fn runtime(config: &Config) -> anyhow::Result<tokio::runtime::Runtime> {
    // Twice the cores by default: measured with `make bench-status`, where
    // the load generator shares the cores, p99 fell from 58 ms to 20 ms
    // (a worker the OS pauses no longer holds its queue of connections).
    let workers = match config.worker_threads {
        0 => 2 * std::thread::available_parallelism().map_or(1, usize::from),
        n => n as usize,
    };
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .context("cannot start the runtime")
}

fn agent(config: &Config, args: AgentArgs) -> anyhow::Result<()> {
    let runtime = runtime(config)?;
    let options = server::agent::AgentOptions {
        server: args.server,
        region: config.region.clone(),
        token: args.token,
        poll: Duration::from_secs(args.poll_seconds),
        buffer: usize::try_from(args.buffer).unwrap_or(usize::MAX),
        concurrency: config.probe_concurrency as usize,
    };
    runtime.block_on(async move {
        let prober = app::ssr::monitoring::probe::Prober::new(&options.region)?;
        let (stop, stopped) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            shutdown_signal().await;
            let _ = stop.send(true);
        });
        tracing::info!(server = %options.server, region = options.region, "agent starting");
        server::agent::run(options, prober, stopped).await
    })
}

fn serve(config: &Config) -> anyhow::Result<()> {
    let runtime = runtime(config)?;
    let database = Database::open(config)?;
    // Scheduled backups: the tools are found (or their absence said) now.
    let backups = if config.backup_dir.is_some() {
        match database.backups() {
            Ok(backups) => Some(backups),
            Err(error) => {
                database.close(false);
                return Err(anyhow::Error::from(error).context("scheduled backups (VIGIE_BACKUP_DIR)"));
            }
        }
    } else {
        None
    };
    // The private cluster is started again if it dies under the server.
    let stop_watching = Arc::new(AtomicBool::new(false));
    let watchdog = match &database.private {
        Some(pg) => Some(pg.clone().watch(stop_watching.clone()).context("cannot watch PostgreSQL")?),
        None => None,
    };
    let result = runtime.block_on(run_server(config, &database.url, backups));
    // Every task and thread that used the database is done before it goes.
    drop(runtime);
    stop_watching.store(true, Ordering::Relaxed);
    if let Some(watchdog) = watchdog {
        let _ = watchdog.join();
    }
    // Requests are finished: now PostgreSQL may go.
    database.close(true);
    result
}

/// `backups`: the tools of the scheduled backups, when `VIGIE_BACKUP_DIR` is set.
async fn run_server(config: &Config, url: &str, backups: Option<Backups>) -> anyhow::Result<()> {
    let db = Db::connect(url, config.db_pool_size).context("cannot connect to the database")?;
    let applied =
        tokio::task::block_in_place(|| db.migrate()).map_err(anyhow::Error::from_boxed).context("migrations failed")?;
    if !applied.is_empty() {
        tracing::info!(count = applied.len(), "migrations applied");
    }
    let secure_cookies = config.public_url.as_ref().is_some_and(|u| u.scheme() == "https");
    let region = config.region.clone();
    db.run(move |conn| Ok(app::ssr::db::regions::ensure(conn, &region)?))
        .await
        .map_err(command_error)
        .context("cannot record the region")?;
    let monitor_settings = monitor_settings(config);
    let prober = app::ssr::monitoring::probe::Prober::new(&config.region)?;
    let notifier = Notifier::new(&AlertSettings {
        public_url: config.public_url.as_ref().map(ToString::to_string),
        smtp_url: config.smtp_url.clone(),
        smtp_from: config.smtp_from.clone(),
        timeout: Duration::from_secs(config.alert_timeout_seconds),
        private_webhooks: config.subscriber_webhooks_private,
    })?;
    // Rendered public pages, dropped when PostgreSQL says something they show changed.
    let page_cache = Arc::new(PageCache::new(Duration::from_secs(60)));
    let stop_listening = Arc::new(AtomicBool::new(false));
    let cache = page_cache.clone();
    let listening = server::workers::listener::spawn(db.clone(), CHANGE_CHANNEL, stop_listening.clone(), move || {
        cache.invalidate()
    })
    .context("cannot start the page cache's listener")?;
    let backup_worker = config.backup_dir.clone().zip(backups);
    let operations = Arc::new(app::ssr::operations::Operations::new(
        server::VERSION,
        config
            .backup_dir
            .as_ref()
            .map(|dir| app::ssr::operations::ScheduledBackups::new(dir.display().to_string(), config.backup_keep)),
    ));
    let state = AppState {
        db: db.clone(),
        secure_cookies,
        monitor_settings,
        prober: prober.clone(),
        page_cache: Some(page_cache),
        public_url: config.public_url.as_ref().map(|u| u.as_str().trim_end_matches('/').to_owned()),
        notifier: notifier.clone(),
        security: app::ssr::security::SecuritySettings::new(&config.frame_ancestors, config.metrics_token.clone())
            .trusting(config.trust_proxy.clone()),
        operations: operations.clone(),
    };
    // Prometheus' convention: metrics on an address of their own, for the
    // scraper's network only.
    let metrics = match config.metrics_bind {
        Some(bind) => {
            let listener = tokio::net::TcpListener::bind(bind)
                .await
                .with_context(|| format!("cannot listen on {bind} for metrics"))?;
            let router = axum::Router::new()
                .route("/metrics", axum::routing::get(server::http::metrics::exposition))
                .with_state(state.clone());
            tracing::info!("metrics on http://{bind}/metrics");
            Some(tokio::spawn(async move { axum::serve(listener, router).await }))
        }
        None => None,
    };
    let router = server::http::router::router(state, server::leptos_options(config.bind));

    // Answers go out at once: with Nagle's algorithm a response written in
    // two parts can wait for the client's delayed ACK (tens of milliseconds).
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .with_context(|| format!("cannot listen on {}", config.bind))?
        .tap_io(|tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::debug!("cannot set TCP_NODELAY: {e}");
            }
        });
    tracing::info!("listening on http://{}", config.bind);
    let housekeeping = tokio::spawn(housekeeping(db.clone(), config.check_retention_days));
    let (stop_backups, backups_stopped) = tokio::sync::watch::channel(false);
    let backups = backup_worker.map(|(dir, backups)| {
        let worker =
            server::workers::backups::BackupWorker::new(db.clone(), backups, dir, config.backup_keep, operations);
        tokio::spawn(worker.run(backups_stopped))
    });
    let links_base = match &config.public_url {
        Some(url) => url.to_string(),
        None => {
            tracing::warn!(
                "VIGIE_PUBLIC_URL is not set: links in subscribers' messages point to http://{}",
                config.bind
            );
            format!("http://{}", config.bind)
        }
    };
    let subscriber_dispatcher = server::workers::subscribers::SubscriberDispatcher::new(
        db.clone(),
        notifier.clone(),
        &links_base,
        config.subscriber_concurrency as usize,
    );
    let (stop_subscribers, subscribers_stopped) = tokio::sync::watch::channel(false);
    let subscriber_dispatcher = tokio::spawn(subscriber_dispatcher.run(subscribers_stopped));
    let dispatcher =
        server::workers::dispatcher::Dispatcher::new(db.clone(), notifier, config.alert_concurrency as usize);
    let (stop_dispatcher, dispatcher_stopped) = tokio::sync::watch::channel(false);
    let dispatcher = tokio::spawn(dispatcher.run(dispatcher_stopped));
    let scheduler =
        server::workers::scheduler::Scheduler::new(db, prober, &config.region, config.probe_concurrency as usize)
            .await
            .map_err(command_error)
            .context("cannot start the scheduler")?;
    let (stop_scheduler, scheduler_stopped) = tokio::sync::watch::channel(false);
    let scheduler = tokio::spawn(scheduler.run(scheduler_stopped));
    axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("the HTTP server failed")?;
    housekeeping.abort();
    let _ = stop_backups.send(true);
    if let Some(backups) = backups {
        let _ = backups.await;
    }
    if let Some(metrics) = metrics {
        metrics.abort();
    }
    let _ = stop_scheduler.send(true);
    let _ = scheduler.await;
    let _ = stop_dispatcher.send(true);
    let _ = dispatcher.await;
    let _ = stop_subscribers.send(true);
    let _ = subscriber_dispatcher.await;
    stop_listening.store(true, Ordering::Relaxed);
    let _ = tokio::task::block_in_place(|| listening.join());
    tracing::info!("server stopped");
    Ok(())
}

/// Every ten minutes: removes expired sessions, old sign-in failures, audit
/// log entries past their 90 days, subscriptions never confirmed, what was
/// sent to subscribers over 30 days ago (and their year-old links); packs
/// the checks of finished hours, rolls them up by day and drops the days
/// past their retention.
async fn housekeeping(db: Db, retention_days: u32) {
    let mut tick = tokio::time::interval(Duration::from_secs(600));
    loop {
        tick.tick().await;
        let now = chrono::Utc::now();
        let result = db
            .run(move |conn| {
                let sessions = app::ssr::db::sessions::delete_expired(conn, now)?;
                let failures = app::ssr::db::login_failures::delete_older_than(conn, now - chrono::Duration::days(1))?;
                let audited = app::ssr::team::audit::purge(conn, now)?;
                let unconfirmed = app::ssr::status_pages::subscribers::purge_unconfirmed(conn, now)?;
                let sent = app::ssr::status_pages::subscribers::purge_sent(conn, now)?;
                Ok((sessions, failures, audited, unconfirmed + sent))
            })
            .await;
        match result {
            Ok((sessions, failures, audited, unconfirmed)) => {
                tracing::debug!(sessions, failures, audited, unconfirmed, "housekeeping done");
            }
            Err(error) => error.report_in("remove expired sessions"),
        }
        let upkeep = db.run(move |conn| Ok(app::ssr::monitoring::retention::upkeep(conn, now, retention_days)?)).await;
        match upkeep {
            Ok(Some(done)) => tracing::debug!(
                packed = done.packed,
                days = done.days,
                dropped = done.dropped,
                prepared = done.prepared,
                "checks packed and rolled up"
            ),
            Ok(None) => tracing::debug!("checks upkept by another server"),
            Err(error) => error.report_in("pack and roll up checks"),
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
