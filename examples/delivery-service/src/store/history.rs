//! The history: deliveries, attempts and events as pages with stable cursors, an attempt's whole record, and the
//! two ways to send again (resend one delivery, recover an endpoint's failed ones).
//!
//! Every list is ordered by a time and the row id (newest first for history, oldest first for configurations)
//! and paged by keyset: the cursor is the last row's `(time, id)`, so rows that arrive while a client pages never
//! shift or repeat what it already read. Each order has an index that starts with the list's scope
//! (`migrations/0002_accounts.sql`).

use std::collections::HashMap;

use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, Row};

use super::{Params, Store};
use crate::model::{
    AttemptDetailRow, AttemptRow, Cursor, DeliveryRow, EndpointRow, EventRow, Page, RequestRow, ResponseRow,
};

/// A history list's scope, filters and page.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    /// The account (always set: every list is one account's).
    pub account_id: String,
    /// Only this endpoint's rows.
    pub endpoint_id: Option<String>,
    /// Only this event's deliveries (deliveries only: found by the `(account_id, event_id)` index).
    pub event_id: Option<String>,
    /// Delivery status (`pending`, `succeeded`, `failed`) or attempt outcome (`success`, `failure`).
    pub status: Option<String>,
    /// Canonical topic.
    pub topic: Option<String>,
    /// Attempt error class (for deliveries: their last attempt's).
    pub error_class: Option<String>,
    /// From this time on (unix ms, inclusive).
    pub since: Option<i64>,
    /// Before this time (unix ms, exclusive).
    pub until: Option<i64>,
    /// After this row.
    pub cursor: Option<Cursor>,
    /// Page size.
    pub limit: i64,
}

/// Which of an endpoint's deliveries a recovery sends again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoverFilter {
    /// `failed` (the default) or `succeeded`.
    pub status: String,
    /// Created at or after (unix ms).
    pub since: Option<i64>,
    /// Created before (unix ms).
    pub until: Option<i64>,
    /// Canonical topic.
    pub topic: Option<String>,
    /// The class of the delivery's last failure.
    pub error_class: Option<String>,
}

/// What a recovery would do (dry run) or did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecoverPlan {
    /// Deliveries matched (dry run) or queued.
    pub count: u64,
}

/// How a resend request ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resend {
    /// Queued for an attempt now.
    Queued(Box<DeliveryRow>),
    /// An attempt of it is in flight: its outcome would overwrite the resend.
    InFlight,
    /// No such delivery (in that account).
    NotFound,
}

/// A value bound to a built statement.
enum Bound {
    Text(String),
    Int(i64),
}

/// A WHERE clause built from the filters present, with its values in bind order.
pub(super) struct Conditions {
    params: Params,
    clauses: Vec<String>,
    values: Vec<Bound>,
}

impl Conditions {
    pub(super) fn new(params: Params) -> Self {
        Self { params, clauses: Vec::new(), values: Vec::new() }
    }

    pub(super) fn equals(&mut self, column: &str, value: Option<&String>) {
        if let Some(value) = value {
            let placeholder = self.params.one();
            self.clauses.push(format!("{column} = {placeholder}"));
            self.values.push(Bound::Text(value.clone()));
        }
    }

    fn compare(&mut self, column: &str, operator: &str, value: Option<i64>) {
        if let Some(value) = value {
            let placeholder = self.params.one();
            self.clauses.push(format!("{column} {operator} {placeholder}"));
            self.values.push(Bound::Int(value));
        }
    }

    /// Rows after the cursor in `(time, id)` order, newest first or oldest first.
    pub(super) fn after(&mut self, time: &str, cursor: Option<&Cursor>, newest_first: bool) {
        if let Some(cursor) = cursor {
            let (at, id) = (self.params.one(), self.params.one());
            let operator = if newest_first { "<" } else { ">" };
            self.clauses.push(format!("({time}, id) {operator} ({at}, {id})"));
            self.values.push(Bound::Int(cursor.at));
            self.values.push(Bound::Text(cursor.id.clone()));
        }
    }

    fn next_placeholder(&mut self) -> String {
        self.params.one()
    }

    /// A placeholder bound to `value`, for a statement's text before its WHERE clause (values bind in the order
    /// their placeholders appear).
    fn value(&mut self, value: i64) -> String {
        self.values.push(Bound::Int(value));
        self.params.one()
    }

