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
    /// The API key that opened it (an admin key signed in, or the key that made the console link): revoking the
    /// key ends the session.
    pub key_id: String,
}

/// A console link that may still be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleLink {
    /// The account it opens.
    pub account_id: String,
    /// The key that made it.
    pub key_id: String,
}

/// How opening a link ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkUse {
    /// The link was good: the account it opens and the key that made it.
    Opened(ConsoleLink),
    /// Unknown, already used or expired.
    Refused,
}

impl Store {
    /// Stores a sign-in link for `account_id`, made by the key `key_id`, valid until `expires_at` (unix ms).
    pub async fn add_console_link(
        &self,
        token_hash: &str,
        link: &ConsoleLink,
        now: i64,
        expires_at: i64,
    ) -> Result<(), sqlx::Error> {
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO console_links (token_hash, account_id, key_id, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(&link.account_id)
        .bind(&link.key_id)
        .bind(now)
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A link that is still good (unused, not expired), without using it: what its confirmation page shows.
    pub async fn peek_console_link(&self, token_hash: &str, now: i64) -> Result<Option<ConsoleLink>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT account_id, key_id FROM console_links WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| Ok(ConsoleLink { account_id: row.try_get("account_id")?, key_id: row.try_get("key_id")? }))
            .transpose()
    }

    /// Uses a link: marks it used in the same statement that checks it, so two requests racing with one link
    /// cannot both open a session.
    pub async fn use_console_link(&self, token_hash: &str, now: i64) -> Result<LinkUse, sqlx::Error> {
        let mut tx = self.write_tx().await?;
        let row = sqlx::query(
            "UPDATE console_links SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
             RETURNING account_id, key_id",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(match row {
            Some(row) => {
                LinkUse::Opened(ConsoleLink { account_id: row.try_get("account_id")?, key_id: row.try_get("key_id")? })
            }
            None => LinkUse::Refused,
        })
    }

    /// Opens a session (its id hashed), for `account_id` or, with `None`, for an admin; `key_id` is the key it
    /// stands on.
    pub async fn open_console_session(
        &self,
        id_hash: &str,
        account_id: Option<&str>,
        key_id: &str,
        csrf: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<(), sqlx::Error> {
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO console_sessions (id_hash, account_id, key_id, csrf, created_at, seen_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $5, $6)",
        )
        .bind(id_hash)
        .bind(account_id)
        .bind(key_id)
        .bind(csrf)
        .bind(now)
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The session of a cookie, if it is live: not past its end, seen within `idle_ms`, and its key not revoked.
    /// Each use moves its idle clock.
    pub async fn console_session(
        &self,
        id_hash: &str,
        now: i64,
        idle_ms: i64,
    ) -> Result<Option<ConsoleSession>, sqlx::Error> {
        let mut tx = self.write_tx().await?;
        let row = sqlx::query(
            "UPDATE console_sessions SET seen_at = $2 WHERE id_hash = $1 AND expires_at > $2 AND seen_at + $3 > $2
             AND EXISTS (SELECT 1 FROM api_keys k WHERE k.id = console_sessions.key_id AND k.revoked_at IS NULL)
             RETURNING account_id, csrf, key_id",
        )
        .bind(id_hash)
        .bind(now)
        .bind(idle_ms)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        row.map(|row| {
            Ok(ConsoleSession {
                account_id: row.try_get("account_id")?,
                csrf: row.try_get("csrf")?,
                key_id: row.try_get("key_id")?,
            })
        })
        .transpose()
    }

    /// Ends a session.
    pub async fn close_console_session(&self, id_hash: &str) -> Result<(), sqlx::Error> {
        let mut tx = self.write_tx().await?;
        sqlx::query("DELETE FROM console_sessions WHERE id_hash = $1").bind(id_hash).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Ends every session and unused link that stands on a key (it was revoked).
    pub async fn end_console_access_of_key(&self, key_id: &str) -> Result<(), sqlx::Error> {
        let mut tx = self.write_tx().await?;
        sqlx::query("DELETE FROM console_sessions WHERE key_id = $1").bind(key_id).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM console_links WHERE key_id = $1 AND used_at IS NULL")
            .bind(key_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await
    }

    /// Whether the key with this id exists and is not revoked.
    pub async fn key_is_live(&self, key_id: &str) -> Result<bool, sqlx::Error> {
        let row = sqlx::query("SELECT 1 AS live FROM api_keys WHERE id = $1 AND revoked_at IS NULL")
            .bind(key_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }
}
