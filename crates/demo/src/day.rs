//! Election day as the observers, the parties and the commission recorded it, with what the
//! demo plants for the review to find: COMFREL's checklists and incidents (some by SMS, two
//! observers at some stations who disagree, checklists that fail a quality check, one of
//! them sent by SMS), its
//! parallel vote tabulation drawn from public dice, and complaints against deadlines that
//! only the witnesses' time can judge (one left overdue, one decision without the approvals
//! it needs).

use anyhow::{Context, bail};
use ledger::event::{
    Action, AuditCommitment, AuditSample, AuditSeed, Complaint, ComplaintDecision, ComplaintStatus,
    DrawPlan, Entry, Event, ObserverChecklist, ObserverIncident, Proposal, PvtPlan, SmsChannel,
    SmsMessage, SmsMessages, SmsSender, hex,
};
use ledger::{Applied, Election};
use observer::report::{Answers, Severity, Value};
use synthetic::Cambodia2013;
use synthetic::cambodia::CONTEST;
use synthetic::observers::{OPENING, Observers};
use synthetic::pollbook::ELECTION_DAY;
use tlog::PrivateKey;
use tlog::note::{add_signatures, open_checkpoint};

/// Stations with two COMFREL observers (fewer in a very small election).
pub const OBSERVED: usize = 24;

/// COMFREL's record of election day and what it plants.
pub struct Observed {
    pub observers: Observers,
    /// Stations whose single observer's checklist fails the quality check "at least three
    /// polling officials are present" (two were).
    pub quality: Vec<String>,
    /// The station of a critical incident (observers kept out).
    pub kept_out: String,
    /// The log index of the gateway's SMS entry, and the HMAC of the number no one
    /// registered.
    pub sms_entry: u64,
    pub stranger: String,
    /// The log index of each quality-check checklist and of the critical incident.
    pub quality_entries: Vec<u64>,
    pub kept_out_entry: u64,
    /// The station of the checklist that fails the same quality check by SMS, from a number
    /// the gateway registered there, and the log index of the gateway's entry that holds it.
    pub sms_quality: String,
    pub sms_quality_entry: u64,
}

impl Observed {
    /// The plan for `e`: observers at its first stations, single observers after them.
    pub fn new(e: &Cambodia2013, seed: u64) -> Observed {
        let n = e.stations.len();
        let observed = OBSERVED.min(n.saturating_sub(4)).max(2);
        let quality = (observed..observed + 3)
            .map(|i| e.stations[i % n].code.clone())
            .collect();
        Observed {
            observers: Observers::new(e, seed, observed),
            quality,
            kept_out: e.stations[(observed + 3) % n].code.clone(),
            sms_entry: 0,
            stranger: synthetic::observers::phone(usize::MAX),
            quality_entries: Vec::new(),
            kept_out_entry: 0,
            sms_quality: e.stations[(observed + 4) % n].code.clone(),
            sms_quality_entry: 0,
        }
    }

