//! Batches: a signed manifest, then its entries, which must hash to the manifest's Merkle root;
//! an ungoverned batch holds only what its author could file one by one.

use super::keys::describe_role;
use super::roll::{insert_area, upsert_station};
use super::*;

impl Fold {
    pub(super) fn open_batch(
        &mut self,
        conn: &Connection,
        index: u64,
        author: Signer,
        m: Manifest,
        proposal: Option<String>,
        path: &str,
    ) -> Check<()> {
        if m.count == 0 {
            return refuse(format!("{path}.count"), "a batch holds at least one entry");
        }
        if m.id.len() != 32 || !m.id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return refuse(
                format!("{path}.id"),
                "a batch id is 32 lowercase hex digits",
            );
        }
        let root = decode_hash(&m.root).ok_or_else(|| {
            (
                format!("{path}.root"),
                "not a base64 SHA-256 hash".to_string(),
            )
        })?;
        if proposal.is_none() {
            // An ungoverned batch: only what its author could file one by one.
            let ok = match m.content {
                Content::Registrations => {
                    let threshold = bulk_threshold(conn)?;
                    if m.count > threshold {
                        return refuse(
                            format!("{path}.count"),
                            format!(
                                "a batch of {} registrations is above the threshold of {threshold}: propose it for the commission's approval",
                                m.count
                            ),
                        );
                    }
                    author.role == Role::RegistrationOfficer
                }
                Content::ResultForms => matches!(
                    author.role,
                    Role::PollingOfficial
                        | Role::CommissionClerk
                        | Role::PartyAgent
                        | Role::Observer
                ),
                Content::Enrolments => {
                    matches!(author.role, Role::CommissionMember | Role::CommissionClerk)
                }
                Content::Areas | Content::Stations => {
                    return refuse(
                        format!("{path}.content"),
                        "areas and stations change only with the commission's approval: propose the batch",
                    );
                }
                Content::Removals => {
                    return refuse(
                        format!("{path}.content"),
                        "voters are removed only with the commission's approval: propose the batch",
                    );
                }
                Content::Pseudonyms => {
                    return refuse(
                        format!("{path}.content"),
                        "station pseudonym lists are published only with the commission's approval: propose the batch",
                    );
                }
                Content::Checkins => author.role == Role::PollingOfficial,
                Content::TemporaryCards => author.role == Role::RegistrationOfficer,
            };
            if !ok {
                return refuse(
                    "author",
                    format!(
                        "{} ({}) may not file a batch of {:?}",
                        author.name,
                        describe_role(&author),
                        m.content
                    ),
                );
            }
        }
        let inserted = conn.execute(
            "INSERT OR IGNORE INTO batch(id, idx, author, content, count, proposal) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                m.id,
                index as i64,
                author.name,
                content_name(m.content),
                m.count as i64,
                proposal
            ],
        )
        .map_err(sql)?;
        if inserted == 0 {
            return refuse(
                format!("{path}.id"),
                format!("batch {} was submitted before", m.id),
            );
        }
        self.savepoint(conn, "batch")?;
        self.open = Some(OpenBatch {
            id: m.id.clone(),
            author,
            content: m.content,
            count: m.count,
            received: 0,
            root,
            edge: RightEdge::default(),
            proposal,
        });
        Ok(())
    }

    pub(super) fn batch_entry(
        &mut self,
        conn: &Connection,
        index: u64,
        bytes: &[u8],
        event: &Event,
    ) -> Check<Applied> {
        if self.checking {
            self.savepoint(conn, "member")?;
        }
        let mut open = self.open.take().expect("checked by caller");
        let result = self.batch_member(conn, index, &open, event);
        if let Err((path, message)) = result {
            if !self.checking {
                self.open = Some(open);
                return Err((path, message));
            }
            // Set this entry aside; its bytes still count towards the root.
            self.roll_back(conn, "member")?;
            self.ancestors.clear();
            self.skipped.push(Refusal {
                index,
                path,
                message,
            });
        } else if self.checking {
            self.release(conn, "member")?;
        }
        let mut full = Vec::new();
        let leaf = self.leaf.take().unwrap_or_else(|| tlog::record_hash(bytes));
        open.edge.push(leaf, &mut full);
        open.received += 1;
        if open.received < open.count {
            self.open = Some(open);
            return Ok(Applied::InBatch);
        }
        if open.edge.root() != open.root {
            self.open = Some(open);
            return refuse(
                "batch",
                "the batch's entries do not hash to the root its manifest signed",
            );
        }
        self.release(conn, "batch")?;
        Ok(Applied::InBatch)
    }

    pub(super) fn batch_member(
        &mut self,
        conn: &Connection,
        index: u64,
        open: &OpenBatch,
        event: &Event,
    ) -> Check<()> {
        let proposal = open.proposal.as_deref();
        let author = &open.author;
        let wrong = |kind: &str| {
            refuse(
                "kind",
                format!("a batch of {:?} cannot hold a {kind}", open.content),
            )
        };
        match (open.content, event) {
            (Content::Registrations, Event::Register(r)) => {
                self.register(conn, author, r, index, proposal, "body")
            }
            (Content::Registrations, Event::UpdateVoter(u)) if proposal.is_none() => {
                self.update_voter(conn, author, u, index, "body")
            }
            (Content::Registrations, Event::Transfer(t)) if proposal.is_none() => {
                self.transfer(conn, author, t, index, "body")
            }
            (Content::ResultForms, Event::ResultForm(f)) => {
                self.result_form(conn, author, f, index, proposal, "body")
            }
            (Content::Removals, Event::Removal(r)) => match proposal {
                Some(p) => self.stage_removal(conn, author, r, index, p),
                None => wrong("removal"),
            },
            (Content::Areas, Event::Area(a)) => insert_area(conn, a, proposal, "body"),
            (Content::Stations, Event::Station(s)) => {
                upsert_station(conn, s, proposal, "body", true).map(|_| ())
            }
            // A stations batch may bring the areas its stations sit in, listed first.
            (Content::Stations, Event::Area(a)) => insert_area(conn, a, proposal, "body"),
            (Content::Enrolments, Event::Enrol(e)) => {
                if proposal.is_none() && e.role.is_official() {
                    return refuse(
                        "body.role",
                        "enrolling officials needs the commission's approval: propose the batch",
                    );
                }
                validate_enrol(conn, e, "body", false)?;
                insert_signer(conn, e, index, proposal)
            }
            (Content::Pseudonyms, Event::Pseudonyms(p)) => match proposal {
                Some(proposal) => self.pseudonyms(conn, p, index, proposal),
                None => wrong("pseudonyms"),
            },
            (Content::Checkins, Event::Checkins(c)) if proposal.is_none() => {
                self.checkins(conn, author, c, index)
            }
            (Content::TemporaryCards, Event::TemporaryCard(c)) => {
                self.temporary_card(conn, author, c, index, proposal)
            }
            (_, e) => wrong(e.kind()),
        }
    }
}

