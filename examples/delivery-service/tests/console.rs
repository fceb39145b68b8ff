//! The console (issue [console], its server side): single-use links and admin sign-in open sessions with safe
//! cookies; every page carries a strict Content-Security-Policy; forms need their CSRF token, show the API's
//! refusals next to the field, and act through the API (so an account's session sees nothing of another's).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod support;

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;
use support::{at, backends, csrf_of, location, Browser, Harness, Receiver, Reply, API_KEY};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_opens_one_session_whose_forms_act_through_the_api() {
    for backend in backends() {
        let harness = Harness::start(backend).await;
        let api = &harness.api;
        let receiver = Receiver::start(Reply::Status(200)).await;

        // A link, used once: a session cookie that scripts cannot read, sent back to the console only.
        let (status, link) = api.post(&at("/console-links"), json!({})).await;
        assert_eq!(status, 201, "{link}");
        // Without --public-url a link is a path (never built from the request's Host header).
        let url = link["url"].as_str().unwrap().to_owned();
        assert!(url.starts_with("/console/enter?token="), "{url}");
        let mut browser = Browser::new(&harness);
        // Opening it shows which account it opens and uses nothing yet: the button does.
        let confirm = browser.get(&url).await;
        assert_eq!(confirm.status, StatusCode::OK, "{backend}");
        assert!(confirm.html.contains("acme") && confirm.html.contains("Open the console"), "{}", confirm.html);
        assert!(browser.session().is_none(), "{backend}: a GET opens no session");
        let entered = browser.enter(&url).await;
        assert_eq!((entered.status, location(&entered).as_str()), (StatusCode::SEE_OTHER, "/console/a/acme/endpoints"));
        let cookie = entered
            .headers
            .get_all("set-cookie")
            .iter()
            .map(|value| value.to_str().unwrap())
            .find(|value| value.starts_with("dw_console="))
            .unwrap();
        for flag in ["HttpOnly", "SameSite=Strict", "Path=/console"] {
            assert!(cookie.contains(flag), "{backend}: {cookie}");
        }
        let mut stranger = Browser::new(&harness);
        let reused = stranger.get(&url).await;
        assert_eq!(reused.status, StatusCode::FORBIDDEN, "{backend}: a link works once");
        assert!(reused.html.contains("already used or has expired") && stranger.session().is_none());

        // Every page: a policy without inline scripts, and scripts only from the console itself.
        let list = browser.get("/console/a/acme/endpoints").await;
        assert_eq!(list.status, StatusCode::OK);
        let policy = list.headers.get("content-security-policy").unwrap().to_str().unwrap();
        assert!(policy.contains("script-src 'self'") && !policy.contains("unsafe-inline"), "{policy}");
        assert!(!list.html.contains("<script>") && list.html.contains("<script src=\"/console/assets/console.js\""));

        // The add form: the API's refusal next to the field, the input kept; without its token, refused.
        let form = browser.get("/console/a/acme/endpoints/new").await;
        let csrf = csrf_of(&form.html);
        assert!(form.html.contains("order.created") && form.html.contains("<label for=\"url\">"), "labelled fields");
        let insecure = [
            ("_csrf", csrf.as_str()),
            ("url", "http://hooks.example.com/in"),
            ("topics", "order.created"),
            ("enabled", "on"),
        ];
        let refused = browser.post("/console/a/acme/endpoints", &insecure).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        let error_at = refused.html.find("id=\"url-error\"").expect("the error next to the URL field");
        let url_error = &refused.html[error_at..error_at + refused.html[error_at..].find("</p>").unwrap()];
        assert!(url_error.contains("must use https") && !url_error.contains('`'), "plain words: {url_error}");
        assert!(refused.html.contains("value=\"http://hooks.example.com/in\""), "the input is kept");
        let no_token = browser.post("/console/a/acme/endpoints", &insecure[1..]).await;
        assert_eq!(no_token.status, StatusCode::FORBIDDEN, "{backend}: a form without its CSRF token");

        // Saved: the secret is shown once, with a copy button; the list shows the endpoint.
        let target = receiver.url("/console");
        let good = [
            ("_csrf", csrf.as_str()),
            ("url", target.as_str()),
            ("topics", "order.created"),
            ("topics", "order.cancelled"),
            ("method", "POST"),
            ("enabled", "on"),
        ];
        // A limit that is not a whole number is refused under its field in the form's words, never saved as 0
        // ("unlimited"); nothing is created.
        for (field, typed) in [("rateLimit", "2.5"), ("burstLimit", "-5"), ("rateLimit", "ten")] {
            let mut fractional = good.to_vec();
            fractional.push((field, typed));
            let refused = browser.post("/console/a/acme/endpoints", &fractional).await;
            assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend}: {field}={typed}");
            let error_at = refused.html.find(&format!("id=\"{field}-error\"")).expect("the error under its field");
            assert!(refused.html[error_at..].contains("Enter a whole number"), "{}", refused.html);
            assert!(refused.html.contains(&format!("value=\"{typed}\"")), "the input is kept");
            assert!(refused.html.contains(
                "aria-invalid=\"true\" aria-describedby=\"{field}-error\"".replace("{field}", field).as_str()
            ));
            assert!(!refused.html.contains('`'), "no API words: {}", refused.html);
        }
        let (_, none) = api.get(&at("/endpoints")).await;
        assert_eq!(none["data"], json!([]), "{backend}: nothing saved that wasn't typed");

        // Saved, then redirected (post/redirect/get): the secret shown once on the page it lands on.
        let posted = browser.post("/console/a/acme/endpoints", &good).await;
        assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.html);
        let landed = location(&posted);
        assert!(landed.starts_with("/console/a/acme/endpoints/ep_"), "{landed}");
        let created = browser.get(&landed).await;
        assert_eq!(created.status, StatusCode::OK, "{}", created.html);
        assert!(
            created.html.contains("whsec_") && created.html.contains("data-copy=\"secret-value\""),
            "{}",
            created.html
        );
        let (_, endpoints) = api.get(&at("/endpoints")).await;
        let endpoint = endpoints["data"][0]["id"].as_str().unwrap().to_owned();
        assert_eq!(endpoints["data"][0]["topics"], json!(["order.created", "order.cancelled"]));
        let page = format!("/console/a/acme/endpoints/{endpoint}");
        assert_eq!(landed, page);
        let reloaded = browser.get(&page).await;
        assert!(!reloaded.html.contains("whsec_") && !reloaded.html.contains("Endpoint created."), "shown once");

        // A test event, seen in the attempts; a secret generated and the old one expired; the audit log says who.
        let tested = browser.act(&format!("{page}/test"), &[("_csrf", &csrf), ("topic", "order.cancelled")]).await;
        assert!(tested.html.contains("(order.cancelled) sent: success, HTTP 200."), "{}", tested.html);
        receiver.wait_for(1, Duration::from_secs(10)).await;
        // A reload of the page it landed on shows the page, and sends nothing more.
        let again = browser.get(&page).await;
        assert!(!again.html.contains("sent: success"), "{}", again.html);
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(receiver.count(), 1, "{backend}: a reload repeats no action");
        let shown = browser.get(&page).await;
        assert!(shown.html.contains("order.cancelled") && shown.html.contains("<td>success</td>"), "{}", shown.html);
        // The day's chart and the list's rates.
        assert!(
            shown.html.contains("<svg role=\"img\" aria-labelledby=\"outcomes-title\"")
                && shown.html.contains(": 1 success</title>")
                && shown.html.contains(">1 / h</text>")
                && shown.html.contains(">0 ms</text>"),
            "{}",
            shown.html
        );
        assert!(shown.html.contains("Last success: <time datetime=\"20"), "{}", shown.html);
        let listed = browser.get("/console/a/acme/endpoints").await;
        assert!(listed.html.contains("<td>100.0 %</td>") && listed.html.contains("ms</td>"), "{}", listed.html);
        let generated = browser.act(&format!("{page}/secrets"), &[("_csrf", &csrf), ("label", "next")]).await;
        assert!(generated.html.contains("New signing secret") && generated.html.contains("whsec_"));
        let (_, secrets) = api.get(&at(&format!("/endpoints/{endpoint}/secrets"))).await;
        let first = secrets["data"][0]["id"].as_str().unwrap().to_owned();
        let expired = browser.act(&format!("{page}/secrets/{first}/expire"), &[("_csrf", &csrf)]).await;
        assert!(expired.html.contains("Secret expired."), "{}", expired.html);
        assert!(!expired.html.contains("whsec_"), "{backend}: a secret's value is never shown again");
        let audit = browser.get("/console/a/acme/audit").await;
        assert!(audit.html.contains("console:") && audit.html.contains("create"), "{}", audit.html);

        // Another account: nothing of it, whatever the path.
        let (status, _) = api.post("/v1/accounts", json!({ "id": "other", "name": "Other" })).await;
        assert_eq!(status, 201);
        let (status, other) = api
            .post("/v1/accounts/other/endpoints", json!({ "url": receiver.url("/other"), "topics": ["order.created"] }))
            .await;
        assert_eq!(status, 201, "{other}");
        let other_id = other["id"].as_str().unwrap();
        for path in [
            "/console/a/other/endpoints".to_owned(),
            format!("/console/a/other/endpoints/{other_id}"),
            "/console/a/other/audit".into(),
        ] {
            assert_eq!(browser.get(&path).await.status, StatusCode::NOT_FOUND, "{backend}: {path}");
        }
        let crossed = browser
            .post(
                &format!("/console/a/other/endpoints/{other_id}/test"),
                &[("_csrf", &csrf), ("topic", "order.created")],
            )
            .await;
        assert_eq!(crossed.status, StatusCode::NOT_FOUND);

        // Signing out ends the session.
        let out = browser.post("/console/sign-out", &[("_csrf", &csrf)]).await;
        assert_eq!(out.status, StatusCode::SEE_OTHER);
        assert_eq!(location(&browser.get("/console/a/acme/endpoints").await), "/console/sign-in");
        harness.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_signs_in_with_the_admin_key_and_sees_every_account() {
    let harness = Harness::start("sqlite").await;
    let mut browser = Browser::new(&harness);
    assert_eq!(location(&browser.get("/console").await), "/console/sign-in");
    let wrong = browser.post("/console/sign-in", &[("key", "not-the-key-at-all-0123456789abcdef")]).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.html.contains("not an admin key") && browser.session().is_none());
    let signed_in = browser.post("/console/sign-in", &[("key", API_KEY)]).await;
    assert_eq!((signed_in.status, location(&signed_in).as_str()), (StatusCode::SEE_OTHER, "/console"));
    let home = browser.get("/console").await;
    assert!(home.html.contains("/console/a/acme/endpoints"), "{}", home.html);
    // An account key is no admin key.
    let (_, key) = harness.api.post(&at("/keys"), json!({})).await;
    let mut other = Browser::new(&harness);
    let refused = other.post("/console/sign-in", &[("key", key["key"].as_str().unwrap())]).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_details_resend_and_recover_with_its_preview() {
    for backend in backends() {
        let harness = Harness::start_with(backend, |settings| {
            settings.worker.schedule =
                dropship_webhooks::delivery::RetrySchedule { max_retries: 0, ..Default::default() }.validate().unwrap();
        })
        .await;
        let api = &harness.api;
        let receiver = Receiver::start(Reply::Status(503)).await;
        let (endpoint, _) =
            api.endpoint(json!({ "url": receiver.url("/h"), "topics": ["order.created"], "rateLimit": 2 })).await;
        for id in ["evt_h1", "evt_h2", "evt_h3"] {
            api.sample_event("order.created", Some(id)).await;
        }
        for _ in 0..200 {
            let (_, failed) = api.get(&at(&format!("/endpoints/{endpoint}/deliveries?status=failed"))).await;
            if failed["data"].as_array().unwrap().len() == 3 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let (_, link) = api.post(&at("/console-links"), json!({})).await;
        let mut browser = Browser::new(&harness);
        browser.enter(link["url"].as_str().unwrap()).await;

        // Deliveries filtered by status, attempts with their details.
        let failed = browser.get("/console/a/acme/history?status=failed").await;
        assert_eq!(failed.status, StatusCode::OK);
        assert_eq!(failed.html.matches("Resend delivery of evt_h").count(), 3, "{}", failed.html);
        let none = browser.get("/console/a/acme/history?status=succeeded").await;
        assert!(none.html.contains("Nothing matches."));
        // Filters a person uses: by event id (the API's eventId), by UTC day range, by endpoint; each row names
        // its endpoint.
        let (_, by_event) = api.get(&at("/deliveries?eventId=evt_h2")).await;
        assert_eq!(by_event["data"].as_array().unwrap().len(), 1, "{backend}: {by_event}");
        assert_eq!(by_event["data"][0]["eventId"], "evt_h2");
        let found = browser.get("/console/a/acme/history?eventId=evt_h2").await;
        assert_eq!(found.html.matches("Resend delivery of evt_h").count(), 1, "{}", found.html);
        assert!(
            found.html.contains(&format!(">{}</a></td>", receiver.url("/h"))),
            "the endpoint column: {}",
            found.html
        );
        let today = browser.get("/console/a/acme/history?from=2026-09-21&to=2026-09-21").await;
        assert_eq!(today.html.matches("Resend delivery of evt_h").count(), 3, "{}", today.html);
        let tomorrow = browser.get("/console/a/acme/history?from=2026-09-22").await;
        assert!(tomorrow.html.contains("Nothing matches."), "{}", tomorrow.html);
        let other = browser.get("/console/a/acme/history?endpointId=ep_none").await;
        assert!(other.html.contains("Nothing matches."), "{}", other.html);
        let (status, _) = api.get(&at("/attempts?eventId=evt_h2")).await;
        assert_eq!(status, 400, "{backend}: attempts are not searched by event (no index): refused, not slow");

        // The operator's accounts, trouble first: acme (its endpoint failing) before a quiet account that sorts
        // before it by name; each with its endpoints' counts. Inside an account, its name beside the brand.
        let (status, _) = api.post("/v1/accounts", json!({ "id": "aaa", "name": "Aaa Quiet" })).await;
        assert_eq!(status, 201);
        let (_, acme) = api.get("/v1/accounts/acme").await;
        assert_eq!(acme["endpoints"]["total"], 1, "{backend}: {acme}");
        assert_eq!(acme["endpoints"]["failing"], 1, "{backend}: {acme}");
        assert_eq!(acme["endpoints"]["failed"], 0);
        assert!(acme["endpoints"]["lastActivityAt"].as_i64().is_some(), "{acme}");
        let mut operator = Browser::new(&harness);
        operator.post("/console/sign-in", &[("key", API_KEY)]).await;
        let accounts = operator.get("/console").await;
        let (acme_at, quiet_at) =
            (accounts.html.find("/console/a/acme/").unwrap(), accounts.html.find("/console/a/aaa/").unwrap());
        assert!(acme_at < quiet_at, "{backend}: trouble first: {}", accounts.html);
        assert!(accounts.html.contains(">Failing</span>"), "{}", accounts.html);
        let inside = operator.get("/console/a/acme/endpoints").await;
        let name = acme["name"].as_str().unwrap();
        assert!(
            inside.html.contains(&format!("<span class=\"account-name\" title=\"Account acme\">{name}</span>")),
            "{}",
            inside.html
        );

        // Each delivery has a page: given up, after how many attempts, its attempts as a timeline, the schedule.
        let (_, given_up) = api.get(&at(&format!("/endpoints/{endpoint}/deliveries?status=failed"))).await;
        let one = given_up["data"][0]["id"].as_str().unwrap().to_owned();
        assert!(failed.html.contains(&format!("/console/a/acme/deliveries/{one}\"")), "the history links to it");
        let delivery = browser.get(&format!("/console/a/acme/deliveries/{one}")).await;
        assert_eq!(delivery.status, StatusCode::OK, "{backend}");
        assert!(delivery.html.contains("Given up after 1 attempt."), "{}", delivery.html);
        assert!(
            delivery.html.contains("<strong>Attempt 1</strong>") && delivery.html.contains("HTTP 503"),
            "{}",
            delivery.html
        );
        assert!(delivery.html.contains("A delivery is tried 1 time"), "{}", delivery.html);
        assert_eq!(browser.get("/console/a/acme/deliveries/dlv_nothing").await.status, StatusCode::NOT_FOUND);
        let attempts = browser.get("/console/a/acme/history?kind=attempts&errorClass=http").await;
        let start = attempts.html.find("/console/a/acme/attempts/").expect("a link to an attempt's details");
        let href: String = attempts.html[start..].chars().take_while(|c| *c != '"').collect();
        let detail = browser.get(&href).await;
        assert!(detail.html.contains("webhook-signature") && detail.html.contains("HTTP 503"), "{}", detail.html);
        let csrf = csrf_of(&detail.html);
        let failing = browser.get(&format!("/console/a/acme/endpoints/{endpoint}")).await;
        assert!(failing.html.contains("Failing since") && failing.html.contains("http 5xx"), "{}", failing.html);
        assert!(
            failing.html.contains(": 3 http 5xx</title>") && failing.html.contains("Last success: none yet"),
            "{}",
            failing.html
        );

        // Recover: the preview counts and times it (2 per second), then the confirmation queues them.
        let base = format!("/console/a/acme/endpoints/{endpoint}/recover");
        let preview = browser.get(&base).await;
        assert!(
            preview.html.contains("<strong>3</strong> deliveries would be sent again, taking about 2 s"),
            "{}",
            preview.html
        );
        assert_eq!(receiver.count(), 3, "a preview sends nothing");
        receiver.set_default(Reply::Status(200));
        let done = browser.post(&base, &[("_csrf", &csrf), ("status", "failed"), ("sinceHours", "")]).await;
        assert!(done.html.contains("3 deliveries are queued again."), "{}", done.html);
        receiver.wait_for(6, Duration::from_secs(10)).await;

        // Resend one from the history.
        let (_, deliveries) = api.get(&at(&format!("/endpoints/{endpoint}/deliveries"))).await;
        let delivery = deliveries["data"][0]["id"].as_str().unwrap().to_owned();
        for _ in 0..200 {
            let (_, one) = api.get(&format!("/v1/deliveries/{delivery}")).await;
            if one["status"] != "pending" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let resent = browser.act(&format!("/console/a/acme/deliveries/{delivery}/resend"), &[("_csrf", &csrf)]).await;
        assert!(resent.html.contains("is queued for one more attempt"), "{}", resent.html);
        receiver.wait_for(7, Duration::from_secs(10)).await;
        harness.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_expire_and_sessions_end_when_idle_or_old() {
    use delivery_service::store::console::{ConsoleLink, LinkUse};
    for backend in backends() {
        let harness = Harness::start(backend).await;
        let store = &harness.service.as_ref().unwrap().store;
        let now = 1_800_000_000_000;
        // A link is good once, and not after its time.
        let key_id = store.admin_keys().await.unwrap()[0].id.clone();
        let link = ConsoleLink { account_id: "acme".into(), key_id: key_id.clone() };
        store.add_console_link("hash-a", &link, now, now + 600_000).await.unwrap();
        store.add_console_link("hash-b", &link, now, now + 600_000).await.unwrap();
        assert_eq!(store.peek_console_link("hash-a", now + 1).await.unwrap(), Some(link.clone()), "{backend}");
        assert_eq!(store.use_console_link("hash-a", now + 1).await.unwrap(), LinkUse::Opened(link.clone()));
        assert_eq!(store.peek_console_link("hash-a", now + 2).await.unwrap(), None, "{backend}: used");
        assert_eq!(store.use_console_link("hash-a", now + 2).await.unwrap(), LinkUse::Refused, "{backend}: used");
        assert_eq!(
            store.use_console_link("hash-b", now + 600_000).await.unwrap(),
            LinkUse::Refused,
            "{backend}: expired"
        );
        // A session lives while used within the idle time, and not past its end.
        let idle = 30 * 60_000;
        store.open_console_session("sess", Some("acme"), &key_id, "token", now, now + 3 * idle).await.unwrap();
        assert!(store.console_session("sess", now + idle - 1, idle).await.unwrap().is_some());
        assert!(
            store.console_session("sess", now + 2 * idle - 2, idle).await.unwrap().is_some(),
            "{backend}: use moved it"
        );
        assert!(store.console_session("sess", now + 3 * idle - 2, idle).await.unwrap().is_none(), "{backend}: idle");
        store.open_console_session("old", None, &key_id, "token", now, now + idle).await.unwrap();
        assert!(store.console_session("old", now + idle - 10, idle).await.unwrap().is_some());
        assert!(store.console_session("old", now + idle, idle).await.unwrap().is_none(), "{backend}: past its end");
        harness.stop().await;
    }
}

/// The seeds' secret requirements and endpoint management, as forms (issue [console-v2]): a secret and its expiry
/// date at creation, a new expiry date for an active secret (never in the past), a confirmed replacement with an
/// overlap, disable and enable in one click, delete after a confirmation page; refusals in the page's own words.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_and_endpoints_are_managed_on_the_pages_the_seeds_describe() {
    // The harness's clock reads 2026-09-21 14:13 UTC.
    const TOMORROW: &str = "2026-09-22";
    const TOMORROW_SECONDS: i64 = 1_790_035_200;
    for backend in backends() {
        let harness = Harness::start(backend).await;
        let api = &harness.api;
        let receiver = Receiver::start(Reply::Status(200)).await;
        let (_, link) = api.post(&at("/console-links"), json!({})).await;
        let mut browser = Browser::new(&harness);
        browser.enter(link["url"].as_str().unwrap()).await;
        let csrf = csrf_of(&browser.get("/console/a/acme/endpoints/new").await.html);
        let target = receiver.url("/seeded");
        let pasted = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let form = |expires: &'static str| {
            vec![
                ("_csrf", csrf.clone()),
                ("url", target.clone()),
                ("description", "Warehouse ERP".to_owned()),
                ("topics", "order.created".to_owned()),
                ("enabled", "on".to_owned()),
                ("secret", pasted.to_owned()),
                ("secretExpiresOn", expires.to_owned()),
            ]
        };
        let borrowed = |fields: &[(&'static str, String)]| -> Vec<(&'static str, String)> { fields.to_vec() };

        // Create: an expiry date in the past is refused under its field, the pasted secret kept.
        let past = borrowed(&form("2026-09-20"));
        let refused = browser.post("/console/a/acme/endpoints", &as_refs(&past)).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend}");
        let at_field = refused.html.find("id=\"secretExpiresOn-error\"").expect("the error under the date");
        assert!(refused.html[at_field..].contains("after today"), "{}", refused.html);
        assert!(refused.html.contains(&format!("value=\"{pasted}\"")), "the pasted secret is kept");
        // With a date after today: created with the pasted secret (its value is not generated) and its expiry.
        let good = borrowed(&form(TOMORROW));
        let created = browser.act("/console/a/acme/endpoints", &as_refs(&good)).await;
        assert!(created.html.contains(pasted) && created.html.contains("<h1>Warehouse ERP</h1>"), "{}", created.html);
        assert!(created.html.contains("webhook-signature"), "how to verify follows the secret");
        let (_, listed) = api.get(&at("/endpoints")).await;
        let id = listed["data"][0]["id"].as_str().unwrap().to_owned();
        assert_eq!(listed["data"][0]["description"], "Warehouse ERP");
        let (_, secrets) = api.get(&at(&format!("/endpoints/{id}/secrets"))).await;
        assert_eq!(secrets["data"][0]["expiresAt"], TOMORROW_SECONDS, "{backend}: {secrets}");
        let page = format!("/console/a/acme/endpoints/{id}");
        let list = browser.get("/console/a/acme/endpoints").await;
        assert!(list.html.contains("Warehouse ERP") && list.html.contains("Healthy"), "{}", list.html);

        // Expiring the only secret is refused in the page's words (no API route in it).
        let first = secrets["data"][0]["id"].as_str().unwrap().to_owned();
        let only = browser.act(&format!("{page}/secrets/{first}/expire"), &[("_csrf", &csrf)]).await;
        assert!(only.html.contains("only active secret") && !only.html.contains("secrets/roll"), "{}", only.html);

        // With a second secret, a new expiry date for the first: today is refused in words, a later date is kept.
        browser.act(&format!("{page}/secrets"), &[("_csrf", &csrf), ("label", "second")]).await;
        let expiry = format!("{page}/secrets/{first}/expiry");
        let today = browser.act(&expiry, &[("_csrf", &csrf), ("expiresOn", "2026-09-21")]).await;
        assert!(today.html.contains("Pick an expiry date after today"), "{}", today.html);
        let later = browser.act(&expiry, &[("_csrf", &csrf), ("expiresOn", "2026-10-01")]).await;
        assert!(later.html.contains("now expires on 2026-10-01"), "{}", later.html);
        assert!(later.html.contains("value=\"2026-10-01\""), "the date input shows it");

        // Replace: not without the box ticked; then a new secret shown once, the old one kept for the overlap.
        let unconfirmed =
            browser.act(&format!("{page}/secrets/replace"), &[("_csrf", &csrf), ("overlap", "3600")]).await;
        assert!(unconfirmed.html.contains("Tick the box to confirm"), "{}", unconfirmed.html);
        let (_, unchanged) = api.get(&at(&format!("/endpoints/{id}/secrets"))).await;
        assert_eq!(unchanged["data"].as_array().unwrap().len(), 2, "{backend}: nothing replaced unconfirmed");
        let replaced = browser
            .act(&format!("{page}/secrets/replace"), &[("_csrf", &csrf), ("overlap", "3600"), ("confirm", "on")])
            .await;
        assert!(replaced.html.contains("Secret replaced: the old one is accepted until"), "{}", replaced.html);
        assert!(replaced.html.contains("whsec_") && !replaced.html.contains(pasted), "the new secret, not the old");
        let (_, rolled) = api.get(&at(&format!("/endpoints/{id}/secrets"))).await;
        // Every secret active before (the first kept its earlier date, the second now ends with the overlap).
        let second = rolled["data"].as_array().unwrap().iter().find(|secret| secret["label"] == "second").unwrap();
        assert_eq!(second["expiresAt"], 1_790_000_000 + 3600, "{backend}: {rolled}");

        // Disable in one click: Disabled in the list and on the page; Enable brings it back.
        let disabled = browser.act(&format!("{page}/disable"), &[("_csrf", &csrf)]).await;
        assert!(
            disabled.html.contains(">Disabled</span>") && disabled.html.contains(">Enable</button>"),
            "{}",
            disabled.html
        );
        assert!(!browser.get("/console/a/acme/endpoints").await.html.contains("Healthy"));
        let enabled = browser.act(&format!("{page}/activate"), &[("_csrf", &csrf)]).await;
        assert!(enabled.html.contains(">Healthy</span>"), "{}", enabled.html);

        // Delete: a confirmation page first (GET changes nothing), then the list says what was deleted.
        let confirm = browser.get(&format!("{page}/delete")).await;
        assert!(confirm.html.contains("Delete this endpoint?") && confirm.html.contains(&target), "{}", confirm.html);
        let (_, still) = api.get(&at("/endpoints")).await;
        assert_eq!(still["data"].as_array().unwrap().len(), 1);
        let gone = browser.act(&format!("{page}/delete"), &[("_csrf", &csrf)]).await;
        assert!(gone.html.contains(&format!("Deleted {target}.")), "{}", gone.html);
        let (_, none) = api.get(&at("/endpoints")).await;
        assert_eq!(none["data"], json!([]), "{backend}");
        harness.stop().await;
    }
}

fn as_refs<'a>(fields: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    fields.iter().map(|(name, value)| (*name, value.as_str())).collect()
}

/// The console in the platform's settings page (issue [console-v2]): framed only by the origins given, its cookies
/// third-party cookies a framed page may use (`SameSite=None; Secure; Partitioned`), CSRF still required, and the
/// platform's brand, logo, accent and font; a look that would fail WCAG AA is refused before the service starts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_can_sit_in_the_platforms_page_with_its_look() {
    use delivery_service::console::ConsoleLook;
    let look = ConsoleLook {
        frame_ancestors: vec!["https://app.example.com".into(), "https://admin.example.com".into()],
        brand_name: Some("Acme <Supply>".into()),
        logo_url: Some("https://cdn.example.com/acme.svg".into()),
        accent: Some("#1a5f2a".into()),
        font: Some("Inter".into()),
    };
    let harness = Harness::start_with("sqlite", |settings| settings.console_look = look.clone()).await;
    let (_, link) = harness.api.post(&at("/console-links"), json!({})).await;
    let mut browser = Browser::new(&harness);
    let confirm = browser.get(link["url"].as_str().unwrap()).await;
    let enter_cookie = confirm.headers.get("set-cookie").unwrap().to_str().unwrap().to_owned();
    assert!(enter_cookie.contains("SameSite=None; Secure; Partitioned"), "{enter_cookie}");
    let entered = browser.enter(link["url"].as_str().unwrap()).await;
    let session = entered
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|value| value.to_str().unwrap())
        .find(|value| value.starts_with("dw_console="))
        .unwrap()
        .to_owned();
    for flag in ["HttpOnly", "SameSite=None", "Secure", "Partitioned", "Path=/console"] {
        assert!(session.contains(flag), "{session}");
    }
    let page = browser.get("/console/a/acme/endpoints").await;
    let policy = page.headers.get("content-security-policy").unwrap().to_str().unwrap();
    assert!(policy.contains("frame-ancestors https://app.example.com https://admin.example.com;"), "{policy}");
    assert!(policy.contains("img-src 'self' https://cdn.example.com;"), "{policy}");
    assert!(page.headers.get("x-frame-options").is_none(), "XFO would forbid every frame");
    assert!(
        page.html.contains(
            "<img class=\"logo\" src=\"https://cdn.example.com/acme.svg\" alt=\"\" height=\"24\"> Acme &lt;Supply&gt;"
        ),
        "{}",
        page.html
    );
    let theme = browser.get("/console/assets/theme.css").await;
    assert!(
        theme.html.contains("--accent: #1a5f2a") && theme.html.contains("font-family: \"Inter\""),
        "{}",
        theme.html
    );
    // #1a5f2a is too dark for the dark scheme: there the console keeps its own light accent.
    assert!(!theme.html.contains("prefers-color-scheme"), "{}", theme.html);
    // An account's own look over the service's: checked as the service's is, shown on its pages only.
    let api = &harness.api;
    let (status, refused) = api.patch("/v1/accounts/acme", json!({ "look": { "accent": "#ffdd55" } })).await;
    assert_eq!((status, refused["error"]["code"].as_str()), (400, Some("invalid_option")), "{refused}");
    assert_eq!(refused["error"]["field"], "look");
    assert!(refused["error"]["message"].as_str().unwrap().contains("look.accent #ffdd55"), "{refused}");
    let own =
        json!({ "brandName": "Acme Retail Hub", "accent": "#7a1f5c", "logoUrl": "https://img.acme.example/l.png" });
    let (status, edited) = api.patch("/v1/accounts/acme", json!({ "look": own })).await;
    assert_eq!((status, &edited["look"]), (200, &own), "{edited}");
    let branded = browser.get("/console/a/acme/endpoints").await;
    assert!(branded.html.contains("> Acme Retail Hub</a>"), "{}", branded.html);
    assert!(branded.html.contains("href=\"/console/a/acme/theme.css\""), "{}", branded.html);
    let policy = branded.headers["content-security-policy"].to_str().unwrap();
    assert!(policy.contains("img-src 'self' https://img.acme.example;"), "{policy}");
    let theme = browser.get("/console/a/acme/theme.css").await;
    assert!(
        theme.html.contains("--accent: #7a1f5c") && theme.html.contains("\"Inter\""),
        "the service's font stays: {}",
        theme.html
    );
    let (status, cleared) = api.patch("/v1/accounts/acme", json!({ "look": null })).await;
    assert_eq!(status, 200);
    assert!(cleared.get("look").is_none(), "{cleared}");
    assert!(browser.get("/console/a/acme/endpoints").await.html.contains("Acme &lt;Supply&gt;"), "the service's again");

    // Framed or not, a form without its token is refused.
    let forged = browser.post("/console/a/acme/endpoints", &[("url", "https://hooks.example.com/x")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    harness.stop().await;

    // The service's own look: never framed.
    let own = Harness::start("sqlite").await;
    let mut browser = Browser::new(&own);
    let page = browser.get("/console/sign-in").await;
    assert_eq!(page.headers.get("x-frame-options").unwrap(), "DENY");
    assert!(page.headers["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));
    assert!(page.html.contains("<a class=\"brand\" href=\"/console\">Webhooks</a>"), "{}", page.html);
    own.stop().await;

    // A pale accent is refused at start, with the contrast and the rule.
    let (url, _dir) = support::fresh_database("sqlite").await;
    let mut settings = support::test_settings(url);
    settings.console_look.accent = Some("#ffcc00".into());
    let refused = delivery_service::Service::start(settings, std::sync::Arc::new(delivery_service::SystemClock)).await;
    let message = refused.err().expect("a pale accent is refused").to_string();
    assert!(message.contains("--console-accent #ffcc00") && message.contains("4.5:1"), "{message}");
}

/// An endpoint's one status says since when it fails and when it tries next; the list shows its last success.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_endpoint_says_since_when_and_when_it_tries_next() {
    for backend in backends() {
        let harness = Harness::start(backend).await;
        let api = &harness.api;
        let receiver = Receiver::start(Reply::Status(200)).await;
        let (endpoint, _) = api.endpoint(json!({ "url": receiver.url("/f"), "topics": ["order.created"] })).await;
        api.sample_event("order.created", Some("evt_ok")).await;
        receiver.wait_for(1, Duration::from_secs(10)).await;
        let mut shown = json!(null);
        for _ in 0..200 {
            shown = api.get(&at(&format!("/endpoints/{endpoint}"))).await.1;
            if shown["health"]["lastSuccessAt"].is_i64() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        assert_eq!(shown["health"]["lastSuccessAt"], 1_790_000_000_000_i64, "{backend}: {shown}");
        // Then the receiver fails: failing since now, the next attempt in about 30 s (the default schedule).
        receiver.set_default(Reply::Status(503));
        api.sample_event("order.created", Some("evt_bad")).await;
        for _ in 0..200 {
            shown = api.get(&at(&format!("/endpoints/{endpoint}"))).await.1;
            if shown["health"]["nextAttemptAt"].is_i64() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let next = shown["health"]["nextAttemptAt"].as_i64().unwrap_or_default() - 1_790_000_000_000;
        assert!((20_000..=40_000).contains(&next), "{backend}: {shown}");
        let (_, link) = api.post(&at("/console-links"), json!({})).await;
        let mut browser = Browser::new(&harness);
        browser.enter(link["url"].as_str().unwrap()).await;
        let list = browser.get("/console/a/acme/endpoints").await;
        assert!(
            list.html.contains("Failing since 2026-09-21 14:13 UTC; next attempt in under a minute</span>"),
            "{backend}: {}",
            list.html
        );
        assert!(list.html.contains("<td><time datetime=\"2026-09-21T14:13:20.000Z\""), "last success: {}", list.html);
        harness.stop().await;
    }
}
