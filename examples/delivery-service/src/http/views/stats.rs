//! Attempt figures over a window (an account's, an endpoint's by hour), for owners' dashboards and the console.

use super::*;

/// An endpoint's attempts over a window, for its owner's figures and charts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttemptStatsOut {
    /// Successful attempts.
    pub successes: i64,
    /// Failed attempts by class (`timeout`, `http 5xx`, …).
    pub failures: BTreeMap<String, i64>,
    /// Attempts per latency bucket: bucket `i` holds latencies under `latencyBucketsMs[i]`, the last any slower.
    pub latency: Vec<i64>,
}

impl From<&crate::model::AttemptCounts> for AttemptStatsOut {
    fn from(counts: &crate::model::AttemptCounts) -> Self {
        Self { successes: counts.successes, failures: counts.failures.clone(), latency: counts.latency.to_vec() }
    }
}

impl AttemptStatsOut {
    /// Back to counts (the console computes rates and percentiles from them).
    pub fn counts(&self) -> crate::model::AttemptCounts {
        let mut latency = [0; crate::rules::LATENCY_BUCKETS_MS.len() + 1];
        for (slot, count) in latency.iter_mut().zip(&self.latency) {
            *slot = *count;
        }
        crate::model::AttemptCounts { successes: self.successes, failures: self.failures.clone(), latency }
    }
}

/// `GET …/stats`: each endpoint's attempts since `since`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccountStatsOut {
    /// The window's start (unix ms, a whole hour).
    pub since: i64,
    /// The latency buckets' upper bounds (ms).
    pub latency_buckets_ms: Vec<i64>,
    /// By endpoint id.
    pub endpoints: BTreeMap<String, AttemptStatsOut>,
}

/// `GET …/endpoints/{id}/stats`: an endpoint's attempts per hour since `since`, and its last success.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EndpointStatsOut {
    /// The window's start (unix ms, a whole hour).
    pub since: i64,
    /// The latency buckets' upper bounds (ms).
    pub latency_buckets_ms: Vec<i64>,
    /// Hours with attempts, oldest first.
    pub hours: Vec<HourStatsOut>,
    /// When it last accepted an attempt (unix ms).
    pub last_success_at: Option<i64>,
}

/// One hour of an endpoint's attempts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HourStatsOut {
    /// The hour's start (unix ms).
    pub hour: i64,
    /// Its attempts.
    #[serde(flatten)]
    pub attempts: AttemptStatsOut,
}
