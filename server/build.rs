//! Rebuilds the server when a migration is added or changed: `sqlx::migrate!` embeds the
//! migration folders at compile time, and cargo does not know to look at them otherwise.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
