use server::cli;
use server::config::Config;
use server::startup::Application;
use server::telemetry;

/// glibc's malloc keeps freed blocks of a few MiB in per-thread arenas for good (its mmap
/// threshold rises to the largest block freed), so a burst of requests left the process tens to
/// hundreds of MiB larger for ever; mimalloc hands freed memory back to the OS.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::from_env()?;
    telemetry::init(config.log_json);
    let args: Vec<String> = std::env::args().skip(1).collect();
    if !args.is_empty() {
        return cli::run(config, &args).await;
    }
    tracing::info!(?config, "starting");
    let app = Application::build(config).await?;
    println!("Live chat API:   {}", app.api_url());
    println!("Dashboard:       {}/", app.api_url());
    if let Some((email, password)) = app.demo_login() {
        println!("  sign in as     {email} / {password}");
    }
    if let Some(demo) = app.demo_url() {
        println!("Demo host page:  {demo}   (embeds the widget from the API's origin)");
    }
    app.run_until_stopped(shutdown_signal()).await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutting down");
}
