//! One page per file.

pub mod client;
pub mod inbox;
pub mod invitation;
pub mod login;
pub mod password_reset;
pub mod settings;
pub mod setup;
