//! The genesis: the first entry, signed by every founding member, which sets up the election's
//! name, rule, levels, parties, contests, commission and first keys.

use super::keys::enrol_form;
use super::*;

impl Fold {
    pub(super) fn genesis(
        &mut self,
        conn: &Connection,
        index: u64,
        entry: &Entry,
        g: &Genesis,
    ) -> Check<Applied> {
        if index != 0 {
            return refuse("kind", "only the first entry may be a genesis");
        }
        validate_genesis(g)?;
        let Some(author) = &entry.author else {
            return refuse("author", "the genesis needs an author, one of its members");
        };
        let Some(sig) = &entry.sig else {
            return refuse("sig", "the genesis is not signed");
        };
        let message = entry.signed_message();
        let mut signed = BTreeSet::new();
        let member = |name: &str| g.members.iter().find(|m| m.name == name);
        let Some(m) = member(author) else {
            return refuse("author", format!("{author:?} is not a founding member"));
        };
        self.check_sig(&m.vkey.clone(), &message, sig, "sig")?;
        signed.insert(author.clone());
        for (i, c) in entry.cosigs.iter().enumerate() {
            let path = format!("cosigs[{i}]");
            let Some(m) = member(&c.author) else {
                return refuse(path, format!("{:?} is not a founding member", c.author));
            };
            if !signed.insert(c.author.clone()) {
                return refuse(path, format!("{:?} signed twice", c.author));
            }
            self.check_sig(&m.vkey.clone(), &message, &c.sig, &path)?;
        }
        let missing: Vec<&str> = g
            .members
            .iter()
            .map(|m| m.name.as_str())
            .filter(|n| !signed.contains(*n))
            .collect();
        if !missing.is_empty() {
            return refuse(
                "cosigs",
                format!(
                    "every founding member must sign the genesis; missing: {}",
                    missing.join(", ")
                ),
            );
        }
        // A fold that keeps the pseudonyms in memory leaves their index to the end.
        if self.lists.is_some() {
            state::create_deferring(conn).map_err(sql)?;
        } else {
            state::create(conn).map_err(sql)?;
        }
        let put = |k: &str, v: String| {
            conn.execute(
                "INSERT INTO election(key, value) VALUES (?1, ?2)",
                params![k, v],
            )
            .map(|_| ())
        };
        put("name", g.election.clone()).map_err(sql)?;
        put("origin", g.origin.clone()).map_err(sql)?;
        put("rule", serde_json::to_string(&g.rule).expect("rule")).map_err(sql)?;
        put("levels", serde_json::to_string(&g.levels).expect("levels")).map_err(sql)?;
        put("bulk_threshold", g.bulk_threshold.to_string()).map_err(sql)?;
        if let Some(k) = &g.log_key {
            put("log_key", k.clone()).map_err(sql)?;
        }
        if let Some(t) = g.card_threshold {
            put("card_threshold", t.to_string()).map_err(sql)?;
        }
        if let Some(d) = &g.complaint_deadlines {
            put(
                "complaint_deadlines",
                serde_json::to_string(d).expect("deadlines"),
            )
            .map_err(sql)?;
        }
        for p in &g.parties {
            conn.execute(
                "INSERT INTO party(id, name) VALUES (?1, ?2)",
                params![p.id, p.name],
            )
            .map_err(sql)?;
        }
        for c in &g.contests {
            conn.execute(
                "INSERT INTO contest(id, body) VALUES (?1, ?2)",
                params![c.id, serde_json::to_string(c).expect("contest")],
            )
            .map_err(sql)?;
        }
        for m in &g.members {
            insert_signer(
                conn,
                &Enrol {
                    name: m.name.clone(),
                    organisation: None,
                    party: m.party.clone(),
                    person: Some(m.person.clone()),
                    role: Role::CommissionMember,
                    scope: Scope::all(),
                    vkey: m.vkey.clone(),
                },
                index,
                None,
            )?;
        }
        for (i, k) in g.keys.iter().enumerate() {
            validate_enrol(conn, k, &format!("body.keys[{i}]"), true)?;
            insert_signer(conn, k, index, None)?;
        }
        Ok(Applied::Done)
    }
}

