//! The queue: events stored and fanned out to deliveries, claims with leases and pacing, due times, lease renewal
//! and hand-back. The worker decides; these are its statements.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use dropship_webhooks::delivery::RateLimit;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{Backend, Store};
use crate::model::{new_id, Claim, ClaimRules, Enqueued, NewEvent, QueuedEvent, Trigger};
use crate::rules::{paced_starts, ACTIVE_ENDPOINT_SQL};

/// Deliveries inserted by one statement when events fan out (nine parameters each, well under both databases'
/// parameter limits).
const FAN_OUT_ROWS_PER_STATEMENT: usize = 500;

/// The Postgres channel on which due work is announced ([`Store::announce_due`]).
pub const DUE_CHANNEL: &str = "dropship_delivery_due";

/// Least time between two announcements of one process ([`Store::announce_due`]).
pub const ANNOUNCE_SPACING: Duration = Duration::from_millis(2);

/// Coalesces a process's announcements of due work ([`Store::announce_due`]).
#[derive(Debug, Default)]
pub(crate) struct Announcer {
    /// Work became due since the last `NOTIFY` was sent.
    requested: AtomicBool,
    /// A task is sending them.
    running: AtomicBool,
}

/// Events inserted by one statement (five parameters each).
const EVENT_ROWS_PER_STATEMENT: usize = 500;

impl Store {
    /// Stores an event and queues one delivery per endpoint, due at once, marked with `trigger` (`scheduled`, or
    /// `test` for a test event). Re-posting an event id in the same account queues nothing new; returns whether
    /// the event was new and how many deliveries were queued. One event of [`Store::enqueue_events`].
    pub async fn enqueue_event(
        &self,
        event: &NewEvent<'_>,
        endpoint_ids: &[String],
        trigger: Trigger,
        now: i64,
    ) -> Result<(bool, usize), sqlx::Error> {
        let queued = QueuedEvent {
            account_id: event.account_id.to_owned(),
            id: event.id.to_owned(),
            topic: event.topic.to_owned(),
            body: event.body.to_owned(),
            targets: endpoint_ids.to_vec(),
            trigger,
            at: now,
        };
        let [done] = self.enqueue_events(std::slice::from_ref(&queued)).await?[..] else {
            unreachable!("one event in, one answer out")
        };
        Ok((done.created, done.queued))
    }

