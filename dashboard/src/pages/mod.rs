//! One page per file.

pub mod inbox;
pub mod login;
pub mod settings;