    fn sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.clauses.join(" AND "))
        }
    }

    fn bind<'q>(&self, mut query: Query<'q, Any, AnyArguments<'q>>) -> Query<'q, Any, AnyArguments<'q>> {
        for value in &self.values {
            query = match value {
                Bound::Text(text) => query.bind(text.clone()),
                Bound::Int(number) => query.bind(*number),
            };
        }
        query
    }
}

fn headers_from(row: &AnyRow, column: &str) -> Result<Vec<(String, String)>, sqlx::Error> {
    serde_json::from_str(&row.try_get::<String, _>(column)?).map_err(|error| sqlx::Error::Decode(Box::new(error)))
}

impl Store {
    /// One page of rows from `table` under `conditions`, ordered by `(time, id)`; `limit + 1` rows are read to
    /// know whether a next page exists.
    pub(super) async fn page<T>(
        &self,
        select: &str,
        mut conditions: Conditions,
        time: &str,
        newest_first: bool,
        limit: i64,
        map: impl Fn(&AnyRow) -> Result<(T, Cursor), sqlx::Error>,
    ) -> Result<Page<T>, sqlx::Error> {
        let direction = if newest_first { "DESC" } else { "ASC" };
        let limit_placeholder = conditions.next_placeholder();
        let statement = format!(
            "{select}{} ORDER BY {time} {direction}, id {direction} LIMIT {limit_placeholder}",
            conditions.sql()
        );
        let rows = conditions.bind(sqlx::query(&statement)).bind(limit + 1).fetch_all(&self.pool).await?;
        let mut data = Vec::with_capacity(rows.len());
        let mut last = None;
        for row in rows.iter().take(usize::try_from(limit).unwrap_or(0)) {
            let (item, cursor) = map(row)?;
            data.push(item);
            last = Some(cursor);
        }
        let more = i64::try_from(rows.len()).unwrap_or(i64::MAX) > limit;
        Ok(Page { data, next_cursor: last.filter(|_| more).map(|cursor| cursor.encode()) })
    }

    fn scoped(&self, query: &ListQuery) -> Conditions {
        let mut conditions = Conditions::new(self.params());
        conditions.equals("account_id", Some(&query.account_id));
        conditions.equals("endpoint_id", query.endpoint_id.as_ref());
        conditions
    }

    /// Deliveries of an account (or one of its endpoints), newest first.
    pub async fn deliveries(&self, query: &ListQuery) -> Result<Page<DeliveryRow>, sqlx::Error> {
        let mut conditions = self.scoped(query);
        conditions.equals("event_id", query.event_id.as_ref());
        conditions.equals("status", query.status.as_ref());
        conditions.equals("topic", query.topic.as_ref());
        conditions.equals("last_error_class", query.error_class.as_ref());
        conditions.compare("created_at", ">=", query.since);
        conditions.compare("created_at", "<", query.until);
        conditions.after("created_at", query.cursor.as_ref(), true);
        self.page("SELECT * FROM deliveries", conditions, "created_at", true, query.limit, |row| {
            let view = Self::delivery_from_row(row)?;
            let cursor = Cursor { at: view.created_at, id: view.id.clone() };
            Ok((view, cursor))
        })
        .await
    }

    /// One delivery, within an account (`None`: any account, for the admin key).
    pub async fn delivery(&self, account_id: Option<&str>, id: &str) -> Result<Option<DeliveryRow>, sqlx::Error> {
        let mut conditions = Conditions::new(self.params());
        conditions.equals("id", Some(&id.to_owned()));
        conditions.equals("account_id", account_id.map(str::to_owned).as_ref());
        let statement = format!("SELECT * FROM deliveries{}", conditions.sql());
        let row = conditions.bind(sqlx::query(&statement)).fetch_optional(&self.pool).await?;
        row.as_ref().map(Self::delivery_from_row).transpose()
    }

    pub(crate) fn delivery_from_row(row: &AnyRow) -> Result<DeliveryRow, sqlx::Error> {
        let status: String = row.try_get("status")?;
        Ok(DeliveryRow {
            id: row.try_get("id")?,
            account_id: row.try_get("account_id")?,
            event_id: row.try_get("event_id")?,
            endpoint_id: row.try_get("endpoint_id")?,
            topic: row.try_get("topic")?,
            next_attempt_at: if status == "pending" { Some(row.try_get("next_attempt_at")?) } else { None },
            trigger: row.try_get("trigger_kind")?,
            status,
            attempts: row.try_get("attempts")?,
            last_error: row.try_get("last_error")?,
            last_error_class: row.try_get("last_error_class")?,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
        })
    }

