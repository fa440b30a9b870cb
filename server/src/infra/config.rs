//! Command line and configuration: every setting comes from the environment
//! and a flag of the same meaning overrides it. A bad value stops the start
//! with one clear line.

use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use url::Url;

#[derive(Debug, Parser)]
#[command(name = "vigie", version = crate::VERSION, about = "Uptime monitoring, incidents and status pages")]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,
    /// What to do (default: serve).
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Args)]
pub struct Config {
    /// PostgreSQL URL. Without it, a private PostgreSQL is run under the data directory.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,
    /// Where Vigie keeps its files (the private PostgreSQL lives in `<dir>/postgres`).
    #[arg(long, env = "VIGIE_DATA_DIR", default_value = "./data", global = true)]
    pub data_dir: PathBuf,
    /// Address to listen on.
    #[arg(long, env = "VIGIE_BIND", default_value = "127.0.0.1:3000", global = true)]
    pub bind: SocketAddr,
    /// The address people reach Vigie at (used in links; https makes cookies Secure).
    #[arg(long, env = "VIGIE_PUBLIC_URL", global = true, value_parser = parse_public_url)]
    pub public_url: Option<Url>,
    /// Who may show the public status pages in a frame: `'none'`, `'self'`,
    /// or origins such as `https://intranet.example.com`, space-separated.
    #[arg(long, env = "VIGIE_FRAME_ANCESTORS", default_value = "'none'", global = true,
          value_parser = parse_frame_ancestors)]
    pub frame_ancestors: String,
    /// The Bearer token Prometheus sends to read `/metrics` on the main address
    /// (at least 16 characters). Without it (or `VIGIE_METRICS_BIND`), metrics are not served.
    #[arg(long, env = "VIGIE_METRICS_TOKEN", global = true, hide_env_values = true, value_parser = parse_metrics_token)]
    pub metrics_token: Option<String>,
    /// Reverse proxies (addresses or networks, comma-separated, e.g.
    /// `127.0.0.1,10.0.0.0/8`) whose `X-Forwarded-For` and
    /// `X-Forwarded-Proto` are believed.
    #[arg(long, env = "VIGIE_TRUST_PROXY", global = true, value_delimiter = ',', value_parser = parse_proxy)]
    pub trust_proxy: Vec<ipnet::IpNet>,
    /// A separate address that serves `/metrics` without a token, e.g. `127.0.0.1:9464`.
    #[arg(long, env = "VIGIE_METRICS_BIND", global = true)]
    pub metrics_bind: Option<SocketAddr>,
    /// Most database connections held at once.
    #[arg(long, env = "VIGIE_DB_POOL_SIZE", default_value_t = 16, global = true,
          value_parser = clap::value_parser!(u32).range(2..=200))]
    pub db_pool_size: u32,
    /// The name of the region this server probes from.
    #[arg(long, env = "VIGIE_REGION", default_value = "local", global = true, value_parser = parse_region)]
    pub region: String,
    /// The shortest monitor interval allowed, in seconds.
    #[arg(long, env = "VIGIE_MIN_INTERVAL_SECONDS", default_value_t = 30, global = true,
          value_parser = clap::value_parser!(u32).range(1..=3600))]
    pub min_interval_seconds: u32,
    /// How many days raw check results are kept (daily rollups stay).
    #[arg(long, env = "VIGIE_CHECK_RETENTION_DAYS", default_value_t = 30, global = true,
          value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub check_retention_days: u32,
    /// Write a backup of the database here once a day (unset: no scheduled backups).
    #[arg(long, env = "VIGIE_BACKUP_DIR", global = true)]
    pub backup_dir: Option<PathBuf>,
    /// How many scheduled backups to keep (older ones are removed).
    #[arg(long, env = "VIGIE_BACKUP_KEEP", default_value_t = 7, global = true,
          value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub backup_keep: u32,
    /// The most probes in flight at once.
    #[arg(long, env = "VIGIE_PROBE_CONCURRENCY", default_value_t = 256, global = true,
          value_parser = clap::value_parser!(u32).range(1..=4096))]
    pub probe_concurrency: u32,
    /// The SMTP server alerts by email go through: `smtp://host:25`,
    /// `smtps://user:password@host`, `smtp://host:587?tls=required`.
    #[arg(long, env = "VIGIE_SMTP_URL", global = true, hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// The sender of alert emails, e.g. `Vigie <vigie@example.com>`.
    #[arg(long, env = "VIGIE_SMTP_FROM", global = true)]
    pub smtp_from: Option<String>,
    /// How long one attempt to deliver an alert may take, in seconds.
    #[arg(long, env = "VIGIE_ALERT_TIMEOUT_SECONDS", default_value_t = 10, global = true,
          value_parser = clap::value_parser!(u64).range(1..=120))]
    pub alert_timeout_seconds: u64,
    /// The most alerts being delivered at once.
    #[arg(long, env = "VIGIE_ALERT_CONCURRENCY", default_value_t = 16, global = true,
          value_parser = clap::value_parser!(u32).range(1..=512))]
    pub alert_concurrency: u32,
    /// The most messages to status page subscribers being sent at once.
    #[arg(long, env = "VIGIE_SUBSCRIBER_CONCURRENCY", default_value_t = 32, global = true,
          value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub subscriber_concurrency: u32,
    /// Let subscribers' webhooks reach private and loopback addresses, and
    /// plain http (an intranet status page; tests). Off: https to public
    /// addresses only.
    #[arg(long, env = "VIGIE_SUBSCRIBER_WEBHOOKS_PRIVATE", global = true)]
    pub subscriber_webhooks_private: bool,
    /// Threads serving requests and running the scheduler; 0: twice the
    /// CPU cores. More threads than cores keep tail latency low when the
    /// server shares its cores (with PostgreSQL, say).
    #[arg(long, env = "VIGIE_WORKER_THREADS", default_value_t = 0, global = true,
          value_parser = clap::value_parser!(u32).range(0..=256))]
    pub worker_threads: u32,
    /// Log as JSON lines instead of text.
    #[arg(long, env = "VIGIE_LOG_JSON", global = true)]
    pub log_json: bool,
}

