use contactpoint_domain::{Child, Source};
use contactpoint_ingest::{FeedRecord, Importer, Registry};
use contactpoint_server::Settings;
use contactpoint_store::{DatabaseUrl, Postgres, Sqlite, Store, testing};
use tempfile::TempDir;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// A running server on a fresh database, on a free loopback port.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub backend: &'static str,
    shutdown: Option<oneshot::Sender<()>>,
    served: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] TempDir),
    Postgres { admin_url: String, url: DatabaseUrl },
}

impl TestApp {
    /// Stops the server and drops a PostgreSQL test database.
    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(served) = self.served.take() {
            let _ = served.await;
        }
        if let Cleanup::Postgres { admin_url, url } = &self.cleanup {
            testing::drop_postgres_database(admin_url, url)
                .await
                .unwrap();
        }
    }
}

async fn spawn_with<S: Store>(
    store: S,
    settings: Settings,
    backend: &'static str,
    cleanup: Cleanup,
) -> TestApp {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = oneshot::channel();
    let served = tokio::spawn(contactpoint_server::serve(
        store,
        settings,
        listener,
        async {
            let _ = rx.await;
        },
    ));
    TestApp {
        address,
        client: reqwest::Client::new(),
        backend,
        shutdown: Some(tx),
        served: Some(served),
        cleanup,
    }
}

/// The service on SQLite, and on PostgreSQL too when the tests have a
/// server (`CONTACTPOINT_TEST_POSTGRES_URL`): each test runs on every one.
pub async fn spawn_apps() -> Vec<TestApp> {
    spawn_apps_with(&[]).await
}

/// As [`spawn_apps`], each database holding `children`.
pub async fn spawn_apps_with(children: &[Child]) -> Vec<TestApp> {
    spawn_apps_seeded(children, &[]).await
}

/// As [`spawn_apps`], each database holding `children` and `sources`.
pub async fn spawn_apps_seeded(children: &[Child], sources: &[Source]) -> Vec<TestApp> {
    spawn_apps_configured(
        &Seed {
            children,
            sources,
            feed: &[],
        },
        Settings::default(),
    )
    .await
}

/// What a test's databases hold before the server starts.
#[derive(Default)]
pub struct Seed<'a> {
    pub children: &'a [Child],
    pub sources: &'a [Source],
    /// Records imported through the pipeline after the children and sources
    /// are stored, in one batch each, in order.
    pub feed: &'a [FeedRecord],
}

impl Seed<'_> {
    async fn store_in(&self, store: &impl Store) {
        store.insert_children(self.children).await.unwrap();
        for source in self.sources {
            store.add_source(source).await.unwrap();
        }
        let registry = Registry(self.sources.to_vec());
        let importer = Importer::new(store, &registry);
        for record in self.feed {
            importer
                .import(record.clone(), contactpoint_ingest::received_now())
                .await
                .unwrap();
        }
    }
}

/// As [`spawn_apps`], each database holding `seed`, served with `settings`.
pub async fn spawn_apps_configured(seed: &Seed<'_>, settings: Settings) -> Vec<TestApp> {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = Sqlite::open(&DatabaseUrl::sqlite_in(dir.path()))
        .await
        .unwrap();
    seed.store_in(&sqlite).await;
    let mut apps = vec![spawn_with(sqlite, settings, "sqlite", Cleanup::Sqlite(dir)).await];
    if let Some(admin_url) = testing::postgres_admin_url() {
        let url = testing::create_postgres_database(&admin_url).await.unwrap();
        let postgres = Postgres::connect(&url).await.unwrap();
        seed.store_in(&postgres).await;
        let cleanup = Cleanup::Postgres { admin_url, url };
        apps.push(spawn_with(postgres, settings, "postgres", cleanup).await);
    }
    apps
}

/// Children to search among: the fixture child (Amelia Okonkwo, born
/// 3 April 2019, LS6 2AB, once Amelia Smith at LS7 1QD), a shielded
/// copy under another name, and a few others.
pub fn children() -> Vec<Child> {
    use contactpoint_store::testing::fixtures::{child, person};
    let amelia = child(1);
    let mut shielded = child(2);
    shielded.name.value = person("Zara", "Quint");
    shielded.previous_names.clear();
    shielded.preferred_given_name = None;
    shielded.shield = Some(contactpoint_domain::Shield {
        since: time::macros::datetime!(2026-09-01 10:00 UTC),
        set_by: contactpoint_domain::Label::parse("Leeds local management team").unwrap(),
    });
    let mut others: Vec<Child> = (3..6).map(child).collect();
    for (other, (given, family)) in
        others
            .iter_mut()
            .zip([("George", "Brown"), ("Priya", "Shah"), ("Tom", "Reid")])
    {
        other.name.value = person(given, family);
        other.previous_names.clear();
        other.preferred_given_name = None;
    }
    let mut all = vec![amelia, shielded];
    all.extend(others);
    all
}
