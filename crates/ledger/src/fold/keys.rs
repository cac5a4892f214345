//! Signatures and keys: who signed an entry, whether their key is enrolled and unrevoked, what
//! their role lets them do, and enrolling and revoking keys.

use super::roll::area_exists;
use super::*;

impl Fold {
    pub(super) fn verifying_key(&mut self, vkey: &str) -> Check<VerifyingKey> {
        if let Some(k) = self.verifying.get(vkey) {
            return Ok(*k);
        }
        let parsed = Vkey::parse(vkey).or_else(|e| refuse("vkey", e.to_string()))?;
        let key = VerifyingKey::from_bytes(&parsed.public)
            .or_else(|_| refuse("vkey", "not an Ed25519 public key"))?;
        self.verifying.insert(vkey.to_string(), key);
        Ok(key)
    }

    pub(super) fn check_sig(
        &mut self,
        vkey: &str,
        message: &[u8],
        sig: &str,
        path: &str,
    ) -> Check<()> {
        let key = self.verifying_key(vkey)?;
        let raw = BASE64_STANDARD
            .decode(sig)
            .or_else(|_| refuse(path, "signature is not base64"))?;
        let sig = ed25519_dalek::Signature::from_slice(&raw)
            .or_else(|_| refuse(path, "signature is not 64 bytes"))?;
        key.verify(message, &sig)
            .or_else(|_| refuse(path, "signature does not verify"))
    }

    pub(super) fn authenticate(
        &mut self,
        conn: &Connection,
        entry: &Entry,
        verified_with: Option<&str>,
    ) -> Check<Signer> {
        let Some(author) = &entry.author else {
            return refuse("author", "a signed event needs an author");
        };
        let Some(sig) = &entry.sig else {
            return refuse("sig", "the event is not signed");
        };
        if !entry.cosigs.is_empty() {
            return refuse("cosigs", "only the genesis carries cosignatures");
        }
        let signer = signer(conn, author)?.ok_or_else(|| {
            (
                "author".to_string(),
                format!("{author:?} is not an enrolled key"),
            )
        })?;
        if signer.1.is_some() {
            return refuse("author", format!("the key {author:?} has been revoked"));
        }
        if signer.2.is_some() {
            return refuse(
                "author",
                format!("the key {author:?} awaits the commission's approval"),
            );
        }
        if verified_with != Some(signer.0.vkey.as_str()) {
            let message = entry.signed_message();
            self.check_sig(&signer.0.vkey.clone(), &message, sig, "sig")?;
        }
        Ok(signer.0)
    }
}

/// Checks the signature of a parsed entry against `vkey`, away from the fold (so that it can
/// run on other threads). True if it verifies.
pub fn signature_verifies(entry: &Entry, vkey: &VerifyingKey) -> bool {
    let Some(sig) = &entry.sig else {
        return false;
    };
    let Ok(raw) = BASE64_STANDARD.decode(sig) else {
        return false;
    };
    let Ok(sig) = ed25519_dalek::Signature::from_slice(&raw) else {
        return false;
    };
    // RFC 8032 cofactorless verification with canonical S, as in intake's fold: the two must
    // agree exactly. Keys of small order are refused at enrolment.
    vkey.verify(&entry.signed_message(), &sig).is_ok()
}

/// The verifying key of an enrolled, effective signer, if any.
pub fn signer_key(conn: &Connection, name: &str) -> Option<(String, VerifyingKey)> {
    let vkey = signer_vkey(conn, name)?;
    let key = parse_verifying_key(&vkey)?;
    Some((vkey, key))
}

/// The vkey of an enrolled, effective signer, if any.
pub fn signer_vkey(conn: &Connection, name: &str) -> Option<String> {
    conn.prepare_cached(
        "SELECT vkey FROM signer WHERE name = ?1 AND revoked_at IS NULL AND proposal IS NULL",
    )
    .ok()?
    .query_row([name], |r| r.get(0))
    .ok()
}

/// The Ed25519 key that a vkey names, if it is a well-formed one.
pub fn parse_verifying_key(vkey: &str) -> Option<VerifyingKey> {
    let parsed = Vkey::parse(vkey).ok()?;
    VerifyingKey::from_bytes(&parsed.public).ok()
}

pub(super) fn describe_role(s: &Signer) -> String {
    match (&s.party, &s.organisation) {
        (Some(p), _) if s.role == Role::PartyAgent => format!("party agent of {p}"),
        (_, Some(o)) if s.role == Role::Observer => format!("observer of {o}"),
        _ => s.role.as_str().replace('_', " "),
    }
}

pub(super) fn require_role(author: &Signer, roles: &[Role]) -> Check<()> {
    if roles.contains(&author.role) {
        Ok(())
    } else {
        refuse(
            "author",
            format!(
                "{} is a {}; this needs a {}",
                author.name,
                describe_role(author),
                roles
                    .iter()
                    .map(|r| r.as_str().replace('_', " "))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
        )
    }
}

/// A signer, the index at which it was revoked, and the proposal it awaits.
pub(super) type SignerRow = (Signer, Option<i64>, Option<String>);

/// The signer named `name`, whether it is revoked (index), and whether it is pending.
pub(super) fn signer(conn: &Connection, name: &str) -> Check<Option<SignerRow>> {
    let row = conn
        .prepare_cached(
            "SELECT vkey, role, party, organisation, scope, revoked_at, proposal FROM signer WHERE name = ?1",
        )
        .map_err(sql)?
        .query_row([name], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<i64>>(5)?,
                r.get::<_, Option<String>>(6)?,
            ))
        })
        .optional()
        .map_err(sql)?;
    let Some((vkey, role, party, organisation, scope, revoked, proposal)) = row else {
        return Ok(None);
    };
    let role: Role = serde_json::from_value(serde_json::Value::String(role))
        .map_err(|e| sql_text(e.to_string()))?;
    let scope: Scope = serde_json::from_str(&scope).map_err(|e| sql_text(e.to_string()))?;
    Ok(Some((
        Signer {
            name: name.to_string(),
            vkey,
            role,
            party,
            organisation,
            scope,
        },
        revoked,
        proposal,
    )))
}

