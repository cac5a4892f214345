//! The voter roll: name normalisation (Khmer and Latin), record linkage and deduplication,
//! the fuzzy "find my name" index and roll diffs.
//!
//! Not yet built. It will never know about HTTP.
