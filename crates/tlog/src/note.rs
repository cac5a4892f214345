//! Keys, signed checkpoints and cosignatures.
//!
//! Formats:
//! - a verifier key (vkey) is `<name>+<id>+<base64(type ‖ public key)>`, with the id the first
//!   four bytes of `SHA-256(name ‖ "\n" ‖ type ‖ public key)` in hex (C2SP signed-note);
//! - type `0x01` is an Ed25519 note signature over the note text (a log signing its
//!   checkpoints); type `0x04` is an Ed25519 cosignature/v1 (a witness), whose signature is an
//!   8-byte big-endian timestamp followed by an Ed25519 signature over
//!   `"cosignature/v1\ntime <timestamp>\n" ‖ checkpoint text` (C2SP tlog-cosignature);
//! - a private key file holds one line `PRIVATE+KEY+<name>+<id>+<base64(type ‖ seed)>`, the
//!   format of Go's `sumdb/note` extended to type `0x04`.

use base64::prelude::*;
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use signed_note::{Note, Signature};
pub use tlog_tiles::Checkpoint;

/// Signature type of an Ed25519 signed-note key.
pub const TYPE_ED25519: u8 = 0x01;
/// Signature type of an Ed25519 cosignature/v1 key.
pub const TYPE_COSIGNATURE_V1: u8 = 0x04;

/// What a key or note could not be used for, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("malformed verifier key {0:?}: want <name>+<8 hex digits>+<base64 key>")]
    MalformedVkey(String),
    #[error("verifier key {0:?}: the key id does not match the name and key")]
    VkeyIdMismatch(String),
    #[error(
        "verifier key {key:?} has signature type 0x{kind:02x}; only 0x01 (Ed25519) and 0x04 (cosignature/v1) are known"
    )]
    UnknownType { key: String, kind: u8 },
    #[error("verifier key {0:?}: not a valid Ed25519 public key")]
    BadPublicKey(String),
    #[error("malformed private key: want PRIVATE+KEY+<name>+<id>+<base64 key> ({0})")]
    MalformedSkey(&'static str),
    #[error("key name {0:?} is empty or contains a space, a '+' or a control character")]
    BadName(String),
}

/// The key id of a key: `SHA-256(name ‖ "\n" ‖ type ‖ public key)[:4]`.
pub fn key_id(name: &str, kind: u8, public: &[u8; 32]) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update([kind]);
    h.update(public);
    let d = h.finalize();
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

fn name_ok(name: &str) -> bool {
    // signed_note allows control characters in names, but a note may not hold them, so a key
    // so named could never sign a note that opens.
    signed_note::is_key_name_valid(name) && !name.chars().any(|c| c < ' ')
}

/// A parsed verifier key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vkey {
    pub name: String,
    pub id: u32,
    pub kind: u8,
    pub public: [u8; 32],
}

impl Vkey {
    /// Parses `<name>+<id>+<base64>`; checks the id and that the key is a valid Ed25519 point.
    pub fn parse(s: &str) -> Result<Vkey, KeyError> {
        let s = s.trim();
        let malformed = || KeyError::MalformedVkey(s.to_string());
        let (name, rest) = s.split_once('+').ok_or_else(malformed)?;
        let (id_hex, b64) = rest.split_once('+').ok_or_else(malformed)?;
        if !name_ok(name) {
            return Err(malformed());
        }
        if id_hex.len() != 8 || !id_hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(malformed());
        }
        let id = u32::from_str_radix(id_hex, 16).map_err(|_| malformed())?;
        let raw = BASE64_STANDARD.decode(b64).map_err(|_| malformed())?;
        let (&kind, key) = raw.split_first().ok_or_else(malformed)?;
        if kind != TYPE_ED25519 && kind != TYPE_COSIGNATURE_V1 {
            return Err(KeyError::UnknownType {
                key: s.to_string(),
                kind,
            });
        }
        let public: [u8; 32] = key.try_into().map_err(|_| malformed())?;
        if key_id(name, kind, &public) != id {
            return Err(KeyError::VkeyIdMismatch(s.to_string()));
        }
        VerifyingKey::from_bytes(&public).map_err(|_| KeyError::BadPublicKey(s.to_string()))?;
        Ok(Vkey {
            name: name.to_string(),
            id,
            kind,
            public,
        })
    }

    fn verifying_key(&self) -> VerifyingKey {
        VerifyingKey::from_bytes(&self.public).expect("checked when parsed")
    }

    /// Whether `sig` (the bytes after the key id) is this key's signature on `text`.
    ///
    /// For a cosignature key, returns the cosignature's timestamp.
    pub fn verify(&self, text: &[u8], sig: &[u8]) -> Option<Option<u64>> {
        match self.kind {
            TYPE_ED25519 => {
                let sig = ed25519_dalek::Signature::from_slice(sig).ok()?;
                self.verifying_key().verify_strict(text, &sig).ok()?;
                Some(None)
            }
            TYPE_COSIGNATURE_V1 => {
                if sig.len() != 72 {
                    return None;
                }
                let time = u64::from_be_bytes(sig[..8].try_into().ok()?);
                if time > i64::MAX as u64 {
                    return None;
                }
                let sig = ed25519_dalek::Signature::from_slice(&sig[8..]).ok()?;
                let msg = cosigned_message(text, time);
                self.verifying_key().verify_strict(&msg, &sig).ok()?;
                Some(Some(time))
            }
            _ => None,
        }
    }
}

