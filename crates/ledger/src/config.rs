//! The election configuration: the TOML file a commission writes, which becomes the genesis.
//!
//! ```toml
//! election = "National Assembly election 2013"
//! origin = "elections.example/kh-2013"        # the log's origin; its key is named so
//! levels = ["province", "district", "commune"] # area levels, top down; stations sit in the last
//! bulk_threshold = 100                          # larger registration batches need approval
//! log_key = "elections.example/kh-2013+…+AQ…"  # optional: the log's checkpoint key, so that
//!                                               # witnessed checkpoints can be recorded
//! card_threshold = 100    # optional: temporary cards per officer per day before approval is needed
//!
//! [complaint_deadlines]  # optional: seconds of witness time to act on a complaint
//! investigate_within = 172800
//! decide_within = 604800
//! [complaint_deadlines.by_category.intimidation]
//! investigate_within = 21600
//! decide_within = 172800
//!
//! [rule]                 # for governed actions
//! min_approvals = 5
//! min_parties = 2
//! every_party_asked = true
//!
//! [[party]]
//! id = "CPP"
//! name = "Cambodian People's Party"
//!
//! [[member]]             # one per founding member; each signs the genesis
//! name = "nec.member-1"  # the key's name
//! person = "Member One"
//! party = "CPP"          # omit for a member chosen by consensus
//! vkey = "nec.member-1+1a2b3c4d+AQ..."
//!
//! [[key]]                # optional: keys enrolled from the start (clerks, officials...)
//! name = "nec.clerk-1"
//! role = "commission_clerk"
//! scope = "all"
//! vkey = "nec.clerk-1+..."
//!
//! [[contest]]
//! id = "na-2013"
//! name = "National Assembly"
//! kind = "party_list"            # or "candidates"
//! constituency_level = "province"
//! method = "dhondt"              # or "sainte_lague", "largest_remainder"
//! choices = [{ id = "CPP", name = "Cambodian People's Party", party = "CPP" }]
//! seats = { "01" = 6, "02" = 8 } # seats per constituency, by area code
//! ```

use crate::event::{Contest, Enrol, Genesis, Member, Party, Rule};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    election: String,
    origin: String,
    levels: Vec<String>,
    #[serde(default = "default_threshold")]
    bulk_threshold: u64,
    #[serde(default)]
    log_key: Option<String>,
    #[serde(default)]
    card_threshold: Option<u64>,
    #[serde(default)]
    complaint_deadlines: Option<crate::event::ComplaintDeadlines>,
    rule: Rule,
    #[serde(default, rename = "party")]
    parties: Vec<Party>,
    #[serde(rename = "member")]
    members: Vec<Member>,
    #[serde(default, rename = "key")]
    keys: Vec<Enrol>,
    #[serde(default, rename = "contest")]
    contests: Vec<Contest>,
}

fn default_threshold() -> u64 {
    100
}

