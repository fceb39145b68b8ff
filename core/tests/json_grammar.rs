//! The core's JSON parser accepts exactly what `serde_json` accepts and reads the same values: every literal,
//! escape, number form and nesting depth below, plus generated near-JSON, is compared against `serde_json`.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use dropship_webhooks::canonical_event_json;
use dropship_webhooks::wire::same_json_values;
use proptest::prelude::*;
use serde_json::Value;

/// An order event whose custom data holds `value` as written.
fn event_with(value: &str) -> String {
    format!(r#"{{"id":"e","topic":"order.created","data":{{"id":"o","attributes":{{"x":{value}}}}}}}"#)
}

/// Checks one body both ways: the same verdict on whether it is JSON, and the same value when it is.
fn agree(body: &str) -> Result<(), String> {
    let ours = canonical_event_json(body.as_bytes());
    let theirs = serde_json::from_str::<Value>(body);
    match (ours, theirs) {
        (Ok(canonical), Ok(value)) => {
            let ours: Value = serde_json::from_str(&canonical).map_err(|error| error.to_string())?;
            let expected = value["data"]["attributes"].to_string();
            if same_json_values(&ours["data"]["attributes"].to_string(), &expected) {
                Ok(())
            } else {
                Err(format!("{body}: read {} instead of {expected}", ours["data"]["attributes"]))
            }
        }
        (Err(error), Err(_)) if error.code() == "invalid_json" => Ok(()),
        // Well-formed JSON that is not an event is fine to refuse, as long as serde_json called it JSON.
        (Err(error), Ok(_)) if error.code() == "invalid_payload" => Ok(()),
        (ours, theirs) => {
            Err(format!("{body}: ours {:?}, serde_json {:?}", ours.map_err(|e| e.code()), theirs.is_ok()))
        }
    }
}

const HALFWAY_PAST_MAX: &str = "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497792";

#[test]
fn literals_numbers_and_strings_agree_with_serde_json() {
    let just_below = format!("{}1", &HALFWAY_PAST_MAX[..HALFWAY_PAST_MAX.len() - 1].replace("792", "791"));
    let cases: Vec<String> = [
        // numbers
        "0",
        "-0",
        "7",
        "-7",
        "1.5",
        "-1.25e-3",
        "1e5",
        "1E+5",
        "1e-5",
        "0.0",
        "10.50",
        "18446744073709551616",
        "-9223372036854775809",
        "1.7976931348623157e308",
        "1.7976931348623158e308",
        "1.7976931348623159e308",
        "1e308",
        "1e309",
        "1e400",
        "1e-400",
        "-1e400",
        "0e999999999999",
        "1e-999999999999",
        "1e999999999999",
        "01",
        "-01",
        "1.",
        ".5",
        "1e",
        "1e+",
        "+1",
        "-",
        "--1",
        "1.5.5",
        "0x10",
        "NaN",
        "Infinity",
        "-Infinity",
        // literals
        "true",
        "false",
        "null",
        "tru",
        "nul",
        "True",
        "nulll",
        // strings
        r#""""#,
        r#""plain""#,
        r#""é and 😀""#,
        r#""\"\\\/\b\f\n\r\t""#,
        r#""\u0041\u00e9\u20ac""#,
        r#""\ud83d\ude00""#,
        r#""\uD83D\uDE00""#,
        r#""\ud800""#,
        r#""\udc00""#,
        r#""\ud800\u0041""#,
        r#""\ud800x""#,
        r#""\u12""#,
        r#""\u12G4""#,
        r#""\x""#,
        r#""\u0000""#,
        "\"a\u{1}b\"",
        "\"tab\tin\"",
        "\"line\nbreak\"",
        "\"\u{7f}\"",
        r#""unterminated"#,
        "'single'",
        // containers
        "[]",
        "[ ]",
        "[1, 2 ,3]",
        "[1,]",
        "[,1]",
        "[1 2]",
        "{}",
        r#"{"a":1,"a":2}"#,
        r#"{"b":1,"a":[{}]}"#,
        r#"{"a":1,}"#,
        "{a:1}",
        r#"{"a" 1}"#,
        r#"{"a":}"#,
        r#"{1:2}"#,
        "[",
        "{",
        r#"{"a":1"#,
        "[1",
        " \t\n\r 1 \t\n\r ",
    ]
    .iter()
    .map(|case| (*case).to_owned())
    .chain([HALFWAY_PAST_MAX.to_owned(), just_below, format!("-{HALFWAY_PAST_MAX}"), format!("{HALFWAY_PAST_MAX}.0")])
    .collect();
    for case in &cases {
        agree(&event_with(case)).unwrap();
    }
    // Around the body itself: trailing text, nothing, not UTF-8.
    for body in ["", " ", "{} x", "{}}", "\u{feff}{}"] {
        agree(body).unwrap();
    }
    let mut not_utf8 = event_with(r#""ab""#).into_bytes();
    let inside_the_string = not_utf8.len() - 6;
    not_utf8[inside_the_string] = 0xff;
    assert_eq!(canonical_event_json(&not_utf8).unwrap_err().code(), "invalid_json");
}

#[test]
fn nesting_depth_matches_serde_json() {
    for depth in [1, 100, 124, 125, 126, 127, 128, 129, 5000] {
        agree(&event_with(&format!("{}{}", "[".repeat(depth), "]".repeat(depth)))).unwrap();
        agree(&event_with(&format!("{}{}", r#"{"a":"#.repeat(depth), "}".repeat(depth)))).unwrap();
    }
}

#[test]
fn errors_say_where() {
    let error = canonical_event_json(b"{\n  \"id\": 01\n}").unwrap_err();
    assert_eq!(error.code(), "invalid_json");
    assert!(error.to_string().contains("line 2 column 10"), "{error}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    /// Near-JSON built from JSON's own characters, as a custom data value.
    #[test]
    fn generated_values_agree(value in r#"[\[\]{}",:0-9eE.+\-tnulrfase \\u/bd8]{0,24}"#) {
        let verdict = agree(&event_with(&value));
        prop_assert!(verdict.is_ok(), "{:?}", verdict);
    }

    #[test]
    fn generated_bodies_agree(body in r#"[\[\]{}",:0-9a-z.\- ]{0,48}"#) {
        let verdict = agree(&body);
        prop_assert!(verdict.is_ok(), "{:?}", verdict);
    }
}
