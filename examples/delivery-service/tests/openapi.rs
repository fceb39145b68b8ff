//! The OpenAPI document (issue [operate]): generated from the code, committed, served at `/openapi.json`; every route
//! of the router in it and nothing else; every error code of the service's table in the answers; auth declared.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod support;

use std::collections::BTreeSet;

use delivery_service::http::error::ErrorCode;
use serde_json::Value;
use support::Harness;

fn document() -> Value {
    serde_json::from_str(&delivery_service::http::openapi::document()).unwrap()
}

#[test]
fn the_committed_copy_is_the_generated_document() {
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.json")).unwrap();
    assert!(
        committed == delivery_service::http::openapi::document(),
        "examples/delivery-service/openapi.json is stale: run `make generate`"
    );
}

#[test]
fn every_route_is_documented_and_nothing_else() {
    let document = document();
    assert_eq!(document["openapi"], "3.1.0");
    let documented: BTreeSet<(String, String)> = document["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, operations)| {
            operations.as_object().unwrap().keys().map(move |method| (method.clone(), path.clone()))
        })
        .collect();
    let mut routed: BTreeSet<(String, String)> = delivery_service::http::ROUTES
        .iter()
        .map(|(method, path)| ((*method).to_owned(), (*path).to_owned()))
        .collect();
    for path in ["/healthz", "/readyz", "/openapi.json"] {
        routed.insert(("get".to_owned(), path.to_owned()));
    }
    assert_eq!(documented, routed, "the document and the route table disagree");
}

#[test]
fn every_error_code_is_in_the_answers_and_auth_is_declared() {
    let document = document();
    let mut descriptions = String::new();
    for (path, operations) in document["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            for (status, response) in operation["responses"].as_object().unwrap() {
                descriptions.push_str(response["description"].as_str().unwrap_or_default());
                descriptions.push('\n');
                if status.starts_with('4') || status.starts_with('5') {
                    let schema = &response["content"]["application/json"]["schema"]["$ref"];
                    if path != "/readyz" {
                        assert_eq!(schema, "#/components/schemas/ErrorBody", "{method} {path} {status}");
                    }
                }
            }
            let public = ["/healthz", "/readyz", "/openapi.json"].contains(&path.as_str());
            let secured =
                operation["security"].as_array().is_some_and(|list| list.iter().any(|s| s.get("bearer").is_some()));
            assert_eq!(secured, !public, "{method} {path}: security");
        }
    }
    for code in ErrorCode::ALL {
        assert!(descriptions.contains(&format!("`{}`", code.name())), "{} is in no answer", code.name());
    }
    assert_eq!(document["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_serves_its_document() {
    let harness = Harness::start("sqlite").await;
    let text = reqwest::get(format!("{}/openapi.json", harness.api.base)).await.unwrap().text().await.unwrap();
    let served: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(served, document());
    harness.stop().await;
}