impl std::fmt::Display for Vkey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut raw = vec![self.kind];
        raw.extend_from_slice(&self.public);
        write!(
            f,
            "{}+{:08x}+{}",
            self.name,
            self.id,
            BASE64_STANDARD.encode(raw)
        )
    }
}

fn cosigned_message(checkpoint_text: &[u8], time: u64) -> Vec<u8> {
    let mut msg = format!("cosignature/v1\ntime {time}\n").into_bytes();
    msg.extend_from_slice(checkpoint_text);
    msg
}

/// A private key: a log's checkpoint-signing key (type 0x01) or a witness's cosigning key
/// (type 0x04).
#[derive(Clone)]
pub struct PrivateKey {
    name: String,
    kind: u8,
    key: SigningKey,
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PrivateKey({})", self.vkey())
    }
}

impl PrivateKey {
    /// A new random key from the operating system's generator.
    pub fn generate(name: &str, kind: u8) -> Result<PrivateKey, KeyError> {
        if !name_ok(name) {
            return Err(KeyError::BadName(name.to_string()));
        }
        if kind != TYPE_ED25519 && kind != TYPE_COSIGNATURE_V1 {
            return Err(KeyError::UnknownType {
                key: name.to_string(),
                kind,
            });
        }
        let key = SigningKey::generate(&mut rand_core::OsRng);
        Ok(PrivateKey {
            name: name.to_string(),
            kind,
            key,
        })
    }

    /// A key from a 32-byte seed, for tests and deterministic demos.
    pub fn from_seed(name: &str, kind: u8, seed: [u8; 32]) -> Result<PrivateKey, KeyError> {
        if !name_ok(name) {
            return Err(KeyError::BadName(name.to_string()));
        }
        Ok(PrivateKey {
            name: name.to_string(),
            kind,
            key: SigningKey::from_bytes(&seed),
        })
    }

    /// Parses `PRIVATE+KEY+<name>+<id>+<base64(type ‖ seed)>`.
    pub fn parse(s: &str) -> Result<PrivateKey, KeyError> {
        let s = s.trim();
        let rest = s
            .strip_prefix("PRIVATE+KEY+")
            .ok_or(KeyError::MalformedSkey("no PRIVATE+KEY+ prefix"))?;
        let (name, rest) = rest
            .split_once('+')
            .ok_or(KeyError::MalformedSkey("no key id"))?;
        let (id_hex, b64) = rest
            .split_once('+')
            .ok_or(KeyError::MalformedSkey("no key"))?;
        if !name_ok(name) {
            return Err(KeyError::BadName(name.to_string()));
        }
        if id_hex.len() != 8 {
            return Err(KeyError::MalformedSkey("key id is not 8 hex digits"));
        }
        let id = u32::from_str_radix(id_hex, 16)
            .map_err(|_| KeyError::MalformedSkey("key id is not 8 hex digits"))?;
        let raw = BASE64_STANDARD
            .decode(b64)
            .map_err(|_| KeyError::MalformedSkey("key is not base64"))?;
        let (&kind, seed) = raw
            .split_first()
            .ok_or(KeyError::MalformedSkey("key is empty"))?;
        if kind != TYPE_ED25519 && kind != TYPE_COSIGNATURE_V1 {
            return Err(KeyError::MalformedSkey("unknown signature type"));
        }
        let seed: [u8; 32] = seed
            .try_into()
            .map_err(|_| KeyError::MalformedSkey("Ed25519 seed is not 32 bytes"))?;
        let key = PrivateKey {
            name: name.to_string(),
            kind,
            key: SigningKey::from_bytes(&seed),
        };
        if key.vkey().id != id {
            return Err(KeyError::MalformedSkey(
                "key id does not match the name and key",
            ));
        }
        Ok(key)
    }

