use std::net::SocketAddr;

use anyhow::Context;
use contactpoint_server::Settings;
use contactpoint_store::Store;
use tokio::net::TcpListener;

use crate::database::{Database, DatabaseArgs, with_store};

#[derive(clap::Args)]
pub struct Args {
    /// Address and port to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
}

pub async fn run(database: &DatabaseArgs, args: Args) -> anyhow::Result<()> {
    let database = Database::open(&database.url()?).await?;
    // The review queue waits for sign-in: `serve` never turns it on.
    let settings = Settings::default();
    with_store!(database, |store| serve(store, args.listen, None, settings)
        .await)
}

/// Serves until Ctrl+C, printing where.
pub async fn serve<S: Store>(
    store: S,
    listen: SocketAddr,
    children: Option<u64>,
    settings: Settings,
) -> anyhow::Result<()> {
    // Children an interrupted bulk load stored must be found like any other.
    store
        .index_held_keys()
        .await
        .context("indexing children left by an interrupted load failed")?;
    // While the server starts answering, the search tables are read into
    // memory, so that searches soon stop waiting on the disk.
    let warming = store.clone();
    tokio::spawn(async move {
        let started = std::time::Instant::now();
        match warming.warm_search().await {
            Ok(bytes) => tracing::info!(
                mib = bytes / 1_048_576,
                seconds = started.elapsed().as_secs_f64(),
                "search tables read into memory"
            ),
            Err(error) => tracing::warn!(
                %error,
                "reading the search tables into memory failed; searches will read them from disk"
            ),
        }
    });
    let listener = TcpListener::bind(listen).await.with_context(|| {
        format!(
            "cannot listen on {listen}: is another service using it? Choose another with --listen"
        )
    })?;
    let address = listener
        .local_addr()
        .context("cannot read the listening address")?;
    // The "running at" line comes last: scripts and tests read up to it.
    if settings.review_queue {
        println!(
            "The review queue is at http://{address}/reviews and merges at http://{address}/merges \
             (no sign-in yet: demo only)."
        );
    }
    match children {
        Some(n) => println!(
            "ContactPoint is running at http://{address}/ with {n} children. Press Ctrl+C to stop."
        ),
        None => println!("ContactPoint is running at http://{address}/. Press Ctrl+C to stop."),
    }
    tracing::info!(%address, "listening");
    contactpoint_server::serve(store, settings, listener, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
    .context("the server stopped with an error")
}