    /// Attempts of an account (or one of its endpoints), newest first.
    pub async fn attempts(&self, query: &ListQuery) -> Result<Page<AttemptRow>, sqlx::Error> {
        let mut conditions = self.scoped(query);
        conditions.equals("outcome", query.status.as_ref());
        conditions.equals("topic", query.topic.as_ref());
        conditions.equals("error_class", query.error_class.as_ref());
        conditions.compare("started_at", ">=", query.since);
        conditions.compare("started_at", "<", query.until);
        conditions.after("started_at", query.cursor.as_ref(), true);
        self.page(ATTEMPT_SUMMARY, conditions, "started_at", true, query.limit, |row| {
            let view = Self::attempt_from_row(row)?;
            let cursor = Cursor { at: view.started_at, id: view.id.clone() };
            Ok((view, cursor))
        })
        .await
    }

    /// A delivery's attempts, first to last.
    pub async fn attempts_of(&self, delivery_id: &str) -> Result<Vec<AttemptRow>, sqlx::Error> {
        let statement = format!("{ATTEMPT_SUMMARY} WHERE delivery_id = $1 ORDER BY attempt, started_at, id");
        let rows = sqlx::query(&statement).bind(delivery_id).fetch_all(&self.pool).await?;
        rows.iter().map(Self::attempt_from_row).collect()
    }

    fn attempt_from_row(row: &AnyRow) -> Result<AttemptRow, sqlx::Error> {
        Ok(AttemptRow {
            id: row.try_get("id")?,
            account_id: row.try_get("account_id")?,
            delivery_id: row.try_get("delivery_id")?,
            endpoint_id: row.try_get("endpoint_id")?,
            event_id: row.try_get("event_id")?,
            topic: row.try_get("topic")?,
            attempt: row.try_get("attempt")?,
            trigger: row.try_get("trigger_kind")?,
            started_at: row.try_get("started_at")?,
            latency_ms: row.try_get("latency_ms")?,
            recorded_at: row.try_get("recorded_at")?,
            status_code: row.try_get("status_code")?,
            outcome: row.try_get("outcome")?,
            error_class: row.try_get("error_class")?,
            error: row.try_get("error")?,
        })
    }

    /// One attempt with its request (the event body included) and response, within an account (`None`: any).
    pub async fn attempt(&self, account_id: Option<&str>, id: &str) -> Result<Option<AttemptDetailRow>, sqlx::Error> {
        let mut conditions = Conditions::new(self.params());
        conditions.equals("a.id", Some(&id.to_owned()));
        conditions.equals("a.account_id", account_id.map(str::to_owned).as_ref());
        let statement = format!(
            "SELECT a.*, e.body FROM attempts a
             LEFT JOIN events e ON e.account_id = a.account_id AND e.id = a.event_id{}",
            conditions.sql()
        );
        let Some(row) = conditions.bind(sqlx::query(&statement)).fetch_optional(&self.pool).await? else {
            return Ok(None);
        };
        let summary = Self::attempt_from_row(&row)?;
        let response = summary.status_code.map(|status| -> Result<ResponseRow, sqlx::Error> {
            // Rows from before the bytes were kept have their text in `response_excerpt`.
            let bytes = match row.try_get::<Option<Vec<u8>>, _>("response_body")? {
                Some(bytes) => bytes,
                None => row.try_get::<String, _>("response_excerpt")?.into_bytes(),
            };
            Ok(ResponseRow { status, headers: headers_from(&row, "response_headers")?, body: bytes })
        });
        Ok(Some(AttemptDetailRow {
            request: RequestRow {
                method: row.try_get("request_method")?,
                url: row.try_get("request_url")?,
                headers: headers_from(&row, "request_headers")?,
                body: row.try_get("body")?,
            },
            response: response.transpose()?,
            summary,
        }))
    }

