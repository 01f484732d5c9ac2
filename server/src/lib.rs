//! The live chat server: widget API, AI replies, storage. `main.rs` only reads config and calls
//! [`startup::Application`].

pub mod ai;
pub mod assets;
pub mod assistants;
pub mod config;
pub mod contacts;
pub mod conversations;
pub mod db;
pub mod error;
pub mod events;
pub mod inbox;
pub mod ratelimit;
pub mod seed;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod tenants;
pub mod widget_api;
