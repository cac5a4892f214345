//! One error type for every review. Most refusals are about the review's parameters, so they
//! say which parameter ([`Param`]); a front end names it its own way (a flag, a form field).

use std::fmt;

use serde::Serialize;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A parameter of a review, as a front end may name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Param {
    Method,
    Contest,
    Area,
    Level,
    Winners,
    RiskLimit,
    Seed,
    Salt,
    Commitment,
    Audit,
    First,
    Count,
    Draws,
    Take,
    Round,
    Source,
    MarginOfError,
    Turnout,
    Confidence,
    ExpectedShare,
    EscalateAfter,
    From,
    Record,
    /// A voter-list audit's test.
    Test,
    /// What a list audit's cluster is.
    Cluster,
    Clusters,
    PerCluster,
    FromSize,
    ToSize,
    /// A station's code.
    Station,
    /// An observer's key name.
    Observer,
}

impl Param {
    /// The parameter in words, for messages that name no front end.
    pub fn name(self) -> &'static str {
        match self {
            Param::Method => "the method",
            Param::Contest => "the contest",
            Param::Area => "the area",
            Param::Level => "the strata level",
            Param::Winners => "the number of winners",
            Param::RiskLimit => "the risk limit",
            Param::Seed => "the seed",
            Param::Salt => "the salt",
            Param::Commitment => "the commitment",
            Param::Audit => "the audit",
            Param::First => "the first draw",
            Param::Count => "the number of draws",
            Param::Draws => "the draws made",
            Param::Take => "the number of stations",
            Param::Round => "the round",
            Param::Source => "the source",
            Param::MarginOfError => "the margin of error",
            Param::Turnout => "the turnout",
            Param::Confidence => "the confidence level",
            Param::ExpectedShare => "the expected share",
            Param::EscalateAfter => "the escalation limit",
            Param::From => "the mapping's source",
            Param::Record => "the election to record in",
            Param::Test => "the list audit's test",
            Param::Cluster => "what a cluster is",
            Param::Clusters => "the number of clusters",
            Param::PerCluster => "the number drawn per cluster",
            Param::FromSize => "the first log size",
            Param::ToSize => "the second log size",
            Param::Station => "the station",
            Param::Observer => "the observer",
        }
    }
}

/// A parameter whose committed value differs from the one given.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Differs {
    pub param: Param,
    pub committed: String,
    pub given: String,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A parameter does not fit the election. `text` holds `{}` where the parameter's name
    /// goes: "{} 0 must be between 0 and 1".
    #[error("{}", .text.replacen("{}", .param.name(), 1))]
    Param { param: Param, text: String },
    /// The parameters differ from those the audit committed to before its seed was revealed.
    #[error("{}", committed_text(.audit, .differs, &|p: Param| p.name().to_string(), &.plan.to_string()))]
    Committed {
        audit: String,
        differs: Vec<Differs>,
        plan: Box<ledger::event::DrawPlan>,
    },
    /// The review cannot be done as asked, or the election does not allow it.
    #[error("{0}")]
    Refused(String),
    /// An input file is wrong; the message names the file, the line and the column.
    #[error(transparent)]
    File(#[from] interchange::Error),
    /// The election's state cannot be read.
    #[error("reading the election's state: {0}")]
    State(String),
    /// A statistic refused its input.
    #[error(transparent)]
    Stats(#[from] stats::StatsError),
    /// Recording an audit's sample in the log failed.
    #[error("{0}")]
    Record(String),
    /// Building or reading a roll's name index failed; the message names the file.
    #[error(transparent)]
    Index(#[from] roll::index::Error),
    /// A question about the state could not be answered, in `ledger::report`'s words.
    #[error(transparent)]
    Report(#[from] ledger::report::Error),
}

impl Error {
    pub(crate) fn param(param: Param, text: impl Into<String>) -> Error {
        Error::Param {
            param,
            text: text.into(),
        }
    }

    /// The message with each parameter named by `name` (a front end's own words for it).
    pub fn render(&self, name: &dyn Fn(Param) -> String) -> String {
        match self {
            Error::Param { param, text } => text.replacen("{}", &name(*param), 1),
            Error::Committed {
                audit,
                differs,
                plan,
            } => committed_text(audit, differs, name, &plan.to_string()),
            other => other.to_string(),
        }
    }
}

fn committed_text(
    audit: &str,
    differs: &[Differs],
    name: &dyn Fn(Param) -> String,
    plan: &str,
) -> String {
    let list: Vec<String> = differs
        .iter()
        .map(|d| format!("{} {} (not {})", name(d.param), d.committed, d.given))
        .collect();
    format!(
        "audit {audit:?} was committed to draw with {}: the parameters fixed before the seed was \
         revealed cannot change. The committed draw: {plan}",
        list.join(", ")
    )
}

pub(crate) fn state<T, E: fmt::Display>(r: std::result::Result<T, E>) -> Result<T> {
    r.map_err(|e| Error::State(e.to_string()))
}

macro_rules! refuse {
    ($($arg:tt)*) => {
        return Err($crate::Error::Refused(format!($($arg)*)))
    };
}
pub(crate) use refuse;
