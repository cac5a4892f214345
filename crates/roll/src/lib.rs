//! The voter roll: name normalisation (Khmer and Latin), record linkage and deduplication,
//! the fuzzy "find my name" index and roll diffs.
//!
//! Built so far: [`name`], the normal forms and matching keys of names in Khmer script,
//! romanised Khmer and Latin names in general, and a person's family and given names kept
//! apart; [`dedup`], Fellegi–Sunter deduplication with EM, term frequencies and clusters;
//! [`index`], the fuzzy "find my name" index over a roll; [`diff`], what changed between two
//! points of a roll, by area, with the areas whose removal rate stands far above the rest
//! flagged; [`render`], the text of the index's answers and of a diff.
//!
//! It is a library of pure functions over records: it never knows about HTTP, the log or the
//! command line.

pub mod dedup;
pub mod diff;
pub mod index;
pub mod name;
pub mod render;
