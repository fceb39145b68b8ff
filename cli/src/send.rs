//! `trigger`: an event of a topic — the core's sample, or the developer's data — checked against the topic's shape,
//! signed and sent; the answer printed with its latency.

use std::time::{Duration, Instant};

use clap::Args;
use dropship_webhooks::time::rfc3339_ms;
use dropship_webhooks::{canonical_event_json, find_topic, samples::sample_event_json};
use serde_json::{json, Map, Value};

use crate::{
    exit, now_seconds, print_json, random_id, read_body, secret_args, webhook, Failure, Finish, Format, SchemeArg,
};

/// The most of a response body printed.
const SHOWN_RESPONSE_BYTES: usize = 4096;

/// `trigger`'s arguments.
#[derive(Args)]
pub struct TriggerArgs {
    /// The topic, e.g. `order.created` (`dropship-webhooks trigger --help` lists them).
    topic: String,
    /// Where to send it.
    #[arg(long)]
    url: String,
    /// The secret to sign with (repeat for several).
    #[arg(long = "secret", required = true)]
    secrets: Vec<String>,
    /// The event's `data` from a file (`-`: stdin) instead of the topic's sample.
    #[arg(long)]
    data: Option<String>,
    /// Change one value of the event: `path=value`, the path dotted from the event (`data.id=ord_7`,
    /// `data.lines.0.quantity=3`); the value is JSON if it parses as JSON, else a string (repeat).
    #[arg(long = "set")]
    sets: Vec<String>,
    #[arg(long, value_enum, default_value_t = SchemeArg::Standard)]
    scheme: SchemeArg,
    /// The HTTP method.
    #[arg(long, default_value = "POST")]
    method: String,
    /// Seconds to wait for the answer.
    #[arg(long, default_value_t = 10)]
    timeout: u64,
}

/// Sets `path` (dot-separated keys and array indexes) in `event` to `value`.
fn set_path(event: &mut Value, path: &str, value: Value) -> Result<(), String> {
    let mut at = event;
    let keys: Vec<&str> = path.split('.').collect();
    let Some((last, parents)) = keys.split_last() else { return Err("an empty path".into()) };
    for key in parents {
        at = match at {
            Value::Object(map) => map.entry((*key).to_owned()).or_insert_with(|| Value::Object(Map::new())),
            Value::Array(items) => {
                let index: usize = key.parse().map_err(|_| format!("`{key}` in `{path}` is not an array index"))?;
                items.get_mut(index).ok_or_else(|| format!("`{path}`: the array has no element {index}"))?
            }
            _ => return Err(format!("`{path}`: `{key}` is inside a value that is neither an object nor an array")),
        };
    }
    match at {
        Value::Object(map) => {
            map.insert((*last).to_owned(), value);
        }
        Value::Array(items) => {
            let index: usize = last.parse().map_err(|_| format!("`{last}` in `{path}` is not an array index"))?;
            *items.get_mut(index).ok_or_else(|| format!("`{path}`: the array has no element {index}"))? = value;
        }
        _ => return Err(format!("`{path}` is inside a value that is neither an object nor an array")),
    }
    Ok(())
}

/// A topic's sample event (the core's), with its data replaced by `--data` when given (a file, `-` for stdin); the
/// topic's canonical name with it. Shared by `trigger` and `events send`.
pub(crate) fn sample_event(topic: &str, data: Option<&str>) -> Result<(&'static str, Value), Failure> {
    let topic = find_topic(topic).ok_or_else(|| {
        let names: Vec<&str> = dropship_webhooks::TOPICS.iter().map(|topic| topic.name).collect();
        Failure::usage(format!("unknown topic `{topic}`; the topics are: {}", names.join(", ")))
    })?;
    let sample =
        sample_event_json(topic.name).ok_or_else(|| Failure::usage(format!("no sample for {}", topic.name)))?;
    let mut event: Value = serde_json::from_str(sample).map_err(|error| Failure::usage(error.to_string()))?;
    if let Some(source) = data {
        let data = read_body(source)?;
        event["data"] =
            serde_json::from_slice(&data).map_err(|error| Failure::usage(format!("--data is not JSON: {error}")))?;
    }
    Ok((topic.name, event))
}