    /// Records everything: the enrolments, the form definition, the SMS senders, the signed
    /// reports, the SMS, the planted quality failures (signed and by SMS) and the critical
    /// incident.
    pub fn record(&mut self, election: &mut Election, e: &Cambodia2013) -> anyhow::Result<()> {
        election.submit(&self.observers.enrolments(e))?;
        let subs = self.observers.submissions();
        let last = subs.len() - 1;
        for (i, sub) in subs.iter().enumerate() {
            let receipt = election.submit(sub)?;
            if i == last {
                self.sms_entry = receipt.first;
            }
        }
        for (k, station) in self.quality.iter().enumerate() {
            let mut answers = Answers::new();
            for (tag, v) in [
                ("AA", Value::Integer(2)),
                ("AB", Value::Select(2)),
                ("AC", Value::Select(1)),
                ("AD", Value::Select(1)),
                ("AE", Value::Integer(2)),
                ("AF", Value::Multiselect(vec![1, 2])),
            ] {
                answers.insert(tag.into(), v);
            }
            let event = Event::ObserverChecklist(ObserverChecklist {
                answers,
                at: OPENING + 2400,
                comment: Some("only two officials came".into()),
                form: "OPN".into(),
                schedule: observer::form::Schedule::Opening,
                serial: None,
                station: station.clone(),
                version: 1,
            });
            let key = &self.observers.observers[2 * k];
            let receipt = election.submit(&[Entry::signed(event, key).to_bytes()])?;
            self.quality_entries.push(receipt.first);
        }
        self.sms_quality_entry = self.sms_quality(election)?;
        let event = Event::ObserverIncident(ObserverIncident {
            answers: Answers::new(),
            at: OPENING + 7200,
            category: 5,
            evidence: vec![hex(&sha(&self.kept_out))],
            form: "INC".into(),
            location: None,
            severity: Severity::Critical,
            station: Some(self.kept_out.clone()),
            text: "Observers and the CNRP's agents kept outside the station during the count"
                .into(),
            version: 1,
        });
        let receipt =
            election.submit(&[Entry::signed(event, &self.observers.observers[1]).to_bytes()])?;
        self.kept_out_entry = receipt.first;
        Ok(())
    }
}

impl Observed {
    /// The gateway registers a new number for an observer at the `sms_quality` station, and
    /// then receives from it an opening checklist with two polling officials; the entry's
    /// log index.
    fn sms_quality(&self, election: &mut Election) -> anyhow::Result<u64> {
        let o = &self.observers;
        let k = 2 * self.quality.len();
        let observer = &o.observers[k % o.observers.len()];
        let sender = synthetic::observers::phone(o.observers.len() + 1);
        let register = Event::SmsSender(SmsSender {
            observer: observer.name().into(),
            sender: sender.clone(),
            station: self.sms_quality.clone(),
        });
        election.submit(&[Entry::signed(register, &o.gateway).to_bytes()])?;
        let text = format!(
            "OPN {} AA2AB2AC1AD1AE2AF12 @only two officials came",
            100_000 + k
        );
        let messages = Event::SmsMessages(SmsMessages {
            channel: SmsChannel::Unsigned,
            messages: vec![SmsMessage {
                received_at: OPENING + 2700,
                sender: sender.clone(),
                text: text.clone(),
            }],
        });
        let at = election
            .submit(&[Entry::signed(messages, &o.gateway).to_bytes()])?
            .first;
        let read = ledger::report::observer::sms_message(election.conn(), at, 0, &sender, &text)?;
        match read {
            Some(m) if m.status == "flagged" => Ok(at),
            other => bail!(
                "the SMS failing the quality check at {} was not flagged: {other:?}",
                self.sms_quality
            ),
        }
    }
}

fn sha(text: &str) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    Sha256::digest(text.as_bytes()).into()
}

// ---------------------------------------------------------------- PVT

/// COMFREL's PVT: the audit's id, its dice and the number of stations drawn.
pub const PVT_AUDIT: &str = "comfrel-pvt";
pub const PVT_DICE: &str = "35216452316254163524";

/// How many stations the PVT draws: a third, at most 600.
pub fn pvt_take(e: &Cambodia2013) -> usize {
    (e.stations.len() / 3).clamp(1, 600)
}

fn salt() -> String {
    hex(&sha("comfrel pvt salt"))
}

/// Before the count: COMFREL commits to its dice and to what they will draw.
pub fn pvt_commitment(e: &Cambodia2013) -> Vec<u8> {
    Entry::signed(
        Event::AuditCommitment(AuditCommitment {
            audit: PVT_AUDIT.into(),
            commitment: ledger::audit::commitment(&salt(), PVT_DICE),
            purpose: format!("COMFREL's parallel vote tabulation of {CONTEST}"),
            draw: Some(DrawPlan::Pvt(PvtPlan {
                contest: CONTEST.into(),
                area: None,
                level: "none".into(),
                take: pvt_take(e),
            })),
        }),
        &e.keys.observer,
    )
    .to_bytes()
}

