//! Registering voters from a voter roll. Private fields never reach the log: each voter's are
//! replaced by a salted commitment, and the salts and fields go to a private file that is made
//! durable before the batch is submitted (`ledger::private`).

use crate::{BadRow, Import, Result, Span, Staged};
use ledger::Applied;
use ledger::event::{Content, Event, Register, Sex, VoterNames, batch_id, commitment};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// What a roll import did.
#[derive(Debug, Clone, Serialize)]
pub struct RollReport {
    /// Voters registered, or proposed for registration.
    pub voters: usize,
    /// The proposal's id when the batch was above the bulk threshold, so governed.
    pub proposal: Option<String>,
    /// The election's bulk threshold.
    pub threshold: u64,
    pub span: Span,
    /// How many voters have private fields, and the file holding their salts.
    pub with_private: usize,
    pub private_file: PathBuf,
    /// The rows left out, by line.
    pub left_out: Vec<BadRow>,
}

impl Import<'_> {
    /// Registers the roll's voters as one batch, governed (with `reason`) if it is larger
    /// than the election's bulk threshold. The salts and private fields go to `private_out`,
    /// by default `DIR/private/roll-BATCH.jsonl`.
    pub fn roll(&mut self, reason: &str, private_out: Option<&Path>) -> Result<RollReport> {
        use rand_core::RngCore;
        let (input, counter) = self.input()?;
        let reader = interchange::VoterRollReader::from_reader(input, &self.file, &self.mapping)?
            .keep_going();
        let rows = self.collect(reader, counter)?;
        let mut staged = Staged::default();
        // The salt of each voter with private fields, by voter id.
        let mut salts: HashMap<String, [u8; 32]> = HashMap::new();
        let mut private: HashMap<String, &BTreeMap<String, String>> = HashMap::new();
        for row in &rows {
            let commitment = if row.private.is_empty() {
                None
            } else {
                let mut salt = [0u8; 32];
                rand_core::OsRng.fill_bytes(&mut salt);
                salts.insert(row.voter.clone(), salt);
                private.insert(row.voter.clone(), &row.private);
                Some(commitment(&salt, &row.private))
            };
            // Strict reading (the default) refuses a row without these, so they are here.
            let (Some(sex), Some(birth_year), Some(station)) =
                (row.sex, row.birth_year, row.station.clone())
            else {
                unreachable!("a strictly read row has its sex, birth year and station");
            };
            let names = (row.family.is_some() || row.given.is_some()).then(|| VoterNames {
                family: row.family.clone().unwrap_or_default(),
                family_latin: row.family_latin.clone(),
                given: row.given.clone().unwrap_or_default(),
                given_latin: row.given_latin.clone(),
            });
            staged.push(
                Event::Register(Register {
                    names,
                    birth_year,
                    commitment,
                    name: row.name.clone(),
                    sex: match sex {
                        interchange::Sex::F => Sex::F,
                        interchange::Sex::M => Sex::M,
                        interchange::Sex::X => Sex::X,
                    },
                    station,
                    voter: row.voter.clone(),
                }),
                row.line,
            );
        }
        let threshold = ledger::report::bulk_threshold(self.election.conn())?;
        let field_key = |field: &str| -> Option<String> {
            match field {
                "voter" => Some("voter.id".into()),
                "station" => Some("station.id".into()),
                "name" | "names" => Some("voter.name".into()),
                _ => None,
            }
        };
        // Whether the batch is governed depends on how many rows are left, so check first.
        let governed = |n: usize, im: &Import| -> Result<Option<(String, Vec<String>)>> {
            Ok(if n as u64 > threshold {
                Some((reason.to_string(), im.asked()?))
            } else {
                None
            })
        };
        if self.skip_invalid && !staged.events.is_empty() {
            let g = governed(staged.events.len(), self)?;
            let entries = crate::build(&self.key, Content::Registrations, &staged, g);
            let refused = self.find_refused(&entries, &staged, &field_key)?;
            staged.retain(|i| !refused[i]);
        }
        let g = governed(staged.events.len(), self)?;
        let is_governed = g.is_some();

        let staged = self.choose(Content::Registrations, staged, g.clone(), &field_key)?;

        // The private file is made durable before the batch is submitted (ledger::private), so
        // a crash can never leave commitments in the log without their salts; it goes if the
        // batch is not taken.
        let batch = batch_id(self.key.name(), Content::Registrations, &staged.events);
        let private_dir = self.dir.join(ledger::private::PRIVATE_DIR);
        let private_path = private_out
            .map(Path::to_path_buf)
            .unwrap_or_else(|| private_dir.join(format!("roll-{batch}.jsonl")));
        let records = private_records(&staged, &salts, &private);
        let pending = if records.is_empty() {
            None
        } else {
            Some(ledger::private::write_before_submit(
                &private_dir,
                &batch,
                &private_path,
                &records,
            )?)
        };
        drop(records);
        let receipt = match self.record(Content::Registrations, &staged, g, &field_key) {
            Ok(r) => r,
            Err(e) => {
                if let Some(p) = pending {
                    // Whatever the error, the file goes only if the batch is not in the log.
                    let in_log = ledger::private::batch_commitments(self.election, &batch)
                        .map(|c| c.is_some())
                        .unwrap_or(true);
                    let settled = if in_log { p.kept() } else { p.discard() };
                    if let Err(s) = settled {
                        self.progress.warn(&s.to_string());
                    }
                }
                return Err(e);
            }
        };
        if let Some(p) = pending {
            p.kept()?;
        }
        let with_private = staged
            .events
            .iter()
            .filter(|e| matches!(e, Event::Register(r) if r.commitment.is_some()))
            .count();
        let proposal = match receipt.applied.first() {
            Some(Applied::Proposed(id)) if is_governed => Some(id.clone()),
            _ => None,
        };
        Ok(RollReport {
            voters: staged.events.len(),
            proposal,
            threshold,
            span: Span::of(&receipt),
            with_private,
            private_file: private_path,
            left_out: self.left_out(),
        })
    }
}

/// The private record of each voter taken with private fields, in batch order.
fn private_records(
    staged: &Staged,
    salts: &HashMap<String, [u8; 32]>,
    private: &HashMap<String, &BTreeMap<String, String>>,
) -> Vec<ledger::private::PrivateRecord> {
    use base64::prelude::*;
    let mut out = Vec::new();
    for e in &staged.events {
        let Event::Register(r) = e else { continue };
        let (Some(c), Some(salt), Some(fields)) =
            (&r.commitment, salts.get(&r.voter), private.get(&r.voter))
        else {
            continue;
        };
        out.push(ledger::private::PrivateRecord {
            voter: r.voter.clone(),
            salt: BASE64_STANDARD.encode(salt),
            fields: (*fields).clone(),
            commitment: c.clone(),
        });
    }
    out
}
