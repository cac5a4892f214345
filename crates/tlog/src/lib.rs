//! A C2SP transparency log with no knowledge of elections.
