//! The endpoint page's charts, as server-rendered SVG: attempts per hour by outcome and latency percentiles.

// Links and sessions are people's time: the wall clock, not the service clock (which a demo runs faster).
use crate::model::AttemptCounts;

/// Colors of the chart's series (presentation attributes: the policy allows no inline style).
pub(crate) const SUCCESS_COLOR: &str = "#1b7f3b";
pub(crate) const CLASS_COLORS: &[(&str, &str)] = &[
    ("timeout", "#b3261e"),
    ("dns", "#8e24aa"),
    ("tls", "#6d4c41"),
    ("connect", "#e65100"),
    ("network", "#f9a825"),
    ("http 4xx", "#c2185b"),
    ("http 5xx", "#7b1fa2"),
    ("blocked", "#455a64"),
    ("signing", "#37474f"),
    ("config", "#00695c"),
];

pub(crate) fn class_color(class: &str) -> &'static str {
    CLASS_COLORS.iter().find(|(name, _)| *name == class).map_or("#757575", |(_, color)| *color)
}

/// The last 24 hours, one slot per hour, oldest first (hours without attempts are empty).
pub(crate) fn day_slots(hours: &[(i64, AttemptCounts)], now: i64) -> Vec<(i64, AttemptCounts)> {
    let current = now - now.rem_euclid(3_600_000);
    (0..24)
        .map(|back| current - (23 - back) * 3_600_000)
        .map(|start| {
            (start, hours.iter().find(|(hour, _)| *hour == start).map(|(_, counts)| counts.clone()).unwrap_or_default())
        })
        .collect()
}

/// Attempts per hour as stacked bars: successes, then failures by class. Server-rendered SVG, no script.
/// Room on the left for the value axis' labels.
const AXIS: f64 = 44.0;

/// The value axis: its line, the largest value at the top and 0 at the bottom, and the baseline.
fn value_axis(top_label: &str, bottom_label: &str, height: f64, width: f64) -> String {
    format!(
        "<text x=\"{}\" y=\"10\" font-size=\"10\" text-anchor=\"end\" fill=\"currentColor\">{top_label}</text>\
         <text x=\"{}\" y=\"{height}\" font-size=\"10\" text-anchor=\"end\" fill=\"currentColor\">{bottom_label}</text>\
         <line x1=\"{}\" y1=\"0\" x2=\"{}\" y2=\"{height}\" stroke=\"currentColor\" stroke-opacity=\"0.5\"/>\
         <line x1=\"{}\" y1=\"{height}\" x2=\"{width}\" y2=\"{height}\" stroke=\"currentColor\" stroke-opacity=\"0.5\"/>",
        AXIS - 6.0,
        AXIS - 6.0,
        AXIS - 2.0,
        AXIS - 2.0,
        AXIS - 2.0
    )
}

/// The hours under a chart, every sixth.
fn hour_axis(slots: &[(i64, AttemptCounts)], y: f64) -> String {
    slots
        .iter()
        .enumerate()
        .filter(|(index, _)| index % 6 == 0)
        .map(|(index, (start, _))| {
            format!(
                "<text x=\"{}\" y=\"{y}\" font-size=\"10\" fill=\"currentColor\">{}</text>",
                AXIS + index as f64 * 20.0 + 2.0,
                hour_label(*start)
            )
        })
        .collect()
}

pub(crate) fn outcome_chart(slots: &[(i64, AttemptCounts)]) -> String {
    let (width, height, bar) = (AXIS + 480.0, 120.0, 16.0);
    let most = slots.iter().map(|(_, counts)| counts.total()).max().unwrap_or(0).max(1) as f64;
    let mut svg = format!(
        "<svg role=\"img\" aria-labelledby=\"outcomes-title\" viewBox=\"0 0 {width} {}\" width=\"{width}\" height=\"{}\">\
         <title id=\"outcomes-title\">Attempts per hour over the last 24 hours, by outcome and error class (at most {most} in an hour)</title>",
        height + 16.0,
        height + 16.0
    );
    svg.push_str(&value_axis(&format!("{most} / h"), "0", height, width));
    svg.push_str(&hour_axis(slots, height + 12.0));
    for (index, (start, counts)) in slots.iter().enumerate() {
        let x = AXIS + index as f64 * 20.0 + 2.0;
        let mut top = height;
        let mut series: Vec<(String, i64, &str)> = vec![("success".into(), counts.successes, SUCCESS_COLOR)];
        series.extend(counts.failures.iter().map(|(class, n)| (class.clone(), *n, class_color(class))));
        for (name, n, color) in series.into_iter().filter(|(_, n, _)| *n > 0) {
            let h = (n as f64 / most * height).max(1.0);
            top -= h;
            svg.push_str(&format!(
                "<rect x=\"{x}\" y=\"{top:.1}\" width=\"{bar}\" height=\"{h:.1}\" fill=\"{color}\"><title>{}: {n} {name}</title></rect>",
                hour_label(*start)
            ));
        }
    }
    svg.push_str("</svg>");
    svg
}