    /// Stores events and queues one delivery per target endpoint of each, due at its `at`, in one transaction: the
    /// group commit of [`crate::intake`], so events posted at once share their writes (a few statements for the
    /// whole group, one commit). An event id already in its account — stored before, or earlier in `events` —
    /// queues nothing (`created: false`). Answers one [`Enqueued`] per event, in order. The endpoints are marked
    /// due (and other processes woken, on Postgres) after the commit.
    pub async fn enqueue_events(&self, events: &[QueuedEvent]) -> Result<Vec<Enqueued>, sqlx::Error> {
        let mut tx = self.write_tx().await?;
        let mut stored: HashSet<(String, String)> = HashSet::with_capacity(events.len());
        for chunk in events.chunks(EVENT_ROWS_PER_STATEMENT) {
            let mut params = self.params();
            let statement = format!(
                "INSERT INTO events (account_id, id, topic, body, created_at) VALUES {}
                 ON CONFLICT (account_id, id) DO NOTHING RETURNING account_id, id",
                params.rows(chunk.len(), 5)
            );
            let mut insert = sqlx::query(&statement);
            for event in chunk {
                insert =
                    insert.bind(&event.account_id).bind(&event.id).bind(&event.topic).bind(&event.body).bind(event.at);
            }
            for row in insert.fetch_all(&mut *tx).await? {
                stored.insert((row.try_get("account_id")?, row.try_get("id")?));
            }
        }
        // The first of each stored id made it; any later one in the group is a re-post.
        let mut answers = Vec::with_capacity(events.len());
        let mut rows: Vec<(&QueuedEvent, &str)> = Vec::new();
        for event in events {
            let created = stored.remove(&(event.account_id.clone(), event.id.clone()));
            let mut targets: Vec<&str> = event.targets.iter().map(String::as_str).collect();
            targets.sort_unstable();
            targets.dedup();
            if created {
                rows.extend(targets.iter().map(|target| (event, *target)));
            }
            answers.push(Enqueued { created, queued: if created { targets.len() } else { 0 } });
        }
        // Many rows per statement: an event fanned out to thousands of endpoints, or a thousand events, is a few
        // round trips.
        for chunk in rows.chunks(FAN_OUT_ROWS_PER_STATEMENT) {
            let mut params = self.params();
            let values: Vec<String> = (0..chunk.len())
                .map(|_| {
                    let [id, account, event, endpoint, topic] = [(); 5].map(|()| params.one());
                    // Allocated in the order they appear: SQLite binds `?` by position in the text.
                    let [next, trigger, created, updated] = [(); 4].map(|()| params.one());
                    format!(
                        "({id}, {account}, {event}, {endpoint}, {topic}, 'pending', 0, {next}, 0, {trigger}, \
                         {created}, {updated})"
                    )
                })
                .collect();
            let statement = format!(
                "INSERT INTO deliveries (id, account_id, event_id, endpoint_id, topic, status, attempts,
                 next_attempt_at, claims, trigger_kind, created_at, updated_at) VALUES {}
                 ON CONFLICT (event_id, endpoint_id) DO NOTHING",
                values.join(", ")
            );
            let mut insert = sqlx::query(&statement);
            for (event, endpoint_id) in chunk {
                insert = insert
                    .bind(new_id("dlv"))
                    .bind(&event.account_id)
                    .bind(&event.id)
                    .bind(*endpoint_id)
                    .bind(&event.topic)
                    .bind(event.at)
                    .bind(event.trigger.name())
                    .bind(event.at)
                    .bind(event.at);
            }
            insert.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        if let Some(earliest) = rows.iter().map(|(event, _)| event.at).min() {
            let endpoints: Vec<&str> = rows.iter().map(|(_, endpoint)| *endpoint).collect();
            self.mark_due(&endpoints, earliest).await;
            self.announce_due();
        }
        Ok(answers)
    }