/// Region names: lower-case letters, digits and dashes, 1 to 40 characters.
pub fn parse_region(value: &str) -> anyhow::Result<String> {
    anyhow::ensure!(app::model::is_region_name(value), app::model::REGION_NAME_RULE);
    Ok(value.to_owned())
}

/// `'none'`, `'self'`, or origins (`https://host[:port]`), space-separated.
fn parse_frame_ancestors(value: &str) -> anyhow::Result<String> {
    let parts: Vec<&str> = value.split_whitespace().collect();
    if parts.is_empty() {
        return Ok("'none'".to_owned());
    }
    for part in &parts {
        let origin = Url::parse(part).is_ok_and(|u| {
            matches!(u.scheme(), "http" | "https") && u.host_str().is_some() && u.path() == "/" && !part.ends_with('/')
        });
        anyhow::ensure!(
            origin || matches!(*part, "'none'" | "'self'"),
            "`{part}` is not 'none', 'self' or an origin like https://example.com"
        );
    }
    anyhow::ensure!(parts.len() == 1 || !parts.contains(&"'none'"), "'none' cannot be combined with other sources");
    Ok(parts.join(" "))
}

/// An address (`10.0.0.7`) or a network (`10.0.0.0/8`).
fn parse_proxy(value: &str) -> anyhow::Result<ipnet::IpNet> {
    let value = value.trim();
    value
        .parse::<ipnet::IpNet>()
        .or_else(|_| value.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| anyhow::anyhow!("`{value}` is not an address or a network like 10.0.0.0/8"))
}

fn parse_metrics_token(value: &str) -> anyhow::Result<String> {
    anyhow::ensure!(value.chars().count() >= 16, "use at least 16 characters");
    anyhow::ensure!(value.chars().all(|c| c.is_ascii_graphic()), "use printable characters without spaces");
    Ok(value.to_owned())
}