/// Reads an election configuration and checks it as a genesis would be checked. Errors name
/// the line and column, or the field.
/// Reads and parses a configuration file; an error names the file.
pub fn read(path: &std::path::Path) -> Result<Genesis, String> {
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
    parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

pub fn parse(text: &str) -> Result<Genesis, String> {
    let c: ConfigFile = toml::from_str(text).map_err(|e| e.to_string())?;
    let g = Genesis {
        bulk_threshold: c.bulk_threshold,
        card_threshold: c.card_threshold,
        complaint_deadlines: c.complaint_deadlines,
        contests: c.contests,
        election: c.election,
        keys: c.keys,
        levels: c.levels,
        log_key: c.log_key,
        members: c.members,
        origin: c.origin,
        parties: c.parties,
        rule: c.rule,
    };
    crate::fold::validate_genesis(&g).map_err(|(path, message)| {
        let path = path.replacen("body.", "", 1);
        format!("{path}: {message}")
    })?;
    // What the genesis entry itself could not carry (numbers past 2^53 - 1, keys RFC 8785
    // would order differently).
    crate::event::check_values(&crate::event::Event::Genesis(g.clone())).map_err(|e| {
        let path = e.path.replacen("body.", "", 1);
        format!("{path}: {}", e.message)
    })?;
    Ok(g)
}

/// The unsigned genesis entry of a configuration: authored by the first member listed.
pub fn genesis_entry(g: &Genesis) -> crate::event::Entry {
    crate::event::Entry {
        author: Some(g.members[0].name.clone()),
        batch: None,
        event: crate::event::Event::Genesis(g.clone()),
        cosigs: Vec::new(),
        sig: None,
    }
}

/// A founding member's signature of the genesis: the member's name and the signature, or
/// None when `key` is no member's.
pub fn sign_genesis(g: &Genesis, key: &tlog::PrivateKey) -> Option<(String, String)> {
    let m = g
        .members
        .iter()
        .find(|m| m.vkey == key.vkey().to_string())?;
    let sig = crate::event::sign(&genesis_entry(g).signed_message(), key);
    Some((m.name.clone(), sig))
}

/// The genesis signed by every founding member, from their signatures by name. Refused, in
/// words, when a member has not signed or someone else has.
pub fn signed_genesis(
    g: &Genesis,
    mut sigs: std::collections::BTreeMap<String, String>,
) -> Result<crate::event::Entry, String> {
    let missing: Vec<&str> = g
        .members
        .iter()
        .map(|m| m.name.as_str())
        .filter(|n| !sigs.contains_key(*n))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "every founding member must sign the genesis; missing: {}",
            missing.join(", ")
        ));
    }
    let mut entry = genesis_entry(g);
    entry.sig = sigs.remove(&g.members[0].name);
    for m in &g.members[1..] {
        if let Some(sig) = sigs.remove(&m.name) {
            entry.cosigs.push(crate::event::Cosig {
                author: m.name.clone(),
                sig,
            });
        }
    }
    if let Some(stranger) = sigs.keys().next() {
        return Err(format!("{stranger:?} signed but is not a founding member"));
    }
    Ok(entry)
}

/// A founding member's line for `scrutineer init`, "<member> <signature>", signing the
/// configuration at `config` with the private key file at `key`; an error names the file.
pub fn sign_genesis_file(
    config: &std::path::Path,
    key: &std::path::Path,
) -> Result<String, String> {
    let g = read(config)?;
    let (name, sig) = sign_genesis(&g, &crate::dir::read_key(key).map_err(|e| e.to_string())?)
        .ok_or_else(|| {
            format!(
                "{} is not the key of any member in {}",
                key.display(),
                config.display()
            )
        })?;
    Ok(format!("{name} {sig}"))
}

/// The genesis of the configuration at `config`, whose origin must be the name of the log's
/// key at `log_key`, signed by every founding member: by the private key files `member_keys`,
/// and by the lines of `scrutineer sign-genesis` in the files `signatures`. An error names
/// the file.
pub fn genesis_from_files(
    config: &std::path::Path,
    log_key: &std::path::Path,
    member_keys: &[std::path::PathBuf],
    signatures: &[std::path::PathBuf],
) -> Result<(Genesis, crate::event::Entry), String> {
    let g = read(config)?;
    let key = crate::dir::read_key(log_key).map_err(|e| e.to_string())?;
    if key.name() != g.origin {
        return Err(format!(
            "the log key {} is named {:?} but the configuration's origin is {:?}",
            log_key.display(),
            key.name(),
            g.origin
        ));
    }
    let mut sigs = std::collections::BTreeMap::new();
    for path in member_keys {
        let key = crate::dir::read_key(path).map_err(|e| e.to_string())?;
        let Some((name, sig)) = sign_genesis(&g, &key) else {
            return Err(format!(
                "{} is not the key of any member in {}",
                path.display(),
                config.display()
            ));
        };
        sigs.insert(name, sig);
    }
    for path in signatures {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("reading {}: {e}", path.display()))?;
        let (name, sig) = text.trim().split_once(' ').ok_or_else(|| {
            format!(
                "{}: want one line \"<member> <signature>\" from `scrutineer sign-genesis`",
                path.display()
            )
        })?;
        sigs.insert(name.to_string(), sig.to_string());
    }
    let entry = signed_genesis(&g, sigs)?;
    Ok((g, entry))
}