/// Checks a genesis on its own: names unique, keys well formed, the rule reachable.
pub fn validate_genesis(g: &Genesis) -> Check<()> {
    let p = "body";
    if g.election.trim().is_empty() {
        return refuse(format!("{p}.election"), "the election needs a name");
    }
    if g.members.is_empty() {
        return refuse(format!("{p}.members"), "the commission needs members");
    }
    let mut parties = BTreeSet::new();
    for (i, party) in g.parties.iter().enumerate() {
        if !parties.insert(party.id.as_str()) {
            return refuse(
                format!("{p}.parties[{i}].id"),
                format!("party {:?} is listed twice", party.id),
            );
        }
    }
    let mut names = BTreeSet::new();
    let mut keys = BTreeSet::new();
    for (i, m) in g.members.iter().enumerate() {
        let path = format!("{p}.members[{i}]");
        if !names.insert(m.name.as_str()) {
            return refuse(
                format!("{path}.name"),
                format!("{:?} is listed twice", m.name),
            );
        }
        let key =
            Vkey::parse(&m.vkey).or_else(|e| refuse(format!("{path}.vkey"), e.to_string()))?;
        if key.kind != TYPE_ED25519 || key.name != m.name {
            return refuse(
                format!("{path}.vkey"),
                format!("want an Ed25519 key named {:?}", m.name),
            );
        }
        if !keys.insert(key.public) {
            return refuse(format!("{path}.vkey"), "two members share one key");
        }
        if let Some(party) = &m.party
            && !parties.contains(party.as_str())
        {
            return refuse(format!("{path}.party"), format!("unknown party {party:?}"));
        }
    }
    for (i, k) in g.keys.iter().enumerate() {
        enrol_form(k, &format!("{p}.keys[{i}]"))?;
        if !names.insert(k.name.as_str()) {
            return refuse(
                format!("{p}.keys[{i}].name"),
                format!("{:?} is listed twice", k.name),
            );
        }
        if let Some(party) = &k.party
            && !parties.contains(party.as_str())
        {
            return refuse(
                format!("{p}.keys[{i}].party"),
                format!("unknown party {party:?}"),
            );
        }
        if k.role == Role::CommissionMember {
            return refuse(
                format!("{p}.keys[{i}].role"),
                "founding members are listed under members",
            );
        }
        if let Scope::Areas(_) = k.scope {
            return refuse(
                format!("{p}.keys[{i}].scope"),
                "keys enrolled at genesis act everywhere (no areas exist yet); enrol area-bound keys later",
            );
        }
    }
    if let Some(k) = &g.log_key {
        let key = Vkey::parse(k).or_else(|e| refuse(format!("{p}.log_key"), e.to_string()))?;
        if key.kind != TYPE_ED25519 || key.name != g.origin {
            return refuse(
                format!("{p}.log_key"),
                format!(
                    "want the Ed25519 key that signs the log's checkpoints, named as the origin {:?}",
                    g.origin
                ),
            );
        }
    }
    let member_parties: BTreeSet<&str> = g
        .members
        .iter()
        .filter_map(|m| m.party.as_deref())
        .collect();
    if g.rule.min_approvals == 0 || g.rule.min_approvals as usize > g.members.len() {
        return refuse(
            format!("{p}.rule.min_approvals"),
            format!("must be between 1 and the {} members", g.members.len()),
        );
    }
    if g.rule.min_parties as usize > member_parties.len() {
        return refuse(
            format!("{p}.rule.min_parties"),
            format!("only {} parties have members", member_parties.len()),
        );
    }
    if g.levels.is_empty() {
        return refuse(format!("{p}.levels"), "name at least one area level");
    }
    let levels: BTreeSet<&str> = g.levels.iter().map(String::as_str).collect();
    if levels.len() != g.levels.len() {
        return refuse(format!("{p}.levels"), "level names must differ");
    }
    let mut contests = BTreeSet::new();
    for (i, c) in g.contests.iter().enumerate() {
        let path = format!("{p}.contests[{i}]");
        if !contests.insert(c.id.as_str()) {
            return refuse(
                format!("{path}.id"),
                format!("contest {:?} is listed twice", c.id),
            );
        }
        if !levels.contains(c.constituency_level.as_str()) {
            return refuse(
                format!("{path}.constituency_level"),
                format!("{:?} is not one of the levels", c.constituency_level),
            );
        }
        let mut choices = BTreeSet::new();
        for (j, ch) in c.choices.iter().enumerate() {
            if !choices.insert(ch.id.as_str()) {
                return refuse(
                    format!("{path}.choices[{j}].id"),
                    format!("{:?} is listed twice", ch.id),
                );
            }
            if ch.id.chars().any(|c| u32::from(c) > 0xFFFF) {
                return refuse(
                    format!("{path}.choices[{j}].id"),
                    "ids use characters of the Basic Multilingual Plane only",
                );
            }
            if let Some(party) = &ch.party
                && !parties.contains(party.as_str())
            {
                return refuse(
                    format!("{path}.choices[{j}].party"),
                    format!("unknown party {party:?}"),
                );
            }
        }
        if c.choices.is_empty() {
            return refuse(format!("{path}.choices"), "a contest needs choices");
        }
        for (area, seats) in &c.seats {
            if *seats == 0 {
                return refuse(
                    format!("{path}.seats.{area}"),
                    "a constituency elects at least one member",
                );
            }
        }
    }
    Ok(())
}
