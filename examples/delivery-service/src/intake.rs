//! Group commit for posted events. Every post (`POST …/events`, each event of `POST …/events/batch`) is handed to
//! one intake task, which takes whatever is waiting when the database is free — up to [`MAX_EVENTS_PER_COMMIT`]
//! events — and stores it in one transaction ([`Store::enqueue_events`]); each post is answered after the commit
//! that holds it. Under load the posts that arrive while one commit runs make up the next, so the writes and the
//! commit (an `fsync` on Postgres, the writer turn on SQLite) are shared instead of paid per event; a lone post
//! waits for nobody.
//!
//! Nothing is answered before it is committed, so a process killed mid-commit loses no acknowledged event: those
//! posts get no answer and are sent again by their client (event ids make that idempotent).

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot, Notify};

use crate::model::{Enqueued, QueuedEvent};
use crate::store::Store;

/// Most events stored by one commit: a bigger group holds SQLite's writer turn (and the workers' claims) longer.
pub const MAX_EVENTS_PER_COMMIT: usize = 1_000;

/// Posts waiting for the intake task before new ones wait to be queued (backpressure on the API).
const WAITING_POSTS: usize = 4_096;

/// Why an intake failed: the database's error, shared by every post of the group that met it.
pub type IntakeError = Arc<sqlx::Error>;

/// One post's events and where its answer goes.
struct Post {
    events: Vec<QueuedEvent>,
    answer: oneshot::Sender<Result<Vec<Enqueued>, IntakeError>>,
}

/// The API's handle on the intake task.
#[derive(Clone)]
pub struct Intake {
    posts: mpsc::Sender<Post>,
}

impl Intake {
    /// Starts the intake task; it ends when the last handle is dropped. `wake` is notified after each commit that
    /// queued deliveries (this process's worker).
    pub fn start(store: Store, wake: Arc<Notify>) -> Self {
        let (posts, waiting) = mpsc::channel(WAITING_POSTS);
        tokio::spawn(run(store, wake, waiting));
        Self { posts }
    }

    /// Stores `events` (of one post) in the next group commit; answers one [`Enqueued`] per event, in order, after the
    /// commit.
    pub async fn submit(&self, events: Vec<QueuedEvent>) -> Result<Vec<Enqueued>, IntakeError> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let (answer, answered) = oneshot::channel();
        let closed = || Arc::new(sqlx::Error::PoolClosed);
        self.posts.send(Post { events, answer }).await.map_err(|_| closed())?;
        answered.await.map_err(|_| closed())?
    }
}

async fn run(store: Store, wake: Arc<Notify>, mut waiting: mpsc::Receiver<Post>) {
    let mut group: Vec<Post> = Vec::new();
    // A post that did not fit the last group starts the next one.
    let mut carried: Option<Post> = None;
    loop {
        match carried.take() {
            Some(post) => group.push(post),
            None => match waiting.recv().await {
                Some(post) => group.push(post),
                None => return,
            },
        }
        let mut events = group[0].events.len();
        while events < MAX_EVENTS_PER_COMMIT {
            let Ok(post) = waiting.try_recv() else { break };
            if events + post.events.len() > MAX_EVENTS_PER_COMMIT {
                carried = Some(post);
                break;
            }
            events += post.events.len();
            group.push(post);
        }
        commit(&store, &wake, std::mem::take(&mut group)).await;
    }
}

/// Stores a group in one transaction and answers its posts. When the group's transaction fails and it held
/// several posts, each is tried alone once, so one post the database refuses cannot fail the others.
async fn commit(store: &Store, wake: &Notify, group: Vec<Post>) {
    let events: Vec<QueuedEvent> = group.iter().flat_map(|post| post.events.iter().cloned()).collect();
    let answers = match store.enqueue_events(&events).await {
        Ok(answers) => answers,
        Err(error) if group.len() == 1 => {
            answer(group, Err(Arc::new(error)));
            return;
        }
        Err(error) => {
            tracing::warn!(%error, posts = group.len(), "a group of posted events failed; storing each post alone");
            for post in group {
                let result = store.enqueue_events(&post.events).await.map_err(Arc::new);
                if result.as_ref().is_ok_and(|answers| answers.iter().any(|done| done.queued > 0)) {
                    wake.notify_one();
                }
                let _ = post.answer.send(result);
            }
            return;
        }
    };
    if answers.iter().any(|done| done.queued > 0) {
        wake.notify_one();
    }
    answer(group, Ok(answers));
}

/// Hands each post its share of the group's answers (or the group's error).
fn answer(group: Vec<Post>, result: Result<Vec<Enqueued>, IntakeError>) {
    match result {
        Ok(answers) => {
            let mut answers = answers.into_iter();
            for post in group {
                let mine: Vec<Enqueued> = answers.by_ref().take(post.events.len()).collect();
                // A post whose client went away is not answered; what it posted is committed all the same.
                let _ = post.answer.send(Ok(mine));
            }
        }
        Err(error) => {
            for post in group {
                let _ = post.answer.send(Err(error.clone()));
            }
        }
    }
}