/// After the count: the dice revealed and the stations they draw recorded. Returns the
/// election and the log indexes of the commitment's reveal and of the sample.
pub fn pvt_sample(mut election: Election, e: &Cambodia2013) -> anyhow::Result<(Election, u64)> {
    let reveal = Entry::signed(
        Event::AuditSeed(AuditSeed {
            audit: PVT_AUDIT.into(),
            salt: salt(),
            seed: PVT_DICE.into(),
        }),
        &e.keys.observer,
    )
    .to_bytes();
    election.submit(&[reveal])?;
    let review = review::Review::of_election(election, "demo").map_err(lift)?;
    let frame = review::pvt::Frame::read(
        &review,
        &review::pvt::FrameSpec {
            contest: Some(CONTEST.into()),
            area: None,
            level: Some("none".into()),
        },
    )
    .map_err(lift)?;
    let draws: Vec<String> = frame
        .draw(PVT_DICE, pvt_take(e))
        .map_err(lift)?
        .into_iter()
        .flat_map(|h| h.draws.into_iter().map(|t| t.id))
        .collect();
    let mut election = review.into_election().context("opened from the election")?;
    let sample = Entry::signed(
        Event::AuditSample(AuditSample {
            audit: PVT_AUDIT.into(),
            draws,
            round: 1,
        }),
        &e.keys.observer,
    )
    .to_bytes();
    let at = election.submit(&[sample])?.first;
    Ok((election, at))
}

fn lift(e: review::Error) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

// ---------------------------------------------------------------- complaints

/// Election night, 20:00 in Phnom Penh: the witnesses' first checkpoint of the complaints.
pub const NIGHT: u64 = ELECTION_DAY + 13 * 3_600;
const DAY: u64 = 86_400;

/// The complaints filed, and what became of them.
pub struct Complaints {
    /// (log index, station) of the complaint upheld, the one dismissed, and the one whose
    /// dismissal only one party's members approved (so it has no effect and it is overdue).
    pub upheld: (u64, String),
    pub dismissed: (u64, String),
    pub overdue: (u64, String),
    /// The proposal to dismiss the overdue one, without effect.
    pub without_effect: u64,
    /// The recorded checkpoints, by witness time.
    pub checkpoints: Vec<u64>,
}

/// The genesis's deadlines: two days to act on a complaint and seven to decide it, and six
/// hours and two days for intimidation, which cannot wait.
pub fn deadlines() -> ledger::event::ComplaintDeadlines {
    ledger::event::ComplaintDeadlines {
        by_category: [(
            "intimidation".to_string(),
            ledger::event::Deadlines {
                decide_within: 2 * DAY,
                investigate_within: 6 * 3_600,
            },
        )]
        .into(),
        decide_within: 7 * DAY,
        investigate_within: 2 * DAY,
    }
}

/// Records the log's checkpoint as it stands, cosigned by `witnesses` at `time`; the index of
/// the recorded checkpoint. The demo runs in minutes, so its witnesses' keys sign the days
/// after election day as those days' dates, as a witness would have then.
fn witnessed_at(
    election: &mut Election,
    log_key: &PrivateKey,
    witnesses: &[&PrivateKey],
    time: u64,
) -> anyhow::Result<u64> {
    let note = election.sign_checkpoint(log_key)?;
    let (_, text, _) = open_checkpoint(&note)?;
    let sigs: Vec<_> = witnesses.iter().map(|w| w.sign_note(&text, time)).collect();
    Ok(ledger::witnessing::record_checkpoint(
        election,
        &add_signatures(&note, &sigs)?,
    )?)
}