    /// The private key in its file format. Keep it secret.
    pub fn to_skey(&self) -> String {
        let mut raw = vec![self.kind];
        raw.extend_from_slice(self.key.as_bytes());
        format!(
            "PRIVATE+KEY+{}+{:08x}+{}",
            self.name,
            self.vkey().id,
            BASE64_STANDARD.encode(raw)
        )
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn kind(&self) -> u8 {
        self.kind
    }

    /// The matching verifier key.
    pub fn vkey(&self) -> Vkey {
        let public = self.key.verifying_key().to_bytes();
        Vkey {
            name: self.name.clone(),
            id: key_id(&self.name, self.kind, &public),
            kind: self.kind,
            public,
        }
    }

    /// Signs raw bytes with the Ed25519 key (used by layers above for their own messages).
    pub fn sign_raw(&self, msg: &[u8]) -> [u8; 64] {
        self.key.sign(msg).to_bytes()
    }

    /// A note signature line for `text`: a plain Ed25519 note signature for a type 0x01 key,
    /// or a cosignature/v1 at `time` for a type 0x04 key.
    pub fn sign_note(&self, text: &[u8], time: u64) -> Signature {
        let sig = match self.kind {
            TYPE_COSIGNATURE_V1 => {
                let mut sig = time.to_be_bytes().to_vec();
                sig.extend_from_slice(&self.key.sign(&cosigned_message(text, time)).to_bytes());
                sig
            }
            _ => self.key.sign(text).to_bytes().to_vec(),
        };
        Signature::new(self.name.clone(), self.vkey().id, sig).expect("name checked")
    }
}

/// Why a signed checkpoint was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    #[error("not a signed note: {0}")]
    MalformedNote(String),
    #[error(
        "malformed checkpoint body: {0} (want origin, size, base64 root hash, each on its own line)"
    )]
    MalformedCheckpoint(String),
    #[error("checkpoint origin {found:?} is not the log's origin {want:?}")]
    WrongOrigin { found: String, want: String },
    #[error("checkpoint carries no signature by the log key {0}")]
    NoLogSignature(String),
    #[error("signature by {name} (key id {id:08x}) does not verify")]
    BadSignature { name: String, id: u32 },
    #[error("witness quorum not met: {0}")]
    QuorumNotMet(String),
}

/// A checkpoint whose log signature (and cosignatures) verified.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedCheckpoint {
    pub origin: String,
    pub size: u64,
    pub root: crate::Hash,
    /// The checkpoint body (the note text).
    pub text: Vec<u8>,
    /// The whole note, signatures included.
    pub note: Vec<u8>,
    /// Witness names whose cosignatures verified, with their timestamps.
    pub cosigned_by: Vec<(String, u64)>,
}

/// The body of a checkpoint: origin, size and root, one per line.
pub fn checkpoint_text(origin: &str, size: u64, root: crate::Hash) -> Vec<u8> {
    format!("{origin}\n{size}\n{root}\n").into_bytes()
}

/// Signs a checkpoint with the log's key and returns the signed note.
pub fn sign_checkpoint(key: &PrivateKey, size: u64, root: crate::Hash) -> Vec<u8> {
    let text = checkpoint_text(key.name(), size, root);
    let sig = key.sign_note(&text, 0);
    Note::new(&text, &[sig])
        .expect("checkpoint text is well formed")
        .to_bytes()
}

