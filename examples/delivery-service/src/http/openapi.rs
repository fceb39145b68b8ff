//! The API described as OpenAPI 3.1, generated from the code: the handlers' `#[utoipa::path]` annotations (method,
//! path, parameters, body, every answer with the error codes it can carry), the request types and the response
//! types of [`super::views`]. Served at `/openapi.json`; `make generate` writes it to
//! `examples/delivery-service/openapi.json` and `make generate-check` fails when that copy is stale.

use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// The document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "dropship-webhooks delivery service",
        description = "Accounts, endpoint configurations, secrets, events, delivery history, resend and recover, \
                       operational webhooks and the console's links. Every route but `/healthz`, `/readyz` and \
                       `/openapi.json` needs `Authorization: Bearer <key>`: an admin key reaches every account, an \
                       account key its own. Errors answer `{\"error\": {\"code\", \"message\", \"field\"}}`.",
    ),
    paths(
        crate::http::healthz,
        crate::http::readyz,
        crate::http::openapi_json,
        crate::http::topics,
        crate::http::keys::list_admin_keys,
        crate::http::keys::revoke_any_key,
        crate::http::accounts::create_account,
        crate::http::accounts::list_accounts,
        crate::http::accounts::get_account,
        crate::http::accounts::edit_account,
        crate::http::accounts::delete_account,
        crate::http::keys::create_key,
        crate::http::keys::list_keys,
        crate::http::keys::revoke_key,
        crate::http::endpoints::create_endpoint,
        crate::http::endpoints::list_endpoints,
        crate::http::endpoints::get_endpoint,
        crate::http::endpoints::edit_endpoint,
        crate::http::endpoints::delete_endpoint,
        crate::http::endpoints::activate,
        crate::http::endpoints::deactivate,
        crate::http::endpoints::health,
        crate::http::secrets::add_secret,
        crate::http::secrets::list_secrets,
        crate::http::secrets::roll_secret,
        crate::http::secrets::edit_secret,
        crate::http::secrets::delete_secret,
        crate::http::events::send_test,
        crate::http::history::list_endpoint_deliveries,
        crate::http::history::list_endpoint_attempts,
        crate::http::history::recover,
        crate::http::stats::endpoint_stats,
        crate::http::events::create_event,
        crate::http::events::create_events,
        crate::http::history::list_events,
        crate::http::history::list_deliveries,
        crate::http::history::list_attempts,
        crate::http::history::list_audit,
        crate::http::stats::account_stats,
        crate::http::operational::set_operational_webhook,
        crate::http::operational::get_operational_webhook,
        crate::http::operational::delete_operational_webhook,
        crate::http::operational::list_operational_events,
        crate::http::console_links::create_link,
        crate::http::stream::stream,
        crate::http::history::get_delivery,
        crate::http::history::resend,
        crate::http::history::get_attempt,
    ),
    modifiers(&BearerKeys),
    tags(
        (name = "accounts", description = "Accounts: a platform's customers (admin key to make and delete)"),
        (name = "keys", description = "API keys (admin key)"),
        (name = "endpoints", description = "Endpoint configurations, their switch and health"),
        (name = "secrets", description = "Signing secrets: add, roll, expire, delete"),
        (name = "events", description = "Events: posted, fanned out, tested"),
        (name = "history", description = "Deliveries, attempts, the audit log, resend, recover, the live stream"),
        (name = "stats", description = "Attempts counted by outcome and latency"),
        (name = "operational", description = "Operational webhooks: notices of trouble to the platform"),
        (name = "console", description = "Links into the webhooks console"),
        (name = "topics", description = "The topic catalog"),
        (name = "service", description = "Liveness, readiness and this document"),
    )
)]
pub struct ApiDoc;

/// The bearer-key scheme every authenticated route declares.
struct BearerKeys;

impl Modify for BearerKeys {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    }
}

/// The document as JSON, pretty-printed (the committed copy and `/openapi.json`).
pub fn document() -> String {
    let mut text = ApiDoc::openapi().to_pretty_json().unwrap_or_else(|error| format!("{{\"error\": \"{error}\"}}"));
    text.push('\n');
    text
}
