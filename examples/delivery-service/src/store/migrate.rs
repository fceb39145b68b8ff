//! The schema: versioned migrations (`migrations/`, one SQL dialect for both databases), the adoption of databases
//! made before migrations were versioned, and sealing secrets stored in the clear by early releases.

use std::borrow::Cow;
use std::time::Duration;

use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{Executor, Row};

use super::{Backend, Store};

/// The versioned migrations (`migrations/`, one SQL dialect for both databases), in order.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "baseline", include_str!("../../migrations/0001_baseline.sql")),
    (2, "accounts", include_str!("../../migrations/0002_accounts.sql")),
    (3, "disabled reason", include_str!("../../migrations/0003_disabled_reason.sql")),
    (4, "slow down", include_str!("../../migrations/0004_slow_down.sql")),
    (5, "operational webhooks", include_str!("../../migrations/0005_operational.sql")),
    (6, "console", include_str!("../../migrations/0006_console.sql")),
    (7, "trust", include_str!("../../migrations/0007_trust.sql")),
    (8, "account look, last success, event index", include_str!("../../migrations/0008_account_look.sql")),
    (9, "fewer writes per delivery", include_str!("../../migrations/0009_fewer_writes.sql")),
];

/// The latest schema version ([`Store::schema_version`] after connecting): the last migration's, so adding one
/// cannot leave it behind.
pub const SCHEMA_VERSION: i64 = MIGRATIONS[MIGRATIONS.len() - 1].0;

fn migrator() -> Migrator {
    let migrations = MIGRATIONS
        .iter()
        .map(|(version, description, sql)| {
            Migration::new(*version, Cow::Borrowed(*description), MigrationType::Simple, Cow::Borrowed(*sql), false)
        })
        .collect::<Vec<_>>();
    Migrator { migrations: Cow::Owned(migrations), ..Migrator::DEFAULT }
}

/// Columns added to the first schema before migrations were versioned, for databases made before them:
/// (table, column, definition). Added before the migrations run, so the baseline finds the schema it describes.
const ADDED_COLUMNS: &[(&str, &str, &str)] = &[
    ("endpoints", "rate_tat_us", "BIGINT NOT NULL DEFAULT 0"),
    ("endpoints", "served_at", "BIGINT NOT NULL DEFAULT 0"),
    ("endpoints", "due_at", "BIGINT"),
];