/// Adds signature lines to a signed note, replacing older ones by the same key.
pub fn add_signatures(note: &[u8], sigs: &[Signature]) -> Result<Vec<u8>, CheckpointError> {
    let parsed = Note::from_bytes(note).map_err(|e| malformed_note(note, &e))?;
    let mut all: Vec<Signature> = parsed_signatures(note)?;
    all.retain(|s| {
        !sigs
            .iter()
            .any(|n| n.name() == s.name() && n.id() == s.id())
    });
    all.extend_from_slice(sigs);
    let out = Note::new(parsed.text(), &all)
        .map_err(|e| CheckpointError::MalformedNote(e.to_string()))?
        .to_bytes();
    // Note::new does not check the signature lines (names, count, total size); the note we
    // hand back must open again.
    Note::from_bytes(&out).map_err(|e| match malformed_note(&out, &e) {
        CheckpointError::MalformedNote(m) => {
            CheckpointError::MalformedNote(format!("with the signatures added: {m}"))
        }
        other => other,
    })?;
    Ok(out)
}

/// The signature lines of a note, in order.
pub fn parsed_signatures(note: &[u8]) -> Result<Vec<Signature>, CheckpointError> {
    Note::from_bytes(note).map_err(|e| malformed_note(note, &e))?;
    let text = std::str::from_utf8(note).expect("checked by Note::from_bytes");
    let (_, sigs) = text
        .rsplit_once("\n\n")
        .expect("checked by Note::from_bytes");
    sigs.lines()
        .map(|l| {
            Signature::from_bytes(l.as_bytes())
                .map_err(|e| CheckpointError::MalformedNote(e.to_string()))
        })
        .collect()
}

/// Parses signature lines such as a witness's response body.
pub fn parse_signature_lines(body: &[u8]) -> Result<Vec<Signature>, CheckpointError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| CheckpointError::MalformedNote("signature lines are not UTF-8".into()))?;
    if text.is_empty() || !text.ends_with('\n') {
        return Err(CheckpointError::MalformedNote(
            "signature lines must each end in a newline".into(),
        ));
    }
    if text.chars().any(|c| c < ' ' && c != '\n') {
        return Err(CheckpointError::MalformedNote(
            "signature lines hold a control character".into(),
        ));
    }
    text.lines()
        .enumerate()
        .map(|(i, l)| {
            Signature::from_bytes(l.as_bytes()).map_err(|e| {
                let why = signature_line_problem(l).unwrap_or_else(|| e.to_string());
                CheckpointError::MalformedNote(format!("signature line {}: {why}", i + 1))
            })
        })
        .collect()
}

/// Splits a signed note into its text and signatures, and parses the text as a checkpoint.
pub fn open_checkpoint(
    note: &[u8],
) -> Result<(Checkpoint, Vec<u8>, Vec<Signature>), CheckpointError> {
    let parsed = Note::from_bytes(note).map_err(|e| malformed_note(note, &e))?;
    let checkpoint = Checkpoint::from_bytes(parsed.text())
        .map_err(|_| CheckpointError::MalformedCheckpoint(checkpoint_problem(parsed.text())))?;
    let sigs = parsed_signatures(note)?;
    Ok((checkpoint, parsed.text().to_vec(), sigs))
}

/// Why `signed_note` refused a note, in words: its own error says only "malformed note".
fn malformed_note(note: &[u8], e: &signed_note::NoteError) -> CheckpointError {
    CheckpointError::MalformedNote(note_problem(note).unwrap_or_else(|| e.to_string()))
}