/// Applies every `--set path=value` (the value is JSON if it parses as JSON, else a string).
pub(crate) fn apply_sets(event: &mut Value, sets: &[String]) -> Result<(), Failure> {
    for assignment in sets {
        let (path, text) = assignment
            .split_once('=')
            .ok_or_else(|| Failure::usage(format!("--set `{assignment}` is not `path=value`")))?;
        let value = serde_json::from_str(text).unwrap_or_else(|_| Value::from(text));
        set_path(event, path, value).map_err(|problem| Failure::usage(format!("--set: {problem}")))?;
    }
    Ok(())
}

/// The event to send: the sample (or the given data) with a fresh id and time, and every `--set` applied.
fn event(args: &TriggerArgs) -> Result<Vec<u8>, Failure> {
    let (topic, mut event) = sample_event(&args.topic, args.data.as_deref())?;
    event["id"] = Value::from(random_id("evt")?);
    event["createdAt"] = Value::from(rfc3339_ms(i64::try_from(now_seconds()).unwrap_or(i64::MAX).saturating_mul(1000)));
    apply_sets(&mut event, &args.sets)?;
    let body = serde_json::to_vec(&event).map_err(|error| Failure::usage(error.to_string()))?;
    // The topic's shape, as every receiver's SDK will check it.
    canonical_event_json(&body).map_err(|error| Failure::usage(format!("the event does not fit {topic}: {error}")))?;
    Ok(body)
}

/// Runs `trigger`.
pub fn trigger(format: Format, args: TriggerArgs) -> Finish {
    let signer = webhook(&secret_args(&args.secrets)?, args.scheme.into())?;
    let body = event(&args)?;
    let id = random_id("msg")?;
    let signed = signer.sign(&id, now_seconds(), &body)?;
    let method = reqwest::Method::from_bytes(args.method.to_ascii_uppercase().as_bytes())
        .map_err(|_| Failure::usage(format!("`{}` is not an HTTP method", args.method)))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| Failure::usage(error.to_string()))?;
    let started = Instant::now();
    let (status, response) = runtime.block_on(async {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(args.timeout))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|error| Failure::network(error.to_string()))?;
        let mut request = client.request(method, &args.url).header("content-type", "application/json");
        for (name, value) in signed.iter() {
            request = request.header(name, value);
        }
        let response = request
            .body(body.clone())
            .send()
            .await
            .map_err(|error| Failure::network(format!("{}: {error}", args.url)))?;
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        Ok::<_, Failure>((status, text))
    })?;
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let shown: String = response.chars().take(SHOWN_RESPONSE_BYTES).collect();
    match format {
        Format::Json => print_json(&json!({
            "topic": args.topic, "messageId": id, "status": status, "latencyMs": (latency_ms * 10.0).round() / 10.0,
            "response": shown, "sent": serde_json::from_slice::<Value>(&body).unwrap_or(Value::Null),
        })),
        Format::Text => {
            println!("{} {} → HTTP {status} in {latency_ms:.1} ms (message {id})", args.topic, args.url);
            if !shown.is_empty() {
                println!("{shown}");
            }
        }
    }
    Ok(if (200..300).contains(&status) { exit::OK } else { exit::VERIFICATION })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_set_nested_values() {
        let mut event = json!({ "data": { "lines": [{ "quantity": 1 }] } });
        assert_eq!(set_path(&mut event, "data.lines.0.quantity", json!(3)), Ok(()));
        assert_eq!(set_path(&mut event, "data.note.text", json!("x")), Ok(()));
        assert_eq!(event, json!({ "data": { "lines": [{ "quantity": 3 }], "note": { "text": "x" } } }));
        assert!(set_path(&mut event, "data.lines.4.quantity", json!(1)).is_err());
    }
}