pub(super) fn insert_signer(
    conn: &Connection,
    e: &Enrol,
    index: u64,
    proposal: Option<&str>,
) -> Check<()> {
    let inserted = conn
        .execute(
            "INSERT OR IGNORE INTO signer(name, vkey, role, party, organisation, person, scope, enrolled_at, proposal)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                e.name,
                e.vkey,
                e.role.as_str(),
                e.party,
                e.organisation,
                e.person,
                serde_json::to_string(&e.scope).expect("scope"),
                index as i64,
                proposal
            ],
        )
        .map_err(sql)?;
    if inserted == 0 {
        return refuse(
            "body.name",
            format!("a key named {:?} is already enrolled", e.name),
        );
    }
    Ok(())
}

pub(super) fn validate_enrol(
    conn: &Connection,
    e: &Enrol,
    path: &str,
    at_genesis: bool,
) -> Check<()> {
    enrol_form(e, path)?;
    match e.role {
        Role::PartyAgent | Role::CommissionMember => {
            if let Some(p) = &e.party
                && !at_genesis
                && !party_exists(conn, p)?
            {
                return refuse(format!("{path}.party"), format!("unknown party {p:?}"));
            }
        }
        _ => {}
    }
    if let Scope::Areas(areas) = &e.scope
        && !at_genesis
    {
        for (i, a) in areas.iter().enumerate() {
            area_exists(conn, a, &format!("{path}.scope[{i}]"))?;
        }
    }
    Ok(())
}

/// What an enrolment must be whatever the state: a usable Ed25519 key under the enrolled
/// name, the party or organisation its role needs, and a scope. The genesis checks its keys
/// with this too, so that a configuration that parses makes a genesis the fold takes.
pub(super) fn enrol_form(e: &Enrol, path: &str) -> Check<()> {
    let key =
        Vkey::parse(&e.vkey).or_else(|err| refuse(format!("{path}.vkey"), err.to_string()))?;
    // A witness signs no event: it cosigns checkpoints (cosignature/v1), which the fold
    // checks when a witnessed checkpoint is recorded.
    if e.role == Role::Witness {
        if key.kind != tlog::note::TYPE_COSIGNATURE_V1 {
            return refuse(
                format!("{path}.vkey"),
                "a witness key cosigns checkpoints: cosignature/v1 (type 0x04)",
            );
        }
    } else if key.kind != TYPE_ED25519 {
        return refuse(
            format!("{path}.vkey"),
            "an election key signs events with Ed25519 (type 0x01)",
        );
    }
    if VerifyingKey::from_bytes(&key.public).is_ok_and(|k| k.is_weak()) {
        return refuse(
            format!("{path}.vkey"),
            "a key of small order signs nothing reliably",
        );
    }
    if key.name != e.name {
        return refuse(
            format!("{path}.name"),
            format!(
                "the name {:?} differs from the vkey's name {:?}",
                e.name, key.name
            ),
        );
    }
    match e.role {
        Role::PartyAgent if e.party.is_none() => {
            return refuse(format!("{path}.party"), "a party agent needs a party");
        }
        Role::Observer if e.organisation.as_deref().is_none_or(str::is_empty) => {
            return refuse(
                format!("{path}.organisation"),
                "an observer needs an organisation",
            );
        }
        Role::SmsGateway if e.organisation.as_deref().is_none_or(str::is_empty) => {
            return refuse(
                format!("{path}.organisation"),
                "an SMS gateway needs the organisation whose messages it records",
            );
        }
        _ => {}
    }
    if let Scope::Areas(areas) = &e.scope
        && areas.is_empty()
    {
        return refuse(
            format!("{path}.scope"),
            "a scope lists at least one area, or is \"all\"",
        );
    }
    Ok(())
}

pub(super) fn party_exists(conn: &Connection, id: &str) -> Check<bool> {
    conn.query_row("SELECT 1 FROM party WHERE id = ?1", [id], |_| Ok(()))
        .optional()
        .map(|r| r.is_some())
        .map_err(sql)
}

pub(super) fn revoke(conn: &Connection, r: &Revoke, index: u64) -> Check<()> {
    if r.reason.trim().is_empty() {
        return refuse("body.reason", "a revocation must give its reason");
    }
    let changed = conn
        .execute(
            "UPDATE signer SET revoked_at = ?2 WHERE name = ?1 AND revoked_at IS NULL",
            params![r.name, index as i64],
        )
        .map_err(sql)?;
    if changed == 0 {
        return refuse(
            "body.name",
            format!("{:?} is not an enrolled, unrevoked key", r.name),
        );
    }
    Ok(())
}