/// The first rule of C2SP signed-note that `note` breaks, if we can name it.
fn note_problem(note: &[u8]) -> Option<String> {
    if note.len() > 1_000_000 {
        return Some(format!(
            "{} bytes is over the 1,000,000-byte limit",
            note.len()
        ));
    }
    let text = match std::str::from_utf8(note) {
        Ok(t) => t,
        Err(e) => return Some(format!("not UTF-8 (byte {})", e.valid_up_to())),
    };
    if let Some((at, c)) = text.char_indices().find(|&(_, c)| c < ' ' && c != '\n') {
        return Some(format!("control character {c:?} at byte {at}"));
    }
    let Some((_, sigs)) = text.rsplit_once("\n\n") else {
        return Some("no blank line between the text and the signature lines".into());
    };
    if sigs.is_empty() {
        return Some("no signature lines after the blank line".into());
    }
    let Some(sigs) = sigs.strip_suffix('\n') else {
        return Some("the last signature line does not end in a newline".into());
    };
    let lines: Vec<&str> = sigs.split('\n').collect();
    for (i, line) in lines.iter().enumerate() {
        if let Some(why) = signature_line_problem(line) {
            return Some(format!("signature line {}: {why}", i + 1));
        }
    }
    if lines.len() > 100 {
        return Some(format!(
            "{} signature lines; at most 100 are read",
            lines.len()
        ));
    }
    None
}

/// What is wrong with one signature line (`— <name> <base64(key id ‖ signature)>`).
fn signature_line_problem(line: &str) -> Option<String> {
    let Some(rest) = line.strip_prefix("— ") else {
        return Some(format!(
            "{line:?} does not start with \"— \" (U+2014, space)"
        ));
    };
    let Some((name, b64)) = rest.split_once(' ') else {
        return Some(format!(
            "{line:?} has no space between key name and signature"
        ));
    };
    if !signed_note::is_key_name_valid(name) {
        return Some(format!(
            "key name {name:?} is empty or holds a space or '+'"
        ));
    }
    match BASE64_STANDARD.decode(b64) {
        Err(_) => Some(format!("signature {b64:?} is not base64")),
        Ok(raw) if raw.len() < 5 => Some(format!(
            "signature of {} bytes is too short for a key id and a signature",
            raw.len()
        )),
        Ok(_) => None,
    }
}

/// Which line of a checkpoint body is wrong.
fn checkpoint_problem(text: &[u8]) -> String {
    let text = String::from_utf8_lossy(text);
    let mut lines = text.split('\n');
    let origin = lines.next().unwrap_or_default();
    if origin.is_empty() {
        return "the origin line is empty".into();
    }
    let Some(size) = lines.next().filter(|l| !l.is_empty()) else {
        return "no tree size line".into();
    };
    let canonical = size.parse::<u64>().is_ok_and(|n| n.to_string() == size);
    if !canonical {
        return format!("tree size {size:?} is not a decimal number without leading zeros");
    }
    let Some(root) = lines.next().filter(|l| !l.is_empty()) else {
        return "no root hash line".into();
    };
    if BASE64_STANDARD.decode(root).map(|r| r.len()) != Ok(32) {
        return format!("root hash {root:?} is not 32 bytes in base64");
    }
    "an extension line is empty or the body does not end in a newline".into()
}

/// Which witnesses must cosign a checkpoint: the quorum rule of C2SP tlog-policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Quorum {
    /// No cosignature needed.
    None,
    /// The named witness must cosign.
    Witness(usize),
    /// At least `k` of the members (witnesses or groups) must be satisfied.
    Group { k: usize, members: Vec<Quorum> },
}

/// The most witnesses and groups a policy may expand to. A group is copied into each group
/// that names it, so without a bound a few hundred bytes of nested groups fill memory.
pub const MAX_QUORUM_NODES: usize = 4096;

impl Quorum {
    /// Witnesses and groups in this rule, counting a group once per place it is named.
    fn nodes(&self) -> usize {
        match self {
            Quorum::Group { members, .. } => 1 + members.iter().map(Quorum::nodes).sum::<usize>(),
            _ => 1,
        }
    }

    fn satisfied(&self, cosigned: &[bool]) -> bool {
        match self {
            Quorum::None => true,
            Quorum::Witness(i) => cosigned[*i],
            Quorum::Group { k, members } => {
                members.iter().filter(|m| m.satisfied(cosigned)).count() >= *k
            }
        }
    }
}

/// A trust policy: the log's keys, the known witnesses and the quorum (C2SP tlog-policy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub logs: Vec<Vkey>,
    /// Witnesses by policy name.
    pub witnesses: Vec<(String, Vkey)>,
    pub quorum: Quorum,
}

/// A policy file line that could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("policy line {line}: {message}")]
pub struct PolicyError {
    pub line: usize,
    pub message: String,
}