pub(super) fn content_name(c: Content) -> &'static str {
    match c {
        Content::Areas => "areas",
        Content::Stations => "stations",
        Content::Registrations => "registrations",
        Content::ResultForms => "result_forms",
        Content::Enrolments => "enrolments",
        Content::Removals => "removals",
        Content::Pseudonyms => "pseudonyms",
        Content::Checkins => "checkins",
        Content::TemporaryCards => "temporary_cards",
    }
}

pub(super) fn bulk_threshold(conn: &Connection) -> Check<u64> {
    let text: String = conn
        .query_row(
            "SELECT value FROM election WHERE key = 'bulk_threshold'",
            [],
            |r| r.get(0),
        )
        .map_err(sql)?;
    text.parse().map_err(|_| sql_text("bulk threshold".into()))
}

/// 64 lowercase hex digits as 32 bytes.
pub(crate) fn decode_hex32(hex: &str) -> Option<[u8; 32]> {
    // Each byte's value as a lowercase hex digit, or 16 when it is not one: a replay decodes
    // millions of pseudonyms.
    const DIGIT: [u8; 256] = {
        let mut t = [16u8; 256];
        let mut i = 0;
        while i < 10 {
            t[b'0' as usize + i] = i as u8;
            i += 1;
        }
        let mut i = 0;
        while i < 6 {
            t[b'a' as usize + i] = 10 + i as u8;
            i += 1;
        }
        t
    };
    let hex: &[u8; 64] = hex.as_bytes().try_into().ok()?;
    let mut out = [0u8; 32];
    let mut bad = 0u8;
    for (o, pair) in out.iter_mut().zip(hex.chunks_exact(2)) {
        let (hi, lo) = (DIGIT[usize::from(pair[0])], DIGIT[usize::from(pair[1])]);
        bad |= hi | lo;
        *o = hi << 4 | (lo & 15);
    }
    (bad < 16).then_some(out)
}

pub(super) fn decode_hash(b64: &str) -> Option<tlog::Hash> {
    let raw = BASE64_STANDARD.decode(b64).ok()?;
    Some(tlog::Hash(raw.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::decode_hex32;

    #[test]
    fn a_pseudonym_is_64_lowercase_hex_digits() {
        let hex = "00ff10a9".repeat(8);
        let want: Vec<u8> = [0x00, 0xff, 0x10, 0xa9].repeat(8);
        assert_eq!(decode_hex32(&hex).map(|b| b.to_vec()), Some(want));
        for bad in [
            "00FF10A9".repeat(8),
            format!("{}g", &hex[..63]),
            format!("{} ", &hex[..63]),
            hex[..62].to_string(),
            format!("{hex}00"),
            format!("{}é", &hex[..62]),
            String::new(),
        ] {
            assert_eq!(decode_hex32(&bad), None, "{bad:?}");
        }
    }
}
