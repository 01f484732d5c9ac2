//! Per-workspace values built from settings that rarely change (the compiled safety lists, a
//! trained intent classifier, …), kept in memory instead of being read and rebuilt for every
//! message, and dropped the moment their settings change:
//!
//! - on this process, at once: every commit that records a `settings_changed` event bumps the
//!   store's settings epoch ([`Db::settings_epoch`]), and an entry from an older epoch is
//!   rebuilt (settings change rarely, so one change rebuilding every workspace's entry costs
//!   nothing worth counting);
//! - on every other instance, as soon as the event reaches it: each entry keeps a subscription
//!   to its workspace's live events ([`Hub`]), taken *before* the value is loaded, and drops the
//!   entry on a `settings_changed` event of its areas (or when it fell behind and can't tell).

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use shared::dashboard::{DashboardEvent, SettingsArea};
use tokio::sync::broadcast::error::RecvError;

use crate::db::Db;
use crate::realtime::{FeedItem, Hub};

struct Entry<V> {
    value: Arc<V>,
    epoch: u64,
    /// Tells this entry apart from a newer one for the same workspace.
    generation: u64,
}

/// A cache of `V` per workspace, invalidated by changes to `areas`.
pub struct SettingsCache<V> {
    db: Db,
    hub: Arc<Hub>,
    areas: &'static [SettingsArea],
    entries: Arc<Mutex<HashMap<String, Entry<V>>>>,
    generations: std::sync::atomic::AtomicU64,
}