    /// Claims due deliveries (by the service clock's `now`) of active endpoints for `owner`, leased for
    /// `rules.lease_ms` of the database's clock, fairly and within every endpoint's limits, shared by all workers.
    ///
    /// An endpoint is a candidate while its `due_at` has come (set when deliveries are queued or retried, and
    /// recomputed here from its oldest claimable row); candidates take turns, least recently served first, each up
    /// to an even share of the batch, so one endpoint's backlog never fills a batch while another's deliveries
    /// wait. An endpoint with a burst limit gets no more rows than it has free slots (rows leased now are in
    /// flight, whichever worker holds them); one with a rate limit no more than its rate allows within
    /// `rules.max_pacing_ms`, each with the time its request may start, and is not due again before its pace
    /// allows. The limits' state lives on the endpoint's row and moves in the same transaction (locked on Postgres,
    /// so workers take turns per endpoint).
    ///
    /// Each claim counts as an attempt, so a message that kills its worker every time still runs out of retries.
    pub async fn claim(&self, owner: &str, now: i64, rules: ClaimRules) -> Result<Vec<Claim>, sqlx::Error> {
        let postgres = self.backend == Backend::Postgres;
        // SQLite: take the write lock at once, so this transaction never has to upgrade a read lock (which fails
        // at once, not after the busy timeout, when another connection wrote in between).
        let mut tx = self.write_tx().await?;
        // `NO KEY UPDATE`: the rows' keys stay, so enqueues' and attempts' foreign-key checks (key-share locks) do
        // not make a claim pass rows by. Every lock a claim takes skips what is locked, and its writes touch only
        // rows it locked, so a claim never waits for a lock and is never part of a deadlock.
        let skip_locked = if postgres { "FOR NO KEY UPDATE SKIP LOCKED" } else { "" };
        let database_now = self.database_now();
        // Each endpoint is claimed by one worker at a time: its row is locked (Postgres; another worker's claim
        // passes it by this time), so its limits' state and due time move in step with its rows.
        let candidates = sqlx::query(&format!(
            "SELECT id, rate_limit, burst_limit, rate_tat_us, {database_now} AS database_now FROM endpoints
             WHERE due_at <= $1 AND {ACTIVE_ENDPOINT_SQL} AND (slowed_until IS NULL OR slowed_until <= $1)
             ORDER BY served_at, id LIMIT $2 {skip_locked}"
        ))
        .bind(now)
        .bind(rules.limit)
        .fetch_all(&mut *tx)
        .await?;
        let claimable =
            "d.endpoint_id = $6 AND d.status = 'pending' AND (d.lease_until IS NULL OR d.lease_until <= $3)";
        let claim = format!(
            "UPDATE deliveries SET attempts = attempts + 1, claims = claims + 1, lease_owner = $1,
             lease_until = $3 + $4, updated_at = $2
             WHERE id IN (SELECT d.id FROM deliveries d WHERE {claimable} AND d.next_attempt_at <= $2
               ORDER BY d.next_attempt_at, d.id LIMIT $5 {skip_locked})
             RETURNING id, account_id, event_id, endpoint_id, topic, attempts, claims, trigger_kind, single_attempt,
             created_at"
        );
        // After its turn: served now; due next at its oldest claimable row once none is left due (and not before
        // its rate lets the next request into the pacing window), else still due.
        let served = "UPDATE endpoints SET rate_tat_us = $2, served_at = $3, due_at = CASE WHEN $4 = 0 THEN due_at
             ELSE (SELECT CASE WHEN MIN(d.next_attempt_at) < $5 THEN $5 ELSE MIN(d.next_attempt_at) END
                   FROM deliveries d WHERE d.endpoint_id = $1 AND d.status = 'pending'
                   AND (d.lease_until IS NULL OR d.lease_until <= $3)) END
             WHERE id = $1 RETURNING due_at";
        // Endpoints this claim left idle or deferred past their pace (Postgres): looked at again after the commit.
        let mut rechecks = Vec::new();
        let max_pacing_us = u64::try_from(rules.max_pacing_ms).unwrap_or(0).saturating_mul(1000);
        let mut claims = Vec::new();
        for (turn, row) in candidates.iter().enumerate() {
            let budget = usize::try_from(rules.limit).unwrap_or(0).saturating_sub(claims.len());
            if budget == 0 {
                break;
            }
            let endpoint_id: String = row.try_get("id")?;
            let rate = RateLimit(u32::try_from(row.try_get::<i64, _>("rate_limit")?).unwrap_or(u32::MAX));
            let burst = row.try_get::<i64, _>("burst_limit")?;
            let tat_us = u64::try_from(row.try_get::<i64, _>("rate_tat_us")?).unwrap_or(0);
            let database_now: i64 = row.try_get("database_now")?;
            let now_us = u64::try_from(database_now).unwrap_or(0).saturating_mul(1000);
            // An even share of what is left among the endpoints still waiting for their turn.
            let mut room = (budget / (candidates.len() - turn)).max(1);
            if burst > 0 {
                let in_flight: i64 = sqlx::query(
                    "SELECT COUNT(*) AS n FROM deliveries WHERE endpoint_id = $1 AND lease_owner IS NOT NULL
                     AND status = 'pending' AND lease_until > $2",
                )
                .bind(&endpoint_id)
                .bind(database_now)
                .fetch_one(&mut *tx)
                .await?
                .try_get("n")?;
                room = room.min(usize::try_from(burst - in_flight).unwrap_or(0));
                if room == 0 {
                    // Every slot is taken: still due, it is looked at again when the next claim runs.
                    continue;
                }
            }
            let (starts, _) = paced_starts(rate, tat_us, now_us, room, max_pacing_us);
            let rows = if starts.is_empty() {
                Vec::new()
            } else {
                sqlx::query(&claim)
                    .bind(owner)
                    .bind(now)
                    .bind(database_now)
                    .bind(rules.lease_ms)
                    .bind(i64::try_from(starts.len()).unwrap_or(i64::MAX))
                    .bind(&endpoint_id)
                    .fetch_all(&mut *tx)
                    .await?
            };
            // The rate's state after the rows actually claimed (another worker may have taken some).
            let (starts, tat_us) = paced_starts(rate, tat_us, now_us, rows.len(), max_pacing_us);
            let paced_ms = i64::try_from(tat_us.saturating_sub(now_us + max_pacing_us) / 1000).unwrap_or(i64::MAX);
            let exhausted = rows.len() < room;
            let floor = now.saturating_add(paced_ms);
            let due_at: Option<i64> = sqlx::query(served)
                .bind(&endpoint_id)
                .bind(i64::try_from(tat_us).unwrap_or(i64::MAX))
                .bind(database_now)
                .bind(i64::from(exhausted))
                .bind(floor)
                .fetch_one(&mut *tx)
                .await?
                .try_get("due_at")?;
            if postgres && exhausted && due_at.is_none_or(|due| due > floor) {
                rechecks.push((endpoint_id.clone(), floor));
            }
            for (row, start_us) in rows.iter().zip(starts) {
                claims.push(Self::claim_from_row(row, i64::try_from(start_us / 1000).unwrap_or(i64::MAX), burst > 0)?);
            }
        }
        tx.commit().await?;
        for (endpoint_id, floor) in rechecks {
            if let Err(error) = self.recheck_due(&endpoint_id, floor).await {
                tracing::warn!(%error, endpoint = %endpoint_id, "rechecking an endpoint's due time failed; the heartbeat will");
            }
        }
        Ok(claims)
    }

