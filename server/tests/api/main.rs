//! Widget and dashboard API integration tests: a real server on a real socket, a fresh database per test,
//! every case on SQLite and (when `TEST_DATABASE_URL` points at one) PostgreSQL.

mod helpers;
mod teammates;
mod voice;

mod abuse;
mod access;
mod ai_fallback;
mod assistants;
mod audit;
mod chat;
mod cli;
mod client_records;
mod clients;
mod contact;
mod dashboard;
mod email;
mod errors;
mod export;
mod identity;
mod intents_settings;
mod invitations;
mod odd_requests;
mod outbox;
mod pipeline;
mod proactive;
mod realtime;
mod routing;
mod safety_settings;
mod search;
mod seeding;
mod sms;
mod static_files;
mod streaming;
mod usage;
mod widget_settings;
mod workspaces;