impl Policy {
    /// One log key, any number of witnesses, and "at least `k` of them".
    pub fn k_of_n(log: Vkey, witnesses: Vec<Vkey>, k: usize) -> Result<Policy, PolicyError> {
        let err = |message: String| PolicyError { line: 0, message };
        if log.kind != TYPE_ED25519 {
            return Err(err(format!(
                "log key {log} must be an Ed25519 note key (type 0x01)"
            )));
        }
        for w in &witnesses {
            if w.kind != TYPE_COSIGNATURE_V1 {
                return Err(err(format!(
                    "witness key {w} must be a cosignature/v1 key (type 0x04)"
                )));
            }
        }
        if k > witnesses.len() {
            return Err(err(format!(
                "quorum {k} is more than the {} witnesses given",
                witnesses.len()
            )));
        }
        let quorum = if k == 0 {
            Quorum::None
        } else {
            Quorum::Group {
                k,
                members: (0..witnesses.len()).map(Quorum::Witness).collect(),
            }
        };
        Ok(Policy {
            logs: vec![log],
            witnesses: witnesses.into_iter().map(|w| (w.name.clone(), w)).collect(),
            quorum,
        })
    }

    /// Parses a C2SP tlog-policy file (`log`, `witness`, `group`, `quorum` lines; `#`
    /// comments). URLs after keys are accepted and ignored.
    pub fn parse(text: &str) -> Result<Policy, PolicyError> {
        let mut logs = Vec::new();
        let mut witnesses: Vec<(String, Vkey)> = Vec::new();
        let mut names: std::collections::HashMap<String, Quorum> = Default::default();
        let mut quorum = None;
        // Nodes in all groups so far, each group counted in full.
        let mut expanded = 0usize;
        for (i, raw) in text.split('\n').enumerate() {
            let line = i + 1;
            let err = |message: String| PolicyError { line, message };
            if raw
                .bytes()
                .any(|b| b < 0x20 && b != b'\t' || b == 0x7f || b == b'\r')
            {
                return Err(err("control character in line".into()));
            }
            let trimmed = raw.trim_matches([' ', '\t']);
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let words: Vec<&str> = trimmed
                .split([' ', '\t'])
                .filter(|w| !w.is_empty())
                .collect();
            match words[0] {
                "log" => {
                    if !(2..=3).contains(&words.len()) {
                        return Err(err("want: log <vkey> [<url>]".into()));
                    }
                    let key = Vkey::parse(words[1]).map_err(|e| err(e.to_string()))?;
                    if key.kind != TYPE_ED25519 {
                        return Err(err("a log key must be type 0x01 (Ed25519)".into()));
                    }
                    if logs.iter().any(|l: &Vkey| l.public == key.public) {
                        return Err(err("duplicate log key".into()));
                    }
                    logs.push(key);
                }
                "witness" => {
                    if !(3..=4).contains(&words.len()) {
                        return Err(err("want: witness <name> <vkey> [<url>]".into()));
                    }
                    let name = words[1].to_string();
                    if name == "none" || names.contains_key(&name) {
                        return Err(err(format!("name {name:?} is already defined")));
                    }
                    let key = Vkey::parse(words[2]).map_err(|e| err(e.to_string()))?;
                    if key.kind != TYPE_COSIGNATURE_V1 {
                        return Err(err(
                            "a witness key must be type 0x04 (cosignature/v1)".into()
                        ));
                    }
                    if witnesses.iter().any(|(_, w)| w.public == key.public) {
                        return Err(err("duplicate witness key".into()));
                    }
                    names.insert(name.clone(), Quorum::Witness(witnesses.len()));
                    witnesses.push((name, key));
                }
                "group" => {
                    if words.len() < 4 {
                        return Err(err("want: group <name> <all|any|k> <member>...".into()));
                    }
                    let name = words[1].to_string();
                    if name == "none" || names.contains_key(&name) {
                        return Err(err(format!("name {name:?} is already defined")));
                    }
                    let member_names = &words[3..];
                    let mut members = Vec::new();
                    let mut nodes = 1;
                    for (j, m) in member_names.iter().enumerate() {
                        if member_names[..j].contains(m) {
                            return Err(err(format!("member {m:?} is listed twice")));
                        }
                        let q = names
                            .get(*m)
                            .ok_or_else(|| err(format!("member {m:?} is not defined above")))?;
                        // Checked before each copy, so a long line cannot fill memory first.
                        nodes += q.nodes();
                        if expanded + nodes > MAX_QUORUM_NODES {
                            return Err(err(format!(
                                "groups nest too deeply: the policy expands to over {MAX_QUORUM_NODES} witnesses and groups"
                            )));
                        }
                        members.push(q.clone());
                    }
                    expanded += nodes;
                    let n = members.len();
                    let k = match words[2] {
                        "all" => n,
                        "any" => 1,
                        k => {
                            let k: usize =
                                k.parse().ok().filter(|k| (1..=n).contains(k)).ok_or_else(
                                    || err(format!("threshold {k:?} is not all, any or 1..={n}")),
                                )?;
                            k
                        }
                    };
                    names.insert(name, Quorum::Group { k, members });
                }
                "quorum" => {
                    if words.len() != 2 {
                        return Err(err("want: quorum <name>".into()));
                    }
                    if quorum.is_some() {
                        return Err(err("more than one quorum line".into()));
                    }
                    quorum = Some(if words[1] == "none" {
                        Quorum::None
                    } else {
                        names
                            .get(words[1])
                            .cloned()
                            .ok_or_else(|| err(format!("{:?} is not defined above", words[1])))?
                    });
                }
                other => return Err(err(format!("unknown keyword {other:?}"))),
            }
        }
        let quorum = quorum.ok_or(PolicyError {
            line: 0,
            message: "the policy has no quorum line".into(),
        })?;
        Ok(Policy {
            logs,
            witnesses,
            quorum,
        })
    }