fn parse_public_url(value: &str) -> anyhow::Result<Url> {
    let url = Url::parse(value).map_err(|e| anyhow::anyhow!("not a URL: {e}"))?;
    anyhow::ensure!(matches!(url.scheme(), "http" | "https"), "must start with http:// or https://");
    anyhow::ensure!(url.host_str().is_some(), "must name a host");
    Ok(url)
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage team members.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Control the private PostgreSQL under the data directory.
    #[command(subcommand)]
    Postgres(PostgresCommand),
    /// Probe from a remote region: fetch the region's monitors from the
    /// server, probe them, send the results (`--region` names the region).
    Agent(AgentArgs),
    /// Write a backup of the whole database (pg_dump's custom format),
    /// consistent even while the server runs.
    Backup {
        /// The file to write (default: vigie-<UTC time>.dump here).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Write the configuration (monitors, regions, alert channels and rules,
    /// status pages) as a YAML file for `vigie apply`; secrets become
    /// `${NAME}` references, listed on standard error.
    Export {
        /// The file to write (default: standard output).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Bring the configuration to what a file says, in one transaction:
    /// prints the plan (create, change, delete, field by field), then
    /// applies it.
    Apply {
        /// The file (`-` for standard input).
        #[arg(short, long)]
        file: PathBuf,
        /// Print the plan and change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Also delete what an earlier file made and this one no longer lists.
        #[arg(long)]
        prune: bool,
    },
    /// Move in from another tool: read its data and recreate it here.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Pack the checks of finished hours, roll them up by day and drop the
    /// days past the retention, once (the server does it every ten minutes).
    Upkeep,
    /// Restore a backup into an empty database (stop the server first).
    Restore {
        /// A file written by `vigie backup`.
        file: PathBuf,
        /// Restore into a database that holds data, replacing what the backup holds.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Args)]
pub struct AgentArgs {
    /// The Vigie server's address, e.g. https://vigie.example.com
    #[arg(long, env = "VIGIE_SERVER", value_parser = parse_public_url)]
    pub server: Url,
    /// The region's agent token, given when the region was created.
    #[arg(long, env = "VIGIE_AGENT_TOKEN", hide_env_values = true)]
    pub token: String,
    /// How often to ask the server for changes to the monitor list, in seconds.
    #[arg(long, env = "VIGIE_AGENT_POLL_SECONDS", default_value_t = 3,
          value_parser = clap::value_parser!(u64).range(1..=300))]
    pub poll_seconds: u64,
    /// The most results kept while the server cannot be reached (the oldest go first).
    #[arg(long, env = "VIGIE_AGENT_BUFFER", default_value_t = 100_000,
          value_parser = clap::value_parser!(u64).range(100..=10_000_000))]
    pub buffer: u64,
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// A Statuspage page, from its public API's JSON saved in a folder
    /// (`summary.json`, `incidents.json`, `scheduled-maintenances.json`):
    /// its components as an unpublished status page, and its incident and
    /// maintenance history with updates and times. Prints a report.
    Statuspage {
        /// The folder holding the saved JSON files.
        dir: PathBuf,
        /// The new page's address, /status/SLUG (default: made from the page's name).
        #[arg(long)]
        slug: Option<String>,
        /// Print the report and change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// An Uptime Kuma database (its SQLite file, `data/kuma.db`; 1.23 or
    /// 2.x), read-only: writes a configuration file for `vigie apply`, and
    /// the secrets it refers to in an environment file beside it; prints
    /// what could not be carried over. With `--apply`, applies them at once
    /// and writes the status pages' banners and the maintenance windows.
    UptimeKuma {
        /// Uptime Kuma's database file.
        path: PathBuf,
        /// The configuration file to write; the secrets go to the same name
        /// ending in `.env` (readable by its owner only).
        #[arg(short, long, default_value = "vigie.yaml")]
        output: PathBuf,
        /// Replace the files if they are there.
        #[arg(long)]
        force: bool,
        /// Also apply the file, pause what was paused in Uptime Kuma and
        /// write the history, in one transaction.
        #[arg(long)]
        apply: bool,
        /// With --apply: print what would be done and change nothing.
        #[arg(long, requires = "apply")]
        dry_run: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a team member. The password is read from standard input (or a prompt on a terminal).
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = ["admin", "member"])]
        role: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token for a member; the token is the last line printed.
    Create {
        /// The owner's email.
        #[arg(long)]
        email: String,
        /// A name to recognise the token by.
        #[arg(long)]
        name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum PostgresCommand {
    /// Start it (initialising it on first use) and print its URL.
    Start,
    /// Stop it.
    Stop,
    /// Print its URL, for psql.
    Url,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_override_defaults_and_bad_values_are_refused() {
        let cli = Cli::try_parse_from(["vigie", "--bind", "127.0.0.1:4000", "migrate"]).unwrap();
        assert_eq!(cli.config.bind.port(), 4000);
        assert!(matches!(cli.command, Some(Command::Migrate)));

        let error = Cli::try_parse_from(["vigie", "--bind", "nowhere"]).unwrap_err().to_string();
        assert!(error.contains("--bind"), "{error}");
        let error = Cli::try_parse_from(["vigie", "--public-url", "ftp://x"]).unwrap_err().to_string();
        assert!(error.contains("http"), "{error}");
        assert!(
            Cli::try_parse_from(["vigie", "user", "create", "--email", "a@b.c", "--name", "A", "--role", "owner"])
                .is_err()
        );

        let cli = Cli::try_parse_from([
            "vigie",
            "agent",
            "--server",
            "http://127.0.0.1:3000",
            "--region",
            "eu-west",
            "--token",
            "t",
        ])
        .unwrap();
        assert_eq!(cli.config.region, "eu-west");
        let Some(Command::Agent(args)) = cli.command else { panic!("not the agent command") };
        assert_eq!((args.server.as_str(), args.token.as_str(), args.poll_seconds), ("http://127.0.0.1:3000/", "t", 3));
        let error = Cli::try_parse_from(["vigie", "agent", "--server", "x", "--token", "t"]).unwrap_err().to_string();
        assert!(error.contains("--server"), "{error}");
        let error = Cli::try_parse_from(["vigie", "--region", "EU", "agent", "--server", "http://x", "--token", "t"])
            .unwrap_err()
            .to_string();
        assert!(error.contains("lowercase"), "{error}");
    }

    #[test]
    fn framing_and_metrics_settings_are_checked() {
        let parse = |args: &[&str]| Cli::try_parse_from(["vigie"].iter().chain(args)).map(|cli| cli.config);
        assert_eq!(parse(&[]).unwrap().frame_ancestors, "'none'");
        let config = parse(&["--frame-ancestors", "https://a.example  https://b.example:8443"]).unwrap();
        assert_eq!(config.frame_ancestors, "https://a.example https://b.example:8443");
        assert_eq!(parse(&["--frame-ancestors", "'self'"]).unwrap().frame_ancestors, "'self'");
        for bad in [
            "*",
            "https://a.example/path",
            "javascript:alert(1)",
            "'none' https://a.example",
            "a.example; script-src *",
        ] {
            let error = parse(&["--frame-ancestors", bad]).unwrap_err().to_string();
            assert!(error.contains("--frame-ancestors"), "{bad}: {error}");
        }
        assert_eq!(parse(&[]).unwrap().metrics_token, None);
        assert!(parse(&["--metrics-token", "short"]).unwrap_err().to_string().contains("16 characters"));
        let config = parse(&["--metrics-token", "0123456789abcdef", "--metrics-bind", "127.0.0.1:9464"]).unwrap();
        assert_eq!(config.metrics_token.as_deref(), Some("0123456789abcdef"));
        assert_eq!(config.metrics_bind, Some("127.0.0.1:9464".parse().unwrap()));
        assert!(parse(&[]).unwrap().trust_proxy.is_empty());
        let config = parse(&["--trust-proxy", "127.0.0.1, 10.0.0.0/8,::1"]).unwrap();
        let shown: Vec<String> = config.trust_proxy.iter().map(ToString::to_string).collect();
        assert_eq!(shown, ["127.0.0.1/32", "10.0.0.0/8", "::1/128"]);
        assert!(parse(&["--trust-proxy", "proxy.local"]).unwrap_err().to_string().contains("not an address"));
    }
}
