//! Accounts, their API keys and the audit log.
//!
//! Keys are stored as SHA-256 hashes with a short prefix to recognize them by; a key with no account is an admin
//! key (the ones given with `--api-key`). Deleting an account deletes everything of it (the foreign keys cascade).

use std::collections::HashMap;

use sqlx::any::AnyRow;
use sqlx::Row;

use super::history::Conditions;
use super::Store;
use crate::model::{new_id, AccountRow, AuditEntry, Cursor, KeyRow, Page, Principal};

fn account_from_row(row: &AnyRow) -> Result<AccountRow, sqlx::Error> {
    Ok(AccountRow {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        look: row.try_get("look")?,
    })
}

fn key_from_row(row: &AnyRow) -> Result<KeyRow, sqlx::Error> {
    Ok(KeyRow {
        id: row.try_get("id")?,
        account_id: row.try_get("account_id")?,
        prefix: row.try_get("prefix")?,
        created_at: row.try_get("created_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

impl Store {
    /// Creates an account; `false` if its id is taken.
    pub async fn create_account(&self, account: &AccountRow) -> Result<bool, sqlx::Error> {
        let mut tx = self.write_tx().await?;
        let inserted = sqlx::query(
            "INSERT INTO accounts (id, name, created_at, updated_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(&account.id)
        .bind(&account.name)
        .bind(account.created_at)
        .bind(account.updated_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(inserted.rows_affected() > 0)
    }

    /// One account.
    pub async fn account(&self, id: &str) -> Result<Option<AccountRow>, sqlx::Error> {
        let row = sqlx::query("SELECT * FROM accounts WHERE id = $1").bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(account_from_row).transpose()
    }

    /// Accounts, oldest first (`only`: just that one, for an account key).
    pub async fn accounts(
        &self,
        only: Option<&str>,
        cursor: Option<&Cursor>,
        limit: i64,
    ) -> Result<Page<AccountRow>, sqlx::Error> {
        let mut conditions = Conditions::new(self.params());
        conditions.equals("id", only.map(str::to_owned).as_ref());
        conditions.after("created_at", cursor, false);
        self.page("SELECT * FROM accounts", conditions, "created_at", false, limit, |row| {
            let account = account_from_row(row)?;
            let cursor = Cursor { at: account.created_at, id: account.id.clone() };
            Ok((account, cursor))
        })
        .await
    }

    /// Renames an account; the account after, if it exists.
    pub async fn rename_account(&self, id: &str, name: &str, now: i64) -> Result<Option<AccountRow>, sqlx::Error> {
        let mut tx = self.write_tx().await?;
        sqlx::query("UPDATE accounts SET name = $2, updated_at = $3 WHERE id = $1")
            .bind(id)
            .bind(name)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.account(id).await
    }

    /// Sets (or clears) an account's console look; the account after, if it exists.
    pub async fn set_account_look(
        &self,
        id: &str,
        look: Option<&str>,
        now: i64,
    ) -> Result<Option<AccountRow>, sqlx::Error> {
        let mut tx = self.write_tx().await?;
        sqlx::query("UPDATE accounts SET look = $2, updated_at = $3 WHERE id = $1")
            .bind(id)
            .bind(look)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.account(id).await
    }

    /// Deletes an account and everything of it; whether it existed.
    pub async fn delete_account(&self, id: &str) -> Result<bool, sqlx::Error> {
        let mut tx = self.write_tx().await?;
        // Children first, in one transaction: the cascades would do it, but explicit deletes keep SQLite from
        // walking every foreign key row by row.
        for statement in [
            "DELETE FROM attempts WHERE account_id = $1",
            "DELETE FROM deliveries WHERE account_id = $1",
            "DELETE FROM events WHERE account_id = $1",
            "DELETE FROM secrets WHERE endpoint_id IN (SELECT id FROM endpoints WHERE account_id = $1)",
            "DELETE FROM endpoints WHERE account_id = $1",
            "DELETE FROM api_keys WHERE account_id = $1",
            "DELETE FROM audit_log WHERE account_id = $1",
            "DELETE FROM operational_events WHERE account_id = $1",
            "DELETE FROM operational_webhooks WHERE account_id = $1",
            "DELETE FROM console_links WHERE account_id = $1",
            "DELETE FROM console_sessions WHERE account_id = $1",
        ] {
            sqlx::query(statement).bind(id).execute(&mut *tx).await?;
        }
        let deleted = sqlx::query("DELETE FROM accounts WHERE id = $1").bind(id).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(deleted.rows_affected() > 0)
    }

    /// Stores an admin key's hash (hex SHA-256) if it is new.
    pub async fn add_admin_key_hash(&self, hash: &str, now: i64) -> Result<(), sqlx::Error> {
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO api_keys (id, account_id, hash, prefix, created_at) VALUES ($1, NULL, $2, '', $3)
             ON CONFLICT (hash) DO NOTHING",
        )
        .bind(format!("key_{}", &hash[..hash.len().min(24)]))
        .bind(hash)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// How many admin keys are valid.
    pub async fn admin_key_count(&self) -> Result<i64, sqlx::Error> {
        sqlx::query("SELECT COUNT(*) AS n FROM api_keys WHERE account_id IS NULL AND revoked_at IS NULL")
            .fetch_one(&self.pool)
            .await?
            .try_get("n")
    }

    /// Stores a new account key by its hash.
    pub async fn insert_key(&self, key: &KeyRow, hash: &str) -> Result<(), sqlx::Error> {
        let mut tx = self.write_tx().await?;
        sqlx::query("INSERT INTO api_keys (id, account_id, hash, prefix, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(&key.id)
            .bind(key.account_id.clone())
            .bind(hash)
            .bind(&key.prefix)
            .bind(key.created_at)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// An account's keys, oldest first.
    pub async fn keys(&self, account_id: &str) -> Result<Vec<KeyRow>, sqlx::Error> {
        let rows = sqlx::query("SELECT * FROM api_keys WHERE account_id = $1 ORDER BY created_at, id")
            .bind(account_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(key_from_row).collect()
    }

    /// Revokes an account's key; whether it existed and was not already revoked.
    pub async fn revoke_key(&self, account_id: &str, key_id: &str, now: i64) -> Result<bool, sqlx::Error> {
        let mut tx = self.write_tx().await?;
        let done =
            sqlx::query("UPDATE api_keys SET revoked_at = $3 WHERE id = $2 AND account_id = $1 AND revoked_at IS NULL")
                .bind(account_id)
                .bind(key_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    /// The admin keys (valid and revoked), oldest first.
    pub async fn admin_keys(&self) -> Result<Vec<KeyRow>, sqlx::Error> {
        let rows = sqlx::query("SELECT * FROM api_keys WHERE account_id IS NULL ORDER BY created_at, id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(key_from_row).collect()
    }

    /// Revokes any key by id; `Some(its account)` if it was valid (`Some(None)` for an admin key).
    pub async fn revoke_key_anywhere(&self, key_id: &str, now: i64) -> Result<Option<Option<String>>, sqlx::Error> {
        let mut tx = self.write_tx().await?;
        let row = sqlx::query("SELECT account_id FROM api_keys WHERE id = $1 AND revoked_at IS NULL")
            .bind(key_id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let account: Option<String> = row.try_get("account_id")?;
        sqlx::query("UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
            .bind(key_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some(account))
    }

    /// Who holds the key with this hash (hex SHA-256), if it is valid.
    pub async fn principal(&self, hash: &str) -> Result<Option<Principal>, sqlx::Error> {
        let row = sqlx::query("SELECT id, account_id FROM api_keys WHERE hash = $1 AND revoked_at IS NULL")
            .bind(hash)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| {
            Ok(Principal { key_id: row.try_get("id")?, account_id: row.try_get("account_id")?, console_session: None })
        })
        .transpose()
    }

    /// Appends to the audit log.
    pub async fn record_audit(&self, entry: &AuditEntry) -> Result<(), sqlx::Error> {
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO audit_log (id, account_id, actor, action, target_kind, target_id, detail, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(if entry.id.is_empty() { new_id("aud") } else { entry.id.clone() })
        .bind(entry.account_id.clone())
        .bind(&entry.actor)
        .bind(&entry.action)
        .bind(&entry.target_kind)
        .bind(&entry.target_id)
        .bind(entry.detail.to_string())
        .bind(entry.created_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// An account's audit log, newest first.
    pub async fn audit(
        &self,
        account_id: &str,
        cursor: Option<&Cursor>,
        limit: i64,
    ) -> Result<Page<AuditEntry>, sqlx::Error> {
        let mut conditions = Conditions::new(self.params());
        conditions.equals("account_id", Some(&account_id.to_owned()));
        conditions.after("created_at", cursor, true);
        self.page("SELECT * FROM audit_log", conditions, "created_at", true, limit, |row| {
            let entry = AuditEntry {
                id: row.try_get("id")?,
                account_id: row.try_get("account_id")?,
                actor: row.try_get("actor")?,
                action: row.try_get("action")?,
                target_kind: row.try_get("target_kind")?,
                target_id: row.try_get("target_id")?,
                detail: serde_json::from_str(&row.try_get::<String, _>("detail")?).unwrap_or_default(),
                created_at: row.try_get("created_at")?,
            };
            let cursor = Cursor { at: entry.created_at, id: entry.id.clone() };
            Ok((entry, cursor))
        })
        .await
    }
}

/// What an operator needs to see first about an account's endpoints.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EndpointSummary {
    /// Endpoints in all.
    pub total: i64,
    /// Enabled and failing (every attempt since `failing_since` failed), not yet FAILED.
    pub failing: i64,
    /// FAILED after the failure window, deactivated.
    pub failed: i64,
    /// Switched off (by their owner or a 410 Gone), not FAILED.
    pub off: i64,
    /// The last time any of them was served a delivery (unix ms); 0: never.
    pub last_activity_at: i64,
}

impl Store {
    /// Each listed account's endpoint summary, in one grouped read (accounts without endpoints are absent).
    pub async fn endpoint_summaries(&self, accounts: &[&str]) -> Result<HashMap<String, EndpointSummary>, sqlx::Error> {
        if accounts.is_empty() {
            return Ok(HashMap::new());
        }
        let list = self.params().list(accounts.len());
        let sql = format!(
            "SELECT account_id, COUNT(*) AS total,
               SUM(CASE WHEN health = 'FAILED' THEN 1 ELSE 0 END) AS failed,
               SUM(CASE WHEN health <> 'FAILED' AND enabled <> 0 AND failing_since IS NOT NULL THEN 1 ELSE 0 END)
                 AS failing,
               SUM(CASE WHEN health <> 'FAILED' AND enabled = 0 THEN 1 ELSE 0 END) AS off,
               MAX(served_at) AS last_activity_at
             FROM endpoints WHERE account_id IN ({list}) GROUP BY account_id"
        );
        let mut query = sqlx::query(&sql);
        for account in accounts {
            query = query.bind(*account);
        }
        let mut found = HashMap::new();
        for row in query.fetch_all(&self.pool).await? {
            found.insert(
                row.try_get("account_id")?,
                EndpointSummary {
                    total: row.try_get("total")?,
                    failed: row.try_get("failed")?,
                    failing: row.try_get("failing")?,
                    off: row.try_get("off")?,
                    last_activity_at: row.try_get("last_activity_at")?,
                },
            );
        }
        Ok(found)
    }
}