impl<V: Send + Sync + 'static> SettingsCache<V> {
    pub fn new(db: Db, hub: Arc<Hub>, areas: &'static [SettingsArea]) -> Self {
        Self {
            db,
            hub,
            areas,
            entries: Arc::new(Mutex::new(HashMap::new())),
            generations: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// The workspace's value if it is loaded and current, without loading it.
    pub fn peek(&self, tenant_id: &str) -> Option<Arc<V>> {
        let epoch = self.db.settings_epoch();
        self.lock()
            .get(tenant_id)
            .filter(|entry| entry.epoch == epoch)
            .map(|entry| entry.value.clone())
    }

    /// The workspace's value, loaded with `load` when there is none or it is stale.
    pub async fn get<E, F, Fut>(&self, tenant_id: &str, load: F) -> Result<Arc<V>, E>
    where
        E: From<sqlx::Error>,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, E>>,
    {
        let epoch = self.db.settings_epoch();
        if let Some(entry) = self.lock().get(tenant_id) {
            if entry.epoch == epoch {
                return Ok(entry.value.clone());
            }
        }
        // Listen first: a change committed from here on reaches the watcher, one committed
        // before is in what `load` reads.
        let mut subscription = self.hub.watch_settings(tenant_id).await?;
        let value = Arc::new(load().await?);
        let generation = self
            .generations
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.lock().insert(
            tenant_id.to_owned(),
            Entry {
                value: value.clone(),
                epoch,
                generation,
            },
        );
        let (entries, areas, tenant) = (self.entries.clone(), self.areas, tenant_id.to_owned());
        tokio::spawn(async move {
            loop {
                match subscription.rx.recv().await {
                    Ok(FeedItem::Event(event)) => {
                        if let DashboardEvent::SettingsChanged { area } = &event.envelope.event {
                            if areas.contains(area) {
                                break;
                            }
                        }
                    }
                    Ok(FeedItem::Typing(_) | FeedItem::Draft(_)) => {}
                    // Fell behind (it may have missed a change) or the hub is gone.
                    Err(RecvError::Lagged(_) | RecvError::Closed) => break,
                }
                let current = entries
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .get(&tenant)
                    .is_some_and(|e| e.generation == generation);
                if !current {
                    // A newer entry watches for itself.
                    return;
                }
            }
            let mut entries = entries.lock().unwrap_or_else(PoisonError::into_inner);
            if entries
                .get(&tenant)
                .is_some_and(|e| e.generation == generation)
            {
                entries.remove(&tenant);
            }
        });
        Ok(value)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry<V>>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use shared::dashboard::{DashboardEvent, SettingsArea};

    use super::*;
    use crate::tenants::{self, NewTenant};

    async fn store() -> (tempfile::TempDir, Db, Arc<Hub>, String) {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}/cache.db", dir.path().display());
        let db = Db::connect(&url, 2).await.expect("store");
        let hub = Hub::start(&db, &url);
        let tenant = tenants::create_tenant(
            &db,
            &NewTenant {
                id: None,
                name: "Cache".into(),
                company_name: "Cache Co".into(),
                primary_color: "#123456".into(),
                allowed_origins: vec![],
            },
        )
        .await
        .expect("tenant");
        (dir, db, hub, tenant.id)
    }

    async fn record(db: &Db, tenant: &str, event: &DashboardEvent) {
        let mut tx = db.begin_write().await.expect("tx");
        tx.record_event(tenant, None, event).await.expect("event");
        tx.commit().await.expect("commit");
    }

    #[tokio::test]
    async fn a_value_is_loaded_once_until_its_settings_change() {
        let (_dir, db, hub, tenant) = store().await;
        let cache = SettingsCache::<usize>::new(db.clone(), hub, &[SettingsArea::Safety]);
        let loads = AtomicUsize::new(0);
        let get = || {
            cache.get(&tenant, || async {
                Ok::<_, sqlx::Error>(loads.fetch_add(1, Ordering::SeqCst))
            })
        };
        assert_eq!(*get().await.unwrap(), 0);
        assert_eq!(*get().await.unwrap(), 0);
        assert_eq!(loads.load(Ordering::SeqCst), 1);

        // Other events leave it alone (a message, another area, once the watcher saw them).
        let other_area = DashboardEvent::SettingsChanged {
            area: SettingsArea::Widget,
        };
        // (A settings event of any area bumps the epoch: this process reloads, once.)
        record(&db, &tenant, &other_area).await;
        assert_eq!(*get().await.unwrap(), 1);
        assert_eq!(*get().await.unwrap(), 1);

        // Its own area: reloaded at once, without waiting for the watcher.
        let safety = DashboardEvent::SettingsChanged {
            area: SettingsArea::Safety,
        };
        record(&db, &tenant, &safety).await;
        assert_eq!(*get().await.unwrap(), 2);
        assert_eq!(loads.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn the_watcher_drops_a_value_whose_settings_changed_elsewhere() {
        let (_dir, db, hub, tenant) = store().await;
        let cache = SettingsCache::<u8>::new(db.clone(), hub, &[SettingsArea::Safety]);
        cache
            .get(&tenant, || async { Ok::<_, sqlx::Error>(1) })
            .await
            .unwrap();
        // As another instance would: the event is in the log, this process's epoch unchanged.
        let event = DashboardEvent::SettingsChanged {
            area: SettingsArea::Safety,
        };
        let mut conn = db.pool.acquire().await.unwrap();
        crate::events::append(&mut conn, db.backend, &tenant, None, (&event).into())
            .await
            .unwrap();
        drop(conn);
        hub_wake(&cache, &tenant).await;
        for _ in 0..100 {
            if !cache.lock().contains_key(&tenant) {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("the entry outlived a change of its settings");
    }

    fn delivery(n: usize) -> DashboardEvent {
        DashboardEvent::MessageDelivery {
            conversation_id: "conv".into(),
            message_id: format!("msg{n}"),
            delivery: shared::dashboard::MessageDelivery {
                status: shared::dashboard::DeliveryStatus::Sent,
                error: None,
            },
        }
    }

    async fn next_event(rx: &mut tokio::sync::broadcast::Receiver<FeedItem>) -> DashboardEvent {
        let item = tokio::time::timeout(std::time::Duration::from_secs(5), rx.recv())
            .await
            .expect("an event in time")
            .expect("the feed");
        match item {
            FeedItem::Event(event) => event.envelope.event.clone(),
            _ => panic!("an event"),
        }
    }

    #[tokio::test]
    async fn a_feed_only_watchers_hear_skips_this_process_commits_until_a_dashboard_listens() {
        let (_dir, db, hub, tenant) = store().await;
        let mut watcher = hub.watch_settings(&tenant).await.unwrap();
        // This process's commits: the settings epoch covers them, the feed reads nothing.
        record(&db, &tenant, &delivery(1)).await;
        record(
            &db,
            &tenant,
            &DashboardEvent::SettingsChanged {
                area: SettingsArea::Safety,
            },
        )
        .await;
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        assert!(
            matches!(
                watcher.rx.try_recv(),
                Err(tokio::sync::broadcast::error::TryRecvError::Empty)
            ),
            "a watched-only feed read the store after a local commit"
        );

        // Another instance's settings change (its notification wakes the feed): settings
        // changes reach the watcher (this process's own too, harmlessly), no other event.
        let elsewhere = DashboardEvent::SettingsChanged {
            area: SettingsArea::Widget,
        };
        let mut conn = db.pool.acquire().await.unwrap();
        crate::events::append(&mut conn, db.backend, &tenant, None, (&delivery(2)).into())
            .await
            .unwrap();
        crate::events::append(&mut conn, db.backend, &tenant, None, (&elsewhere).into())
            .await
            .unwrap();
        drop(conn);
        hub.wake(&tenant).await;
        loop {
            match next_event(&mut watcher.rx).await {
                DashboardEvent::SettingsChanged {
                    area: SettingsArea::Widget,
                } => break,
                DashboardEvent::SettingsChanged { .. } => {}
                other => panic!("a watched-only feed delivered {other:?}"),
            }
        }

        // A dashboard listens: from now on every local commit reaches both, in full.
        let mut dashboard = hub.subscribe(&tenant).await.unwrap();
        record(&db, &tenant, &delivery(3)).await;
        for rx in [&mut dashboard.rx, &mut watcher.rx] {
            let heard = next_event(rx).await;
            assert!(
                matches!(&heard, DashboardEvent::MessageDelivery { message_id, .. } if message_id == "msg3"),
                "{heard:?}"
            );
        }

        // Gone again: local commits are skipped again.
        drop(dashboard);
        record(&db, &tenant, &delivery(4)).await;
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        assert!(matches!(
            watcher.rx.try_recv(),
            Err(tokio::sync::broadcast::error::TryRecvError::Empty)
        ));
    }

    async fn hub_wake<V: Send + Sync + 'static>(cache: &SettingsCache<V>, tenant: &str) {
        cache.hub.wake(tenant).await;
    }
}
