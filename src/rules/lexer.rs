//! Tokens of the segment language.
