//! The live chat server: widget API, AI replies, storage. `main.rs` only reads config and calls
//! [`startup::Application`].

pub mod accounts;
pub mod ai;
pub mod assets;
pub mod assistants;
pub mod audit;
pub mod cli;
pub mod client_addr;
pub mod clients;
pub mod config;
pub mod conversations;
pub mod csv_out;
pub mod dashboard_api;
pub mod db;
pub mod error;
pub mod events;
pub mod export;
pub mod identity;
pub mod inbox;
pub mod origins;
pub mod ratelimit;
pub mod realtime;
pub mod request_guard;
pub mod routing;
pub mod search;
pub mod security_headers;
pub mod seed;
pub mod single_flight;
pub mod startup;
pub mod state;
pub mod teammates;
pub mod telemetry;
pub mod tenants;
pub mod widget_api;
pub mod widget_tokens;
pub mod workspaces;