impl Store {
    /// Brings the schema to [`SCHEMA_VERSION`]: a database made before versioned migrations gets the columns its
    /// baseline expects, then every migration not yet applied runs (Postgres: under sqlx's advisory lock, so
    /// processes starting together apply each once), then secret values still stored in the clear are sealed.
    pub(crate) async fn migrate(&self) -> Result<(), sqlx::Error> {
        self.adopt_unversioned().await?;
        let migrator = migrator();
        // Bounded: three more tries on SQLite, none on Postgres (its advisory lock orders the processes).
        let mut tries = 0;
        loop {
            match migrator.run(&self.pool).await {
                Ok(()) => break,
                // A newer release migrated this database: writing to a schema this build does not know could lose
                // or misread data, so the process refuses to start and says what to run instead.
                Err(sqlx::migrate::MigrateError::VersionMissing(version)) => {
                    return Err(sqlx::Error::Configuration(
                        format!(
                            "the database's schema is newer than this build (migration {version} was applied by a \
                             newer release; this build knows up to {SCHEMA_VERSION}): run that release or a later one"
                        )
                        .into(),
                    ));
                }
                // SQLite: two processes that started together may both try a migration; the second fails on the
                // first one's tables and, read again, finds it applied.
                Err(_) if self.backend == Backend::Sqlite && tries < 3 => {
                    tries += 1;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(error) => return Err(sqlx::Error::Migrate(Box::new(error))),
            }
        }
        self.seal_stored_secrets().await
    }

    /// The highest migration applied.
    pub async fn schema_version(&self) -> Result<i64, sqlx::Error> {
        sqlx::query("SELECT MAX(version) AS v FROM _sqlx_migrations WHERE success = TRUE")
            .fetch_one(&self.pool)
            .await?
            .try_get::<Option<i64>, _>("v")
            .map(Option::unwrap_or_default)
    }

    async fn table_exists(&self, connection: &mut sqlx::AnyConnection, table: &str) -> Result<bool, sqlx::Error> {
        let statement = match self.backend {
            Backend::Sqlite => "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = $1",
            Backend::Postgres => {
                "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = current_schema()
                 AND table_name = $1"
            }
        };
        Ok(sqlx::query(statement).bind(table).fetch_one(&mut *connection).await?.try_get::<i64, _>("n")? > 0)
    }

    /// A database made before migrations were versioned (its tables exist, sqlx's bookkeeping does not): adds the
    /// columns the early releases lacked and makes endpoints with pending deliveries due, so the baseline migration
    /// finds the schema it describes.
    async fn adopt_unversioned(&self) -> Result<(), sqlx::Error> {
        let mut connection = self.pool.acquire().await?;
        if self.backend == Backend::Postgres {
            // Several processes may start at once.
            connection.execute("SELECT pg_advisory_lock(72430151)").await?;
        }
        let result = self.adopt_unversioned_on(&mut connection).await;
        if self.backend == Backend::Postgres {
            connection.execute("SELECT pg_advisory_unlock(72430151)").await?;
        }
        result
    }

    async fn adopt_unversioned_on(&self, connection: &mut sqlx::AnyConnection) -> Result<(), sqlx::Error> {
        if self.table_exists(connection, "_sqlx_migrations").await?
            || !self.table_exists(connection, "endpoints").await?
        {
            return Ok(());
        }
        for (table, column, definition) in ADDED_COLUMNS {
            let missing = match self.backend {
                Backend::Postgres => true,
                Backend::Sqlite => {
                    sqlx::query("SELECT COUNT(*) AS n FROM pragma_table_info($1) WHERE name = $2")
                        .bind(*table)
                        .bind(*column)
                        .fetch_one(&mut *connection)
                        .await?
                        .try_get::<i64, _>("n")?
                        == 0
                }
            };
            if missing {
                let exists = if self.backend == Backend::Postgres { "IF NOT EXISTS " } else { "" };
                let statement = format!("ALTER TABLE {table} ADD COLUMN {exists}{column} {definition}");
                connection.execute(statement.as_str()).await?;
            }
        }
        // Endpoints with pending deliveries and no due time (a database from before `due_at`): due again.
        connection
            .execute(
                "UPDATE endpoints SET due_at = (SELECT MIN(d.next_attempt_at) FROM deliveries d
                   WHERE d.endpoint_id = endpoints.id AND d.status = 'pending')
                 WHERE due_at IS NULL",
            )
            .await?;
        Ok(())
    }

    /// Seals every secret value still stored in the clear (rows from before sealing). Each row is rewritten only
    /// if it still holds the clear value, so processes starting together do not seal a row twice.
    async fn seal_stored_secrets(&self) -> Result<(), sqlx::Error> {
        let rows =
            sqlx::query("SELECT id, value FROM secrets WHERE value NOT LIKE 'enc:v1:%'").fetch_all(&self.pool).await?;
        if rows.is_empty() {
            return Ok(());
        }
        let mut tx = self.write_tx().await?;
        for row in &rows {
            let id: String = row.try_get("id")?;
            let value: String = row.try_get("value")?;
            sqlx::query("UPDATE secrets SET value = $2 WHERE id = $1 AND value = $3")
                .bind(&id)
                .bind(self.sealer.seal(&id, &value).map_err(|error| sqlx::Error::Encode(Box::new(error)))?)
                .bind(&value)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        tracing::info!(count = rows.len(), "sealed signing secrets stored in the clear");
        Ok(())
    }
}