/// An hour's p50 and p90 latencies (bucket bounds, ms).
pub(crate) type Percentiles = (Option<i64>, Option<i64>);

/// Latency per hour: p50 and p90 (bucket bounds) as two lines.
pub(crate) fn latency_chart(slots: &[(i64, AttemptCounts)]) -> String {
    let (width, height) = (AXIS + 480.0, 120.0);
    let values: Vec<Percentiles> =
        slots.iter().map(|(_, counts)| (counts.latency_at_most(0.5), counts.latency_at_most(0.9))).collect();
    let most = values.iter().filter_map(|(_, p90)| *p90).max().unwrap_or(0).max(10) as f64;
    let points = |pick: fn(&Percentiles) -> Option<i64>| -> Vec<(f64, f64)> {
        values
            .iter()
            .enumerate()
            .filter_map(|(index, value)| {
                pick(value).map(|ms| (AXIS + index as f64 * 20.0 + 10.0, height - ms as f64 / most * height))
            })
            .collect()
    };
    let mut svg = format!(
        "<svg role=\"img\" aria-labelledby=\"latency-title\" viewBox=\"0 0 {width} {}\" width=\"{width}\" height=\"{}\">\
         <title id=\"latency-title\">Latency per hour over the last 24 hours: p50 (solid) and p90 (dashed), up to {most} ms</title>",
        height + 16.0,
        height + 16.0
    );
    svg.push_str(&value_axis(&format!("{most} ms"), "0 ms", height, width));
    svg.push_str(&hour_axis(slots, height + 12.0));
    for (pick, color, dash) in
        [(points(|value| value.0), "#2457d6", ""), (points(|value| value.1), "#b3261e", " stroke-dasharray=\"4 3\"")]
    {
        let line: Vec<String> = pick.iter().map(|(x, y)| format!("{x},{y:.1}")).collect();
        svg.push_str(&format!(
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2\"{dash}/>",
            line.join(" ")
        ));
        // A point per hour, so a lone hour shows too.
        for (x, y) in pick {
            svg.push_str(&format!("<circle cx=\"{x}\" cy=\"{y:.1}\" r=\"2.5\" fill=\"{color}\"/>"));
        }
    }
    svg.push_str("</svg>");
    svg
}

pub(crate) fn hour_label(start: i64) -> String {
    let text = dropship_webhooks::time::rfc3339_ms(start);
    text.get(11..16).map_or(text.clone(), str::to_owned)
}

#[cfg(test)]
mod color_tests {
    use super::*;

    #[test]
    fn every_failure_class_has_its_own_color() {
        let classes = crate::rules::failure_classes();
        for class in &classes {
            assert!(CLASS_COLORS.iter().any(|(name, _)| name == class), "{class} has no color");
        }
        let mut colors: Vec<&str> = CLASS_COLORS.iter().map(|(_, color)| *color).collect();
        colors.push(SUCCESS_COLOR);
        let count = colors.len();
        colors.sort_unstable();
        colors.dedup();
        assert_eq!(colors.len(), count, "two series share a color");
    }

    fn counts(successes: i64, failures: &[(&str, i64)], latency_bucket: usize) -> AttemptCounts {
        let mut counts = AttemptCounts { successes, ..AttemptCounts::default() };
        for (class, n) in failures {
            counts.failures.insert((*class).to_owned(), *n);
        }
        if let Some(slot) = counts.latency.get_mut(latency_bucket) {
            *slot = successes + failures.iter().map(|(_, n)| n).sum::<i64>();
        }
        counts
    }

    #[test]
    fn a_day_has_24_hourly_slots_ending_with_the_current_hour() {
        let now = 10 * 3_600_000 + 1_234;
        let slots = day_slots(&[(9 * 3_600_000, counts(3, &[], 2))], now);
        assert_eq!(slots.len(), 24);
        assert_eq!(slots.last().map(|(start, _)| *start), Some(10 * 3_600_000));
        assert_eq!(slots[22].1.successes, 3, "the hour before the current one");
        assert!(slots.iter().filter(|(_, counts)| counts.total() > 0).count() == 1);
    }

    #[test]
    fn the_charts_draw_each_series_with_its_color_and_counts() {
        let slots = vec![(0, counts(4, &[("http 5xx", 2), ("timeout", 1)], 3)), (3_600_000, AttemptCounts::default())];
        let bars = outcome_chart(&slots);
        assert!(bars.starts_with("<svg") && bars.ends_with("</svg>"));
        assert!(bars.contains(&format!("fill=\"{SUCCESS_COLOR}\"")) && bars.contains("4 success"), "{bars}");
        assert!(bars.contains(class_color("http 5xx")) && bars.contains("2 http 5xx"), "{bars}");
        assert!(bars.contains("at most 7 in an hour"), "{bars}");
        let lines = latency_chart(&slots);
        // One hour with attempts: one point per percentile, both in the bucket under 100 ms.
        assert_eq!(lines.matches("<circle").count(), 2, "{lines}");
        assert!(lines.contains("up to 100 ms"), "{lines}");
    }
}
