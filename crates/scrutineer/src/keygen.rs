//! `scrutineer keygen`: make a signing key.

use anyhow::{Context, bail};
use std::io::Write;
use std::path::PathBuf;
use tlog::note::{PrivateKey, TYPE_COSIGNATURE_V1, TYPE_ED25519};

/// Make a new Ed25519 key: write the private key file and print the public verifier key.
///
/// A log's key must be named after the log's origin (for example `elections.example/kh-2013`).
/// A witness key (`--witness`) makes cosignatures (C2SP cosignature/v1) and is usually named
/// after the witness's address (for example `witness.party-a.example`).
///
/// The printed verifier key (vkey) is public: give it to anyone who must check the log's
/// checkpoints or the witness's cosignatures. Keep the private key file secret.
///
/// Example:
///   scrutineer keygen elections.example/kh-2013
///   scrutineer keygen --witness witness.party-a.example -o party-a.key
#[derive(clap::Args)]
pub struct Args {
    /// The key's name: the log origin, or the witness's name. No spaces or '+'.
    name: String,
    /// Make a witness (cosigning) key instead of a log key.
    #[arg(long)]
    witness: bool,
    /// Where to write the private key (default: NAME with '/' and ':' replaced by '_', plus .key).
    #[arg(short, long)]
    output: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let kind = if args.witness {
        TYPE_COSIGNATURE_V1
    } else {
        TYPE_ED25519
    };
    let key = PrivateKey::generate(&args.name, kind)?;
    let path = args
        .output
        .unwrap_or_else(|| PathBuf::from(format!("{}.key", args.name.replace(['/', ':'], "_"))));
    if path.exists() {
        bail!(
            "{} already exists; refusing to overwrite a key (choose another file with -o)",
            path.display()
        );
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(&path)
        .with_context(|| format!("creating {}", path.display()))?;
    writeln!(file, "{}", key.to_skey()).with_context(|| format!("writing {}", path.display()))?;
    eprintln!(
        "wrote the private key to {} (keep it secret)",
        path.display()
    );
    println!("{}", key.vkey());
    Ok(())
}
