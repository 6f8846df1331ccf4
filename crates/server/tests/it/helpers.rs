use contactpoint_store::{DatabaseUrl, Sqlite};
use tempfile::TempDir;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// A running server on a fresh SQLite database, on a free loopback port.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    _shutdown: oneshot::Sender<()>,
    _dir: TempDir,
}

pub async fn spawn_app() -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let store = Sqlite::open(&DatabaseUrl::sqlite_in(dir.path()))
        .await
        .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = oneshot::channel();
    tokio::spawn(contactpoint_server::serve(store, listener, async {
        let _ = rx.await;
    }));
    TestApp {
        address,
        client: reqwest::Client::new(),
        _shutdown: tx,
        _dir: dir,
    }
}
