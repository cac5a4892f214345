//! `scrutineer serve`: the flags of `server::app`, and its start and end in words.

use anyhow::{Context, bail};
use std::path::PathBuf;
use std::time::Duration;

/// Serve an election: signed submissions in, and the operator's loop that checkpoints, asks
/// the witnesses of log.toml and publishes, at a set cadence.
///
/// One process: submissions from many clients share durable commits (an answer means the
/// entries are on disk), reads use their own connections so they never wait for intake, and
/// a slow witness never holds up intake. Stop it with Ctrl-C or SIGTERM: submissions in
/// flight are answered, and a last publication covers them. Times are 30, 30s, 500ms, 5m.
#[derive(clap::Args)]
#[command(after_long_help = server::routes::help(true))]
pub struct Args {
    /// The election's directory (made by `scrutineer init`).
    dir: PathBuf,
    /// Address and port to listen on (0.0.0.0:PORT for every interface).
    #[arg(long, default_value = "127.0.0.1:7390")]
    listen: String,
    /// Where to publish the log and the state digest [default: DIR/public].
    #[arg(long)]
    public: Option<PathBuf>,
    /// How often to sign a checkpoint, ask the witnesses and publish.
    #[arg(long, value_name = "TIME", default_value = "10s", value_parser = net::parse_duration)]
    checkpoint_every: Duration,
    /// How long one witness may take to answer.
    #[arg(long, value_name = "TIME", default_value = "10s", value_parser = net::parse_duration)]
    witness_timeout: Duration,
    /// Requests a second per client address, sustained, with bursts of twice as many (0 turns
    /// the limit off; over it: 429 with Retry-After).
    #[arg(long, default_value_t = 100.0)]
    rate: f64,
    /// The largest submission, in bytes (larger: 413).
    #[arg(long, default_value_t = 4 << 20)]
    max_submission: usize,
    /// The largest evidence blob, in bytes (larger: 413).
    #[arg(long, default_value_t = 10 << 20)]
    max_blob: usize,
    /// Media types accepted for blobs (others: 415).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "image/jpeg,image/png,image/webp,application/pdf"
    )]
    blob_types: Vec<String>,
    /// Find my name: search this index (from `roll index`) instead of building one from the
    /// roll at start (into DIR/find-my-name.idx).
    #[arg(long, value_name = "FILE")]
    find_index: Option<PathBuf>,
    /// Searches a second per client address, besides --rate (bursts of twice as many).
    #[arg(long, default_value_t = 5.0)]
    find_rate: f64,
    /// Do not write the public site beside the publication (written at most once a minute).
    #[arg(long)]
    no_site: bool,
    /// Also serve POST /add-checkpoint as the witness in this directory (see `witness serve`).
    #[arg(long, requires = "witness_key")]
    witness_dir: Option<PathBuf>,
    /// The witness's private key (with --witness-dir).
    #[arg(long, requires = "witness_dir")]
    witness_key: Option<PathBuf>,
    /// Serve POST /sms/{gateway}: messages signed by this SMS gateway key of an organisation.
    #[arg(long, value_name = "FILE", requires_all = ["sms_number_secret", "sms_secret"])]
    sms_gateway_key: Option<PathBuf>,
    /// The organisation's number secret: the HMAC key of senders' numbers (with --sms-gateway-key).
    #[arg(long, value_name = "FILE", requires = "sms_gateway_key")]
    sms_number_secret: Option<PathBuf>,
    /// A gateway served (generic, twilio, telnyx) and its shared secret's file; repeatable.
    #[arg(long, value_name = "GATEWAY=FILE", requires = "sms_gateway_key")]
    sms_secret: Vec<String>,
}

pub fn run(a: Args) -> anyhow::Result<()> {
    let (dir, election) = crate::logdir::open_election(&a.dir)?;
    let mut o = server::app::Options::new(a.public.unwrap_or_else(|| a.dir.join("public")));
    (o.checkpoint_every, o.witness_timeout) = (a.checkpoint_every, a.witness_timeout);
    o.rate = server::limit::Rate::per_second(a.rate);
    o.intake.max_body = a.max_submission;
    (o.blobs.max_size, o.blobs.types) = (a.max_blob, a.blob_types);
    (o.find_index, o.site) = (a.find_index, !a.no_site);
    o.find_rate = server::limit::Rate::per_second(a.find_rate);
    if let (Some(wdir), Some(key)) = (&a.witness_dir, &a.witness_key) {
        let w =
            tlog::witness::Witness::open(&wdir.join("witness.db"), crate::logdir::read_key(key)?);
        o.witness = Some(std::sync::Arc::new(w.map_err(anyhow::Error::msg)?));
    }
    if let (Some(key), Some(secret)) = (&a.sms_gateway_key, &a.sms_number_secret) {
        let config = server::sms::Config::load(key, secret, &a.sms_secret);
        o.sms = Some(config.map_err(anyhow::Error::msg)?);
    }
    let server = server::app::Server::start(&dir, election, o).map_err(anyhow::Error::msg)?;
    let (election, status) = tokio::runtime::Runtime::new()?.block_on(async {
        let listener = tokio::net::TcpListener::bind(&a.listen)
            .await
            .with_context(|| format!("listening on {}", a.listen))?;
        println!(
            "serving at http://{}/ (routes: /openapi.json)",
            listener.local_addr()?
        );
        server::app::run(server, listener, crate::shutdown_signal())
            .await
            .map_err(anyhow::Error::msg)
    })?;
    println!("stopped at {} entries", election.log().size());
    match status.error {
        Some(e) => bail!("the last publication failed: {e}"),
        None => Ok(()),
    }
}
