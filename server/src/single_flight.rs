//! One piece of work per key at a time in this process: callers asking for a key whose work is
//! under way wait for that work and share its result instead of starting it again. The work
//! runs in a task of its own, so it finishes (and its result is stored by it) even when every
//! caller has gone; its key is released when it ends, however it ends.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};

use futures::future::{BoxFuture, FutureExt, Shared};

type Flight<T> = Shared<BoxFuture<'static, Option<T>>>;

pub struct SingleFlight<T: Clone> {
    in_flight: Mutex<HashMap<String, Flight<T>>>,
}

impl<T: Clone + Send + Sync + 'static> SingleFlight<T> {
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            in_flight: Mutex::new(HashMap::new()),
        })
    }

    /// The result of the work for `key`: the one under way, or else the one `start` makes.
    /// `None` when the work panicked.
    pub async fn run<F, Fut>(self: &Arc<Self>, key: &str, start: F) -> Option<T>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = T> + Send + 'static,
    {
        let (flight, spawn) = {
            let mut in_flight = self.lock();
            match in_flight.get(key) {
                Some(flight) => (flight.clone(), None),
                None => {
                    let release = Release {
                        owner: Arc::downgrade(self),
                        key: key.to_owned(),
                    };
                    let work = start();
                    // The result comes back on a channel: dropped unanswered (the work
                    // panicked, or shutdown cancelled it), the flight ends with `None`.
                    let (answer, answered) = tokio::sync::oneshot::channel();
                    let flight = async move { answered.await.ok() }.boxed().shared();
                    in_flight.insert(key.to_owned(), flight.clone());
                    let task = async move {
                        let _release = release;
                        let _ = answer.send(work.await);
                    };
                    (flight, Some(task))
                }
            }
        };
        // Spawned once the map is unlocked: a runtime that is shutting down drops the task
        // inside `spawn`, and its `release` locks the map (spawning under the lock deadlocked).
        if let Some(task) = spawn {
            tokio::spawn(task);
        }
        flight.await
    }

    /// How many keys have work under way.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Flight<T>>> {
        self.in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// Frees the key when the work's task ends: done, panicked or cancelled by shutdown.
struct Release<T: Clone> {
    owner: Weak<SingleFlight<T>>,
    key: String,
}

impl<T: Clone> Drop for Release<T> {
    fn drop(&mut self) {
        if let Some(owner) = self.owner.upgrade() {
            owner
                .in_flight
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .remove(&self.key);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn concurrent_callers_share_one_run_and_the_key_is_released() {
        let flights = SingleFlight::<u32>::new();
        let runs = Arc::new(AtomicUsize::new(0));
        let callers = (0..10).map(|_| {
            let flights = flights.clone();
            let runs = runs.clone();
            tokio::spawn(async move {
                flights
                    .run("k", || async move {
                        runs.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        42
                    })
                    .await
            })
        });
        for caller in futures::future::join_all(callers).await {
            assert_eq!(caller.unwrap(), Some(42));
        }
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        assert!(flights.is_empty());
    }

    #[tokio::test]
    async fn work_finishes_when_its_caller_gives_up() {
        let flights = SingleFlight::<u32>::new();
        let done = Arc::new(AtomicUsize::new(0));
        let seen = done.clone();
        let caller = flights.run("k", || async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            seen.fetch_add(1, Ordering::SeqCst);
            7
        });
        assert!(tokio::time::timeout(Duration::from_millis(5), caller)
            .await
            .is_err());
        tokio::time::sleep(Duration::from_millis(150)).await;
        assert_eq!(done.load(Ordering::SeqCst), 1);
        assert!(flights.is_empty());
    }

    #[tokio::test]
    async fn a_panicking_run_answers_none_and_frees_the_key() {
        let flights = SingleFlight::<u32>::new();
        let first = flights
            .run("k", || async {
                if flights_should_panic() {
                    panic!("provider blew up");
                }
                1
            })
            .await;
        assert_eq!(first, None);
        assert!(flights.is_empty());
        assert_eq!(flights.run("k", || async { 2 }).await, Some(2));
    }

    fn flights_should_panic() -> bool {
        true
    }

    /// A runtime shutting down drops every task spawned from then on inside `spawn` itself;
    /// work started at that moment once deadlocked on the map's lock (seen in the API suite).
    #[test]
    fn work_started_while_the_runtime_shuts_down_does_not_hang() {
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for _ in 0..200 {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .expect("runtime");
                let flights = SingleFlight::<u32>::new();
                for worker in 0..4 {
                    let flights = flights.clone();
                    runtime.spawn(async move {
                        for n in 0.. {
                            let key = format!("{worker}-{n}");
                            let _ = flights.run(&key, || async { 1 }).await;
                        }
                    });
                }
                std::thread::sleep(Duration::from_micros(300));
                drop(runtime);
            }
            let _ = done.send(());
        });
        assert!(
            finished.recv_timeout(Duration::from_secs(60)).is_ok(),
            "a runtime's shutdown hung"
        );
    }
}