    /// Verifies a signed checkpoint: a valid signature by one of the policy's logs (whose key
    /// name must be the origin), valid cosignatures from a quorum of witnesses, and no invalid
    /// signature by any known key. Signatures by unknown keys are ignored.
    pub fn verify(&self, note: &[u8]) -> Result<VerifiedCheckpoint, CheckpointError> {
        let (checkpoint, text, sigs) = open_checkpoint(note)?;
        let log = self
            .logs
            .iter()
            .find(|l| l.name == checkpoint.origin())
            .ok_or_else(|| CheckpointError::WrongOrigin {
                found: checkpoint.origin().to_string(),
                want: self
                    .logs
                    .iter()
                    .map(|l| l.name.as_str())
                    .collect::<Vec<_>>()
                    .join(" or "),
            })?;
        let mut log_signed = false;
        let mut cosigned = vec![false; self.witnesses.len()];
        let mut cosigned_by = Vec::new();
        for sig in &sigs {
            let bad = || CheckpointError::BadSignature {
                name: sig.name().to_string(),
                id: sig.id(),
            };
            if sig.name() == log.name && sig.id() == log.id {
                log.verify(&text, sig.signature()).ok_or_else(bad)?;
                log_signed = true;
            } else if let Some(i) = self
                .witnesses
                .iter()
                .position(|(_, w)| w.name == sig.name() && w.id == sig.id())
            {
                let time = self.witnesses[i]
                    .1
                    .verify(&text, sig.signature())
                    .ok_or_else(bad)?
                    .unwrap_or(0);
                if !cosigned[i] {
                    cosigned[i] = true;
                    cosigned_by.push((self.witnesses[i].0.clone(), time));
                }
            }
        }
        if !log_signed {
            return Err(CheckpointError::NoLogSignature(log.to_string()));
        }
        if !self.quorum.satisfied(&cosigned) {
            let have: Vec<&str> = cosigned_by.iter().map(|(n, _)| n.as_str()).collect();
            return Err(CheckpointError::QuorumNotMet(format!(
                "{} of {} known witnesses cosigned ({})",
                have.len(),
                self.witnesses.len(),
                if have.is_empty() {
                    "none".to_string()
                } else {
                    have.join(", ")
                }
            )));
        }
        Ok(VerifiedCheckpoint {
            origin: checkpoint.origin().to_string(),
            size: checkpoint.size(),
            root: *checkpoint.hash(),
            text,
            note: note.to_vec(),
            cosigned_by,
        })
    }
}
