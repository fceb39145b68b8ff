//! Retention: history past its time and secrets past their expiry's retention are deleted.

use super::Store;

impl Store {
    /// Deletes every secret that expired before `before` (unix seconds); how many.
    pub async fn purge_expired_secrets(&self, before: i64) -> Result<u64, sqlx::Error> {
        let mut tx = self.write_tx().await?;
        let done = sqlx::query("DELETE FROM secrets WHERE expires_at IS NOT NULL AND expires_at < $1")
            .bind(before)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }

    /// Deletes history older than `cutoff` (unix ms): attempts, finished deliveries, and events left with no
    /// delivery. Pending deliveries are kept whatever their age. Returns the attempts and deliveries removed.
    pub async fn prune(&self, cutoff: i64) -> Result<(u64, u64), sqlx::Error> {
        let mut tx = self.write_tx().await?;
        let attempts = sqlx::query("DELETE FROM attempts WHERE started_at < $1").bind(cutoff).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM attempt_hours WHERE hour < $1").bind(cutoff - 3_600_000).execute(&mut *tx).await?;
        let deliveries = sqlx::query("DELETE FROM deliveries WHERE status <> 'pending' AND updated_at < $1")
            .bind(cutoff)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "DELETE FROM events WHERE created_at < $1 AND NOT EXISTS (
               SELECT 1 FROM deliveries d WHERE d.account_id = events.account_id AND d.event_id = events.id)",
        )
        .bind(cutoff)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok((attempts.rows_affected(), deliveries.rows_affected()))
    }
}
