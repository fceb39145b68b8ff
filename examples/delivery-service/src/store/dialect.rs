//! Every difference between SQLite and Postgres the store knows of: placeholders, the database's clock, which
//! errors mean "the database cannot be reached", and the SQLite writer's turn (SQLite has one writer at a time).

use std::ops::{Deref, DerefMut};

use sqlx::{Any, AnyConnection, Transaction};

use super::Store;

/// Which database the store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite.
    Sqlite,
    /// Postgres, shared by several service processes.
    Postgres,
}

/// Whether an error means the database could not be reached or could not take the write now (a connection, the
/// pool, a server shutting down, SQLite busy): worth waiting for, unlike a statement the database refused.
pub fn is_unreachable(backend: Backend, error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Protocol(_) => true,
        sqlx::Error::Database(database) => database.code().is_some_and(|code| match backend {
            // Connection exceptions (08…), the server shutting down or starting (57P01–57P03).
            Backend::Postgres => code.starts_with("08") || ["57P01", "57P02", "57P03"].contains(&code.as_ref()),
            // SQLITE_BUSY (5) and SQLITE_LOCKED (6), with their extended codes (low byte 5 or 6).
            Backend::Sqlite => code.parse::<u32>().is_ok_and(|number| matches!(number & 0xff, 5 | 6)),
        }),
        _ => false,
    }
}

/// Placeholders for one statement, numbered in the order they appear (bind values in that order): `$1, $2, …` on
/// Postgres, `?` on SQLite. SQLite looks each numbered or named parameter up in a list when it prepares and binds a
/// statement, so a multi-row statement of thousands of `$n` costs it quadratic time; `?` costs nothing.
pub(crate) struct Params {
    postgres: bool,
    next: usize,
}

impl Params {
    pub(crate) fn one(&mut self) -> String {
        if self.postgres {
            self.next += 1;
            format!("${}", self.next)
        } else {
            "?".to_owned()
        }
    }

    /// `count` placeholders separated by commas.
    pub(crate) fn list(&mut self, count: usize) -> String {
        (0..count).map(|_| self.one()).collect::<Vec<_>>().join(", ")
    }

    /// `rows` parenthesized tuples of `width` placeholders: a multi-row `VALUES` list.
    pub(crate) fn rows(&mut self, rows: usize, width: usize) -> String {
        (0..rows).map(|_| format!("({})", self.list(width))).collect::<Vec<_>>().join(", ")
    }
}

pub(crate) fn bool_int(value: bool) -> i64 {
    i64::from(value)
}

impl Store {
    /// A write transaction, with the process's writer turn on SQLite: the one way the store writes, so no write
    /// can forget the turn. SQLite takes one writer at a time, and a second one waits in SQLite's busy handler,
    /// which sleeps in steps of up to 100 ms; the process's writers queue on a mutex instead and start the moment
    /// the previous one commits. On SQLite the transaction begins `IMMEDIATE` (the write lock at once, so it never
    /// has to upgrade a read lock, which fails at once when another process wrote in between).
    pub(crate) async fn write_tx(&self) -> Result<WriteTx, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => {
                let turn = self.sqlite_writer.clone().lock_owned().await;
                let tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
                Ok(WriteTx { tx, _turn: Some(turn) })
            }
            Backend::Postgres => Ok(WriteTx { tx: self.pool.begin().await?, _turn: None }),
        }
    }

    pub(crate) fn params(&self) -> Params {
        Params { postgres: self.backend == Backend::Postgres, next: 0 }
    }

    /// The database's clock in unix ms, as SQL: leases are stamped and compared with it.
    pub(crate) fn database_now(&self) -> &'static str {
        match self.backend {
            Backend::Postgres => "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)",
            Backend::Sqlite => "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)",
        }
    }
}

/// A write transaction holding the process's writer turn (SQLite) until it commits or is dropped (rolled back).
pub(crate) struct WriteTx {
    tx: Transaction<'static, Any>,
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl WriteTx {
    /// Commits, then gives the writer turn back.
    pub(crate) async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }
}

impl Deref for WriteTx {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        &self.tx
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }
}
