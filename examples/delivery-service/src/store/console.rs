//! The console's sign-in links and sessions. Tokens and session ids are random (256 bits) and stored as SHA-256
//! hashes, so a copy of the database opens nothing; a link is used once, a session ends after an idle time.

use sqlx::Row;

use super::Store;

/// A console session as its requests see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleSession {
    /// The account it may see; `None` for an admin session (every account).
    pub account_id: Option<String>,
    /// The token every form of the session carries.
    pub csrf: String,
}

/// How opening a link ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkUse {
    /// The link was good: the account it opens.
    Opened(String),
    /// Unknown, already used or expired.
    Refused,
}

impl Store {
    /// Stores a sign-in link for `account_id`, valid until `expires_at` (unix ms).
    pub async fn add_console_link(
        &self,
        token_hash: &str,
        account_id: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<(), sqlx::Error> {
        let _writing = self.writing().await;
        sqlx::query(
            "INSERT INTO console_links (token_hash, account_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash)
        .bind(account_id)
        .bind(now)
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Uses a link: marks it used in the same statement that checks it, so two requests racing with one link
    /// cannot both open a session.
    pub async fn use_console_link(&self, token_hash: &str, now: i64) -> Result<LinkUse, sqlx::Error> {
        let _writing = self.writing().await;
        let row = sqlx::query(
            "UPDATE console_links SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
             RETURNING account_id",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            Some(row) => LinkUse::Opened(row.try_get("account_id")?),
            None => LinkUse::Refused,
        })
    }

    /// Opens a session (its id hashed), for `account_id` or, with `None`, for an admin.
    pub async fn open_console_session(
        &self,
        id_hash: &str,
        account_id: Option<&str>,
        csrf: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<(), sqlx::Error> {
        let _writing = self.writing().await;
        sqlx::query(
            "INSERT INTO console_sessions (id_hash, account_id, csrf, created_at, seen_at, expires_at)
             VALUES ($1, $2, $3, $4, $4, $5)",
        )
        .bind(id_hash)
        .bind(account_id)
        .bind(csrf)
        .bind(now)
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The session of a cookie, if it is live: not past its end and seen within `idle_ms`. Each use moves its
    /// idle clock.
    pub async fn console_session(
        &self,
        id_hash: &str,
        now: i64,
        idle_ms: i64,
    ) -> Result<Option<ConsoleSession>, sqlx::Error> {
        let _writing = self.writing().await;
        let row = sqlx::query(
            "UPDATE console_sessions SET seen_at = $2 WHERE id_hash = $1 AND expires_at > $2 AND seen_at + $3 > $2
             RETURNING account_id, csrf",
        )
        .bind(id_hash)
        .bind(now)
        .bind(idle_ms)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| Ok(ConsoleSession { account_id: row.try_get("account_id")?, csrf: row.try_get("csrf")? }))
            .transpose()
    }

    /// Ends a session.
    pub async fn close_console_session(&self, id_hash: &str) -> Result<(), sqlx::Error> {
        let _writing = self.writing().await;
        sqlx::query("DELETE FROM console_sessions WHERE id_hash = $1").bind(id_hash).execute(&self.pool).await?;
        Ok(())
    }
}
