//! The one error type of the crate: every bad input becomes one of these values, never a panic.

/// What went wrong, in terms a person running an audit or a PVT can act on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum StatsError {
    /// An estimator or a test was given no observations.
    #[error("the sample is empty: {what}")]
    EmptySample { what: &'static str },

    /// The sampler was given no ids at all.
    #[error("there are no ids to sample from")]
    NoIds,

    /// The same id was listed twice; consistent_sampler requires distinct ids.
    #[error("id {id:?} is listed more than once; every id must be distinct")]
    DuplicateId { id: String },

    /// Sampling without replacement cannot return more ids than exist.
    #[error("cannot draw {wanted} ids without replacement from {available} ids")]
    TakeExceedsIds { wanted: usize, available: usize },

    /// The audit seed is not a string of dice rolls.
    #[error("invalid audit seed: {reason}")]
    InvalidSeed { reason: String },

    /// A ticket number is not of the form `0.ddd…`.
    #[error("malformed ticket number {ticket:?}: expected \"0.\" followed by decimal digits")]
    MalformedTicket { ticket: String },

    /// A count could not be read as a non-negative whole number.
    #[error("malformed number {text:?}: {reason}")]
    MalformedNumber { text: String, reason: &'static str },

    /// A parameter is outside the range where the method is defined.
    #[error("{name} is {value}, but it must be {expected}")]
    OutOfRange {
        name: &'static str,
        value: f64,
        expected: &'static str,
    },

    /// A contest was described inconsistently (no choices, too many winners, …).
    #[error("invalid contest: {reason}")]
    InvalidContest { reason: String },

    /// The reported margin between a winner and a loser is zero: no audit can confirm a tie.
    #[error(
        "the reported margin between {winner:?} and {loser:?} is zero; \
         a tie can only be settled by a full hand count"
    )]
    ZeroMargin { winner: String, loser: String },

    /// A station's row does not have one figure per choice.
    #[error("station {station:?} has {got} vote figures, but the contest has {expected} choices")]
    ChoiceCountMismatch {
        station: String,
        expected: usize,
        got: usize,
    },

    /// A station named in a sample or recount is not among the reported stations.
    #[error("station {station:?} is not among the reported stations")]
    UnknownStation { station: String },

    /// A choice named in a sample is not on the contest's list of choices.
    #[error("choice {choice:?} is not one of the contest's choices")]
    UnknownChoice { choice: String },

    /// A station was drawn for the audit but its hand recount is not given.
    #[error("station {station:?} was drawn for the audit but has no recount")]
    MissingRecount { station: String },

    /// A station was listed twice where each must appear once.
    #[error("station {station:?} is listed more than once")]
    DuplicateStation { station: String },

    /// A stratum has too few reporting stations to estimate its variance.
    #[error(
        "stratum {stratum:?} has {reporting} reporting stations; \
         at least 2 are needed to estimate its sampling variance"
    )]
    TooFewStations { stratum: String, reporting: usize },

    /// A seat allocation tie that the chosen tie rule leaves open.
    #[error("seat {seat} is tied between {parties:?} and the tie rule cannot break it")]
    UnresolvedTie { seat: u32, parties: Vec<String> },
}

/// Reads a non-negative whole number such as a vote count, rejecting signs, decimals and blanks.
///
/// Callers add the file, line and column; this only says what is wrong with the text.
pub fn parse_count(text: &str) -> Result<u64, StatsError> {
    let t = text.trim();
    let malformed = |reason| StatsError::MalformedNumber {
        text: text.to_string(),
        reason,
    };
    if t.is_empty() {
        return Err(malformed("it is empty"));
    }
    if !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed("a count must be a whole number of digits 0-9"));
    }
    t.parse::<u64>()
        .map_err(|_| malformed("it is too large to be a count"))
}

pub(crate) fn check_probability(
    name: &'static str,
    value: f64,
    open: bool,
) -> Result<(), StatsError> {
    let ok = if open {
        value > 0.0 && value < 1.0
    } else {
        (0.0..=1.0).contains(&value)
    };
    if ok {
        Ok(())
    } else {
        Err(StatsError::OutOfRange {
            name,
            value,
            expected: if open {
                "strictly between 0 and 1"
            } else {
                "between 0 and 1"
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_parse_or_explain() {
        assert_eq!(parse_count(" 42 "), Ok(42));
        assert_eq!(parse_count("0"), Ok(0));
        for bad in ["", "-1", "1.5", "12a", "1e3", "99999999999999999999999"] {
            let err = parse_count(bad).unwrap_err();
            assert!(matches!(err, StatsError::MalformedNumber { .. }), "{bad}");
            assert!(err.to_string().contains(&format!("{bad:?}")));
        }
    }
}