/// Files three complaints on election day, has the witnesses time them that night, decides
/// two (with the approvals of both parties) and proposes to dismiss the third with one
/// party's approvals only; the witnesses' checkpoints of the next days judge the deadlines.
pub fn complaints(
    election: &mut Election,
    e: &Cambodia2013,
    log_key: &PrivateKey,
    stations: [&str; 3],
) -> anyhow::Result<Complaints> {
    let k = &e.keys;
    let mut file = |by: &PrivateKey, station: &str, category: &str, text: &str, at: u64| {
        let c = Complaint {
            area: None,
            category: category.into(),
            evidence: vec![hex(&sha(text))],
            station: Some(station.into()),
            text: text.into(),
            time: Some(at),
        };
        election
            .submit(&[Entry::signed(Event::Complaint(c), by).to_bytes()])
            .map(|r| (r.first, station.to_string()))
    };
    let upheld = file(
        &k.cnrp_agent,
        stations[0],
        "double_voting",
        "Voters whose ink had washed off came back and voted again",
        ELECTION_DAY + 5 * 3_600,
    )?;
    let dismissed = file(
        &k.cpp_agent,
        stations[1],
        "campaigning",
        "Campaign posters within 100 metres of the station",
        ELECTION_DAY + 6 * 3_600,
    )?;
    let overdue = file(
        &k.cnrp_agent,
        stations[2],
        "intimidation",
        "Village chiefs stood at the door and wrote down who came to vote",
        ELECTION_DAY + 7 * 3_600,
    )?;
    let witnesses = [&k.witness_cpp, &k.witness_cnrp];
    let mut checkpoints = vec![witnessed_at(election, log_key, &witnesses, NIGHT)?];
    let propose = |election: &mut Election, complaint: u64, status, reason: &str| {
        let p = Entry::signed(
            Event::Proposal(Proposal {
                action: Action::ComplaintDecision(ComplaintDecision { complaint, status }),
                asked: vec![k.members[0].name().into(), k.members[4].name().into()],
                reason: reason.into(),
            }),
            &k.clerk,
        );
        let r = election.submit(&[p.to_bytes()])?;
        match r.applied.first().and_then(Applied::proposal) {
            Some(id) => Ok((id.to_string(), r.first)),
            None => bail!("the decision on complaint {complaint} was not proposed"),
        }
    };
    let decide = |election: &mut Election, complaint: u64, status, reason: &str| {
        let (id, _) = propose(election, complaint, status, reason)?;
        if !election
            .submit(&e.approvals(&id))?
            .applied
            .last()
            .is_some_and(Applied::took_effect)
        {
            bail!("the decision on complaint {complaint} did not take effect");
        }
        Ok(())
    };
    decide(
        election,
        upheld.0,
        ComplaintStatus::Upheld,
        "the poll book shows second check-ins at this station; referred to the prosecutor",
    )?;
    decide(
        election,
        dismissed.0,
        ComplaintStatus::Dismissed,
        "the posters were 300 metres from the station, outside the limit",
    )?;
    let (id, without_effect) = propose(
        election,
        overdue.0,
        ComplaintStatus::Dismissed,
        "the chiefs were there to help the elderly",
    )?;
    // The four members appointed by the CPP and the consensus member: five, from one party.
    let one_party = e.approvals_by(&id, &[0, 1, 2, 3, 8]);
    if election
        .submit(&one_party)?
        .applied
        .last()
        .is_some_and(Applied::took_effect)
    {
        bail!("one party's approvals dismissed complaint {}", overdue.0);
    }
    for later in [DAY, 3 * DAY] {
        checkpoints.push(witnessed_at(election, log_key, &witnesses, NIGHT + later)?);
    }
    let all = ledger::report::complaints(election.conn(), None)?;
    let overdue_now: Vec<u64> = all
        .iter()
        .filter(|c| c.overdue())
        .map(|c| c.index)
        .collect();
    if overdue_now != [overdue.0] {
        bail!(
            "the witnesses' checkpoints show complaints {overdue_now:?} overdue, where only {} was left",
            overdue.0
        );
    }
    Ok(Complaints {
        upheld,
        dismissed,
        overdue,
        without_effect,
        checkpoints,
    })
}