    /// Events of an account, newest first, with how many deliveries each made.
    pub async fn events(&self, query: &ListQuery) -> Result<Page<EventRow>, sqlx::Error> {
        let mut conditions = Conditions::new(self.params());
        conditions.equals("account_id", Some(&query.account_id));
        conditions.equals("topic", query.topic.as_ref());
        conditions.compare("created_at", ">=", query.since);
        conditions.compare("created_at", "<", query.until);
        conditions.after("created_at", query.cursor.as_ref(), true);
        let select = "SELECT id, topic, created_at, (SELECT COUNT(*) FROM deliveries d
                        WHERE d.account_id = events.account_id AND d.event_id = events.id) AS deliveries FROM events";
        self.page(select, conditions, "created_at", true, query.limit, |row| {
            let view = EventRow {
                id: row.try_get("id")?,
                topic: row.try_get("topic")?,
                created_at: row.try_get("created_at")?,
                deliveries: row.try_get("deliveries")?,
            };
            let cursor = Cursor { at: view.created_at, id: view.id.clone() };
            Ok((view, cursor))
        })
        .await
    }

    /// An account's endpoints, oldest first.
    pub async fn endpoints(
        &self,
        account_id: &str,
        cursor: Option<&Cursor>,
        limit: i64,
    ) -> Result<Page<EndpointRow>, sqlx::Error> {
        let mut conditions = Conditions::new(self.params());
        conditions.equals("account_id", Some(&account_id.to_owned()));
        conditions.after("created_at", cursor, false);
        self.page("SELECT * FROM endpoints", conditions, "created_at", false, limit, |row| {
            let endpoint = Self::endpoint_from_row(row)?;
            let cursor = Cursor { at: endpoint.created_at, id: endpoint.id.clone() };
            Ok((endpoint, cursor))
        })
        .await
    }

    /// Counts of an endpoint's deliveries by status.
    pub async fn delivery_counts(&self, endpoint_id: &str) -> Result<HashMap<String, i64>, sqlx::Error> {
        let rows = sqlx::query("SELECT status, COUNT(*) AS n FROM deliveries WHERE endpoint_id = $1 GROUP BY status")
            .bind(endpoint_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|row| Ok((row.try_get("status")?, row.try_get("n")?))).collect()
    }

    /// Queues an attempt of a delivery now, marked `manual`. A finished delivery (succeeded, or given up) gets
    /// one attempt and no retries after it; a pending one just moves its next attempt to now and keeps its
    /// schedule. Refused while an attempt of it is in flight (its outcome would overwrite this).
    pub async fn resend(&self, account_id: Option<&str>, id: &str, now: i64) -> Result<Resend, sqlx::Error> {
        let mut tx = self.write_tx().await?;
        let mut conditions = Conditions::new(self.params());
        let (now_a, now_b) = (conditions.value(now), conditions.value(now));
        conditions.equals("id", Some(&id.to_owned()));
        conditions.equals("account_id", account_id.map(str::to_owned).as_ref());
        conditions.clauses.push(format!("(lease_owner IS NULL OR lease_until <= {})", self.database_now()));
        let statement = format!(
            "UPDATE deliveries SET single_attempt = CASE WHEN status = 'pending' THEN single_attempt ELSE 1 END,
             status = 'pending', next_attempt_at = {now_a}, trigger_kind = 'manual',
             updated_at = {now_b}{}",
            conditions.sql()
        );
        let queued = conditions.bind(sqlx::query(&statement)).execute(&mut *tx).await?.rows_affected() > 0;
        tx.commit().await?;
        match self.delivery(account_id, id).await? {
            Some(view) if queued => {
                self.mark_due(&[view.endpoint_id.as_str()], now).await;
                self.announce_due();
                Ok(Resend::Queued(Box::new(view)))
            }
            Some(_) => Ok(Resend::InFlight),
            None => Ok(Resend::NotFound),
        }
    }

    fn recover_conditions(&self, mut conditions: Conditions, endpoint_id: &str, filter: &RecoverFilter) -> Conditions {
        conditions.equals("endpoint_id", Some(&endpoint_id.to_owned()));
        conditions.equals("status", Some(&filter.status));
        conditions.compare("created_at", ">=", filter.since);
        conditions.compare("created_at", "<", filter.until);
        conditions.equals("topic", filter.topic.as_ref());
        conditions.equals("last_error_class", filter.error_class.as_ref());
        conditions
    }

    /// Recovers an endpoint's deliveries that match `filter`: each is queued once for one attempt now, marked
    /// `recover` (the endpoint's rate and burst limits pace them as any other). A dry run only counts them. Queued
    /// rows are pending, so the same call made again matches nothing new.
    pub async fn recover(
        &self,
        endpoint_id: &str,
        filter: &RecoverFilter,
        dry_run: bool,
        now: i64,
    ) -> Result<RecoverPlan, sqlx::Error> {
        if dry_run {
            let conditions = self.recover_conditions(Conditions::new(self.params()), endpoint_id, filter);
            let statement = format!("SELECT COUNT(*) AS n FROM deliveries{}", conditions.sql());
            let count: i64 = conditions.bind(sqlx::query(&statement)).fetch_one(&self.pool).await?.try_get("n")?;
            return Ok(RecoverPlan { count: u64::try_from(count).unwrap_or(0) });
        }
        let mut tx = self.write_tx().await?;
        let mut set = Conditions::new(self.params());
        let (now_a, now_b) = (set.value(now), set.value(now));
        let conditions = self.recover_conditions(set, endpoint_id, filter);
        let statement = format!(
            "UPDATE deliveries SET status = 'pending', next_attempt_at = {now_a}, trigger_kind = 'recover',
             single_attempt = 1, updated_at = {now_b}{}",
            conditions.sql()
        );
        let count = conditions.bind(sqlx::query(&statement)).execute(&mut *tx).await?.rows_affected();
        tx.commit().await?;
        if count > 0 {
            self.mark_due(&[endpoint_id], now).await;
            self.announce_due();
        }
        Ok(RecoverPlan { count })
    }

    /// The database's clock now (unix ms): where a live stream starts.
    pub async fn database_time(&self) -> Result<i64, sqlx::Error> {
        sqlx::query(&format!("SELECT {} AS n", self.database_now())).fetch_one(&self.pool).await?.try_get("n")
    }

    /// An account's attempts recorded after `after` (`(recorded_at, id)`, the database's clock), in recording
    /// order, up to `limit`: the live stream's keyset page.
    pub async fn attempts_recorded_after(
        &self,
        account_id: &str,
        after: &(i64, String),
        limit: i64,
    ) -> Result<Vec<AttemptRow>, sqlx::Error> {
        let statement = format!(
            "{ATTEMPT_SUMMARY} WHERE account_id = $1 AND (recorded_at > $2 OR (recorded_at = $2 AND id > $3))
             ORDER BY recorded_at, id LIMIT $4"
        );
        let rows = sqlx::query(&statement)
            .bind(account_id)
            .bind(after.0)
            .bind(&after.1)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(Self::attempt_from_row).collect()
    }

    /// The `(recorded_at, id)` of an account's attempts recorded from `from` up to `through` (inclusive), newest
    /// first, up to `limit`: the live stream's look-back for late commits.
    pub async fn attempt_positions_between(
        &self,
        account_id: &str,
        from: i64,
        through: &(i64, String),
        limit: i64,
    ) -> Result<Vec<(i64, String)>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT recorded_at, id FROM attempts WHERE account_id = $1 AND recorded_at >= $2
             AND (recorded_at < $3 OR (recorded_at = $3 AND id <= $4)) ORDER BY recorded_at DESC, id DESC LIMIT $5",
        )
        .bind(account_id)
        .bind(from)
        .bind(through.0)
        .bind(&through.1)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|row| Ok((row.try_get("recorded_at")?, row.try_get("id")?))).collect()
    }

    /// An account's attempts by id, in recording order.
    pub async fn attempts_by_id(&self, account_id: &str, ids: &[String]) -> Result<Vec<AttemptRow>, sqlx::Error> {
        let mut found = Vec::new();
        for chunk in ids.chunks(500) {
            let mut params = self.params();
            let account = params.one();
            let statement = format!(
                "{ATTEMPT_SUMMARY} WHERE account_id = {account} AND id IN ({}) ORDER BY recorded_at, id",
                params.list(chunk.len())
            );
            let mut query = sqlx::query(&statement).bind(account_id);
            for id in chunk {
                query = query.bind(id);
            }
            for row in query.fetch_all(&self.pool).await? {
                found.push(Self::attempt_from_row(&row)?);
            }
        }
        Ok(found)
    }
}

/// The columns of an attempt's summary (not its headers and body).
const ATTEMPT_SUMMARY: &str =
    "SELECT id, account_id, delivery_id, endpoint_id, event_id, topic, attempt, trigger_kind, started_at,
    latency_ms, recorded_at, status_code, outcome, error_class, error FROM attempts";