    /// After a claim that left an endpoint idle (or due later than its pace requires) has committed: makes it due
    /// again at its oldest claimable row, not before `floor`, if that is sooner than what the claim wrote.
    ///
    /// Postgres only. The claim read the queue in a snapshot; a delivery committed after that snapshot is marked
    /// due by its writer after its own commit ([`Store::mark_due`]), but that mark, made while the claim had not
    /// committed yet, acted on the endpoint's row as it was before the claim. This statement starts after the
    /// claim's commit, so it sees every delivery whose writer's mark could have been lost that way. (SQLite runs
    /// one writer at a time: the claim saw every committed row.)
    async fn recheck_due(&self, endpoint_id: &str, floor: i64) -> Result<(), sqlx::Error> {
        let statement = format!(
            "UPDATE endpoints SET due_at = oldest.due FROM (
               SELECT CASE WHEN MIN(d.next_attempt_at) < $2 THEN $2 ELSE MIN(d.next_attempt_at) END AS due
               FROM deliveries d WHERE d.endpoint_id = $1 AND d.status = 'pending'
               AND (d.lease_until IS NULL OR d.lease_until <= {})) AS oldest
             WHERE endpoints.id = $1 AND oldest.due IS NOT NULL
             AND (endpoints.due_at IS NULL OR endpoints.due_at > oldest.due)",
            self.database_now()
        );
        sqlx::query(&statement).bind(endpoint_id).bind(floor).execute(&self.pool).await?;
        Ok(())
    }

    /// Makes every endpoint with a claimable row due by `now` that is not already due at `now`: rows whose lease
    /// ran out (their worker died), and rows queued or retried by a process that died between committing them and
    /// marking their endpoint due (that runs after the commit). A live worker's heartbeat runs it;
    /// an endpoint it marks that a rate limit holds back is claimed within its limits and paced again.
    pub async fn mark_claimable_due(&self, now: i64) -> Result<u64, sqlx::Error> {
        let mut tx = self.write_tx().await?;
        let statement = format!(
            "UPDATE endpoints SET due_at = $1 WHERE (due_at IS NULL OR due_at > $1) AND {ACTIVE_ENDPOINT_SQL} AND EXISTS (
               SELECT 1 FROM deliveries d WHERE d.endpoint_id = endpoints.id AND d.status = 'pending'
               AND d.next_attempt_at <= $1 AND (d.lease_until IS NULL OR d.lease_until <= {}))",
            self.database_now()
        );
        let marked = sqlx::query(&statement).bind(now).execute(&mut *tx).await?.rows_affected();
        tx.commit().await?;
        Ok(marked)
    }

    /// Marks endpoints due at `at` (those due sooner keep their time): new, retried or released deliveries.
    ///
    /// Runs after the transaction that made the rows claimable has committed. A claim that is running then may
    /// have read the queue before that commit and be about to mark the endpoint idle; if this statement sees the
    /// endpoint's row as it was before that claim, the claim's own recheck after its commit
    /// ([`Store::recheck_due`]) sees these rows. Inside the transaction neither would be sure to. A failure is
    /// logged, not returned (the rows are committed): the heartbeat's [`Store::mark_claimable_due`] makes such
    /// endpoints due.
    pub(crate) async fn mark_due(&self, endpoint_ids: &[&str], at: i64) {
        let mut ids = endpoint_ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        for chunk in ids.chunks(FAN_OUT_ROWS_PER_STATEMENT) {
            let mut params = self.params();
            let statement = format!(
                "UPDATE endpoints SET due_at = {} WHERE (due_at IS NULL OR due_at > {}) AND id IN ({})",
                params.one(),
                params.one(),
                params.list(chunk.len())
            );
            // Bounded: three tries, then the heartbeat's `mark_claimable_due` finds these endpoints.
            let mut tries = 0;
            loop {
                let mut update = sqlx::query(&statement).bind(at).bind(at);
                for id in chunk {
                    update = update.bind(*id);
                }
                let written = async {
                    let mut tx = self.write_tx().await?;
                    update.execute(&mut *tx).await?;
                    tx.commit().await
                };
                match written.await {
                    Ok(()) => break,
                    Err(error) if tries < 3 => {
                        tries += 1;
                        tracing::debug!(%error, "marking endpoints due failed; trying again");
                        tokio::time::sleep(Duration::from_millis(20 * tries)).await;
                    }
                    Err(error) => {
                        tracing::warn!(%error, "could not mark endpoints due; the heartbeat will");
                        break;
                    }
                }
            }
        }
    }

    /// Tells the worker processes sharing the database that deliveries are due now: Postgres' `NOTIFY` on
    /// [`DUE_CHANNEL`], which each worker process listens on ([`crate::delivery::wakeup`]). SQLite's one process is
    /// woken in memory by the caller. Returns at once; the notifications of one process are coalesced — one at a
    /// time, at least [`ANNOUNCE_SPACING`] apart, the last request always followed by one — so posts arriving by the
    /// thousand wake the workers hundreds of times, not thousands, while a lone post is announced at once. Best
    /// effort: a notification lost costs one poll interval, not a delivery.
    pub fn announce_due(&self) {
        if self.backend != Backend::Postgres {
            return;
        }
        self.announcer.requested.store(true, Ordering::SeqCst);
        if self.announcer.running.compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst).is_err() {
            return;
        }
        let store = self.clone();
        tokio::spawn(async move {
            // Bounded by the requests: each turn consumes one, and the task ends when none came in meanwhile.
            loop {
                if !store.announcer.requested.swap(false, Ordering::SeqCst) {
                    store.announcer.running.store(false, Ordering::SeqCst);
                    // A request that came in between the two lines above found the task still running: take it.
                    let again = store.announcer.requested.load(Ordering::SeqCst)
                        && store
                            .announcer
                            .running
                            .compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst)
                            .is_ok();
                    if !again {
                        return;
                    }
                    continue;
                }
                if let Err(error) = sqlx::query(&format!("NOTIFY {DUE_CHANNEL}")).execute(&store.pool).await {
                    tracing::debug!(%error, "announcing due deliveries failed; the workers' poll finds them");
                }
                tokio::time::sleep(ANNOUNCE_SPACING).await;
            }
        });
    }

    fn claim_from_row(row: &AnyRow, start_after_ms: i64, burst_limited: bool) -> Result<Claim, sqlx::Error> {
        Ok(Claim {
            delivery_id: row.try_get("id")?,
            account_id: row.try_get("account_id")?,
            event_id: row.try_get("event_id")?,
            endpoint_id: row.try_get("endpoint_id")?,
            topic: row.try_get("topic")?,
            attempts: row.try_get("attempts")?,
            claims: row.try_get("claims")?,
            trigger: Trigger::from_name(&row.try_get::<String, _>("trigger_kind")?).unwrap_or(Trigger::Scheduled),
            single_attempt: row.try_get::<i64, _>("single_attempt")? != 0,
            queued_at: row.try_get("created_at")?,
            start_after_ms,
            burst_limited,
        })
    }

    /// Extends `owner`'s leases on `deliveries` to `lease_ms` from now (the database's clock): a live worker's
    /// heartbeat over the deliveries it is working on, so a request that runs long is not taken over while it is
    /// still in flight. Returns the rows renewed.
    pub async fn renew_leases(&self, owner: &str, deliveries: &[String], lease_ms: i64) -> Result<u64, sqlx::Error> {
        let mut tx = self.write_tx().await?;
        let mut renewed = 0;
        for chunk in deliveries.chunks(FAN_OUT_ROWS_PER_STATEMENT) {
            let mut params = self.params();
            let statement = format!(
                "UPDATE deliveries SET lease_until = {} + {} WHERE lease_owner = {} AND status = 'pending'
                 AND id IN ({})",
                self.database_now(),
                params.one(),
                params.one(),
                params.list(chunk.len())
            );
            let mut update = sqlx::query(&statement).bind(lease_ms).bind(owner);
            for id in chunk {
                update = update.bind(id);
            }
            renewed += update.execute(&mut *tx).await?.rows_affected();
        }
        tx.commit().await?;
        Ok(renewed)
    }

    /// Hands claims back untouched (not an attempt), e.g. when the worker could not load what they need: they are
    /// claimable again from `now`.
    pub async fn release(&self, claims: &[Claim], now: i64) -> Result<(), sqlx::Error> {
        let mut tx = self.write_tx().await?;
        for claim in claims {
            sqlx::query(
                "UPDATE deliveries SET attempts = attempts - 1, lease_owner = NULL, lease_until = NULL
                 WHERE id = $1 AND claims = $2",
            )
            .bind(&claim.delivery_id)
            .bind(claim.claims)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        let endpoints: Vec<&str> = claims.iter().map(|claim| claim.endpoint_id.as_str()).collect();
        self.mark_due(&endpoints, now).await;
        self.announce_due();
        Ok(())
    }

    /// The bodies of events by (account, id): one statement per account in the batch (`account_id = ? AND id IN
    /// (…)` walks the primary key; a row-value `IN (VALUES …)` would scan the table on SQLite).
    pub async fn event_bodies(&self, ids: &[(&str, &str)]) -> Result<HashMap<(String, String), String>, sqlx::Error> {
        let mut by_account: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (account, id) in ids {
            by_account.entry(account).or_default().push(id);
        }
        let mut bodies = HashMap::with_capacity(ids.len());
        for (account, ids) in by_account {
            for chunk in ids.chunks(FAN_OUT_ROWS_PER_STATEMENT) {
                let mut params = self.params();
                let account_param = params.one();
                let statement = format!(
                    "SELECT id, body FROM events WHERE account_id = {account_param} AND id IN ({})",
                    params.list(chunk.len())
                );
                let mut query = sqlx::query(&statement).bind(account);
                for id in chunk {
                    query = query.bind(*id);
                }
                for row in query.fetch_all(&self.pool).await? {
                    bodies.insert((account.to_owned(), row.try_get("id")?), row.try_get("body")?);
                }
            }
        }
        Ok(bodies)
    }

    /// The queue's depth now: deliveries pending, due, and the oldest due one's due time (for the metrics).
    pub async fn queue_depth(&self, now: i64) -> Result<QueueDepth, sqlx::Error> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS pending, COALESCE(SUM(CASE WHEN next_attempt_at <= $1 THEN 1 ELSE 0 END), 0) AS due,
             MIN(CASE WHEN next_attempt_at <= $1 THEN next_attempt_at END) AS oldest
             FROM deliveries WHERE status = 'pending'",
        )
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        Ok(QueueDepth {
            pending: row.try_get("pending")?,
            due: row.try_get("due")?,
            oldest_due: row.try_get("oldest")?,
        })
    }
}

/// The queue's depth ([`Store::queue_depth`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueDepth {
    /// Deliveries pending (waiting or in flight).
    pub pending: i64,
    /// Due now.
    pub due: i64,
    /// The oldest due one's due time (unix ms).
    pub oldest_due: Option<i64>,
}
