//! The outbound HTTP client and its SSRF guard.
//!
//! Configuration rules (the core's [`EndpointRules`]) stop URLs that
//! name a non-public host. A name can still resolve to an internal address — on purpose (DNS rebinding) or not — so
//! the client resolves names itself ([`GuardedResolver`]) and drops every address the core's
//! [`is_public_ip`] refuses; IP-literal hosts, which never reach a resolver, are checked by [`check_literal_host`].
//! Redirects are not followed (a 3xx is a failed attempt) and no proxy is used, so neither can route a request
//! inward.

use dropship_webhooks::endpoint::EndpointRules;

use crate::model::ErrorClass;
use dropship_webhooks::WebhookError;
use std::collections::HashMap;
use std::error::Error as StdError;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use dropship_webhooks::endpoint::is_public_ip;
use hickory_resolver::TokioResolver;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Resolution found only addresses the guard refuses.
#[derive(Debug)]
pub struct BlockedAddress {
    /// The host asked for.
    pub host: String,
    /// What it resolved to (for the service's own log, not for the attempt record).
    pub addresses: Vec<IpAddr>,
}

impl fmt::Display for BlockedAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Not the addresses themselves: the attempt record is shown to the endpoint's owner, and the internal
        // addresses a name resolves to are the service's network, not theirs.
        write!(f, "`{}` resolves only to non-public addresses; refusing to connect", self.host)
    }
}

impl StdError for BlockedAddress {}

/// The name could not be resolved.
#[derive(Debug)]
pub struct DnsFailure(pub String);

impl fmt::Display for DnsFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DNS lookup failed: {}", self.0)
    }
}

impl StdError for DnsFailure {}

/// Which addresses the guard lets through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddressPolicy {
    /// Also loopback (the `--allow-insecure-loopback` development flag).
    pub allow_loopback: bool,
}

impl AddressPolicy {
    /// Whether a connection to `address` is allowed.
    pub fn allows(self, address: IpAddr) -> bool {
        is_public_ip(address) || (self.allow_loopback && address.to_canonical().is_loopback())
    }
}

/// A resolver that drops non-public addresses: the connect-time half of the SSRF guard.
pub struct GuardedResolver {
    resolver: TokioResolver,
    policy: AddressPolicy,
    /// Fixed answers consulted before DNS (`--resolve host=ip`), like curl's `--resolve`; tests use them to make a
    /// public-looking name resolve to a private address.
    overrides: HashMap<String, Vec<IpAddr>>,
}

impl GuardedResolver {
    /// A resolver over the system's DNS configuration (or public defaults when there is none).
    pub fn new(policy: AddressPolicy, overrides: HashMap<String, Vec<IpAddr>>) -> Self {
        let resolver = match TokioResolver::builder_tokio() {
            Ok(builder) => builder.build(),
            Err(_) => TokioResolver::builder_with_config(
                hickory_resolver::config::ResolverConfig::default(),
                hickory_resolver::name_server::TokioConnectionProvider::default(),
            )
            .build(),
        };
        let overrides = overrides.into_iter().map(|(host, addresses)| (host.to_ascii_lowercase(), addresses)).collect();
        Self { resolver, policy, overrides }
    }

    async fn lookup(&self, host: String) -> Result<Vec<IpAddr>, Box<dyn StdError + Send + Sync>> {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let found: Vec<IpAddr> = if let Some(fixed) = self.overrides.get(&host) {
            fixed.clone()
        } else if host == "localhost" || host.ends_with(".localhost") {
            vec![IpAddr::from([127, 0, 0, 1]), IpAddr::from(std::net::Ipv6Addr::LOCALHOST)]
        } else {
            let answer = self.resolver.lookup_ip(host.as_str()).await.map_err(|e| DnsFailure(e.to_string()))?;
            answer.iter().collect()
        };
        let allowed: Vec<IpAddr> = found.iter().copied().filter(|address| self.policy.allows(*address)).collect();
        if allowed.is_empty() {
            if found.is_empty() {
                return Err(Box::new(DnsFailure(format!("`{host}` has no addresses"))));
            }
            return Err(Box::new(BlockedAddress { host, addresses: found }));
        }
        Ok(allowed)
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        let this = self.clone_handle();
        Box::pin(async move {
            let addresses = this.lookup(host).await?;
            let addrs: Addrs = Box::new(addresses.into_iter().map(|ip| SocketAddr::new(ip, 0)));
            Ok(addrs)
        })
    }
}

impl GuardedResolver {
    fn clone_handle(&self) -> Arc<Self> {
        Arc::new(Self { resolver: self.resolver.clone(), policy: self.policy, overrides: self.overrides.clone() })
    }
}

/// Refuses a URL whose host is an IP literal the policy does not allow (those never reach the resolver).
pub fn check_literal_host(url: &reqwest::Url, policy: AddressPolicy) -> Result<(), BlockedAddress> {
    let address = match url.host() {
        Some(url::Host::Ipv4(v4)) => IpAddr::V4(v4),
        Some(url::Host::Ipv6(v6)) => IpAddr::V6(v6),
        _ => return Ok(()),
    };
    if policy.allows(address) {
        Ok(())
    } else {
        Err(BlockedAddress { host: address.to_string(), addresses: vec![address] })
    }
}

/// Checks a delivery URL the core's rules accepted (`core_host` is the host they checked) the way the sender will
/// read it: with the `url` crate, the WHATWG parser `reqwest` sends with. It must parse, name the same host (the
/// same address, or the same name), and an address must be one the policy allows — so no spelling passes the
/// gate and then means another host.
pub fn check_as_sent(url: &str, core_host: &str, policy: AddressPolicy) -> Result<(), WebhookError> {
    let refuse = |problem: String| WebhookError::InvalidEndpoint { field: "url", problem };
    let parsed = reqwest::Url::parse(url)
        .map_err(|error| refuse(format!("the sender's URL parser (WHATWG) refuses it: {error}")))?;
    let same = match parsed.host() {
        Some(url::Host::Ipv4(v4)) => core_host.parse::<IpAddr>().ok() == Some(IpAddr::V4(v4)),
        Some(url::Host::Ipv6(v6)) => core_host.parse::<IpAddr>().ok() == Some(IpAddr::V6(v6)),
        Some(url::Host::Domain(name)) => name == core_host,
        None => false,
    };
    if !same {
        let read = parsed.host_str().unwrap_or_default();
        return Err(refuse(format!(
            "URL parsers read its host as `{read}`, not `{core_host}`; write the host as `{read}`"
        )));
    }
    check_literal_host(&parsed, policy).map_err(|_| refuse("its host is not a public address".to_owned()))
}

/// A target URL checked by the core's rules and then as the sender reads it ([`check_as_sent`]); the URL as stored.
pub fn check_target_url(rules: EndpointRules, url: &str) -> Result<String, WebhookError> {
    let (url, host) = rules.validate_url(url)?;
    check_as_sent(&url, &host, AddressPolicy { allow_loopback: rules.allow_insecure_loopback })?;
    Ok(url)
}

/// Client settings.
#[derive(Debug, Clone)]
pub struct ClientSettings {
    /// Whole-request timeout.
    pub request_timeout: Duration,
    /// TCP (and TLS) connect timeout.
    pub connect_timeout: Duration,
    /// Which addresses may be reached.
    pub policy: AddressPolicy,
    /// Fixed DNS answers.
    pub overrides: HashMap<String, Vec<IpAddr>>,
}

/// Builds the delivery client: guarded DNS, no redirects, no proxy, rustls.
pub fn build_client(settings: &ClientSettings) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .dns_resolver(Arc::new(GuardedResolver::new(settings.policy, settings.overrides.clone())))
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(settings.request_timeout)
        .connect_timeout(settings.connect_timeout)
        .pool_idle_timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(256)
        .tcp_nodelay(true)
        .user_agent(concat!("dropship-webhooks-delivery/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// The error class recorded in the history: `blocked`, `dns`, `timeout`, `tls`, `connect` or `network`.
pub fn classify(error: &reqwest::Error) -> ErrorClass {
    let mut source: Option<&(dyn StdError + 'static)> = Some(error);
    let mut text = String::new();
    while let Some(current) = source {
        if current.is::<BlockedAddress>() {
            return ErrorClass::Blocked;
        }
        if current.is::<DnsFailure>() {
            return ErrorClass::Dns;
        }
        text.push_str(&current.to_string().to_ascii_lowercase());
        text.push(' ');
        source = current.source();
    }
    if error.is_timeout() {
        ErrorClass::Timeout
    } else if text.contains("certificate") || text.contains("tls") || text.contains("handshake") {
        ErrorClass::Tls
    } else if error.is_connect() {
        ErrorClass::Connect
    } else {
        ErrorClass::Network
    }
}

/// The error and its causes in one line.
pub fn describe(error: &(dyn StdError + 'static)) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = error.source();
    while let Some(current) = source {
        let text = current.to_string();
        if !parts.iter().any(|part| part.contains(&text)) {
            parts.push(text);
        }
        source = current.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_refuses_internal_addresses_and_allows_loopback_only_when_asked() {
        let strict = AddressPolicy { allow_loopback: false };
        let dev = AddressPolicy { allow_loopback: true };
        for internal in ["127.0.0.1", "10.1.2.3", "169.254.169.254", "::1", "::ffff:127.0.0.1", "fd00::1", "0.0.0.0"] {
            let address: IpAddr = internal.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]));
            assert!(!strict.allows(address), "{internal} must be refused");
        }
        assert!(dev.allows("127.0.0.1".parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))));
        assert!(dev.allows("::ffff:127.0.0.1".parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))));
        assert!(!dev.allows("10.0.0.1".parse().unwrap_or(IpAddr::from([127, 0, 0, 1]))));
        assert!(strict.allows("93.184.216.34".parse().unwrap_or(IpAddr::from([127, 0, 0, 1]))));
    }

    #[test]
    fn literal_hosts_are_checked_before_connecting() {
        let strict = AddressPolicy { allow_loopback: false };
        for url in ["http://127.0.0.1:9/", "http://[::ffff:10.0.0.1]/", "https://169.254.169.254/latest"] {
            let parsed = reqwest::Url::parse(url).ok();
            assert!(parsed.is_some_and(|u| check_literal_host(&u, strict).is_err()), "{url}");
        }
        let named = reqwest::Url::parse("https://hooks.example.com/").ok();
        assert!(named.is_some_and(|u| check_literal_host(&u, strict).is_ok()));
    }

    #[tokio::test]
    async fn resolver_drops_private_answers() {
        let overrides = HashMap::from([
            ("internal.example.test".to_owned(), vec![IpAddr::from([10, 0, 0, 7])]),
            ("mixed.example.test".to_owned(), vec![IpAddr::from([10, 0, 0, 7]), IpAddr::from([93, 184, 216, 34])]),
        ]);
        let resolver = GuardedResolver::new(AddressPolicy { allow_loopback: false }, overrides);
        let blocked = resolver.lookup("internal.example.test".into()).await;
        assert!(blocked.is_err_and(|e| e.is::<BlockedAddress>()));
        let mixed = resolver.lookup("Mixed.Example.Test.".into()).await.ok();
        assert_eq!(mixed, Some(vec![IpAddr::from([93, 184, 216, 34])]));
        let localhost = resolver.lookup("localhost".into()).await;
        assert!(localhost.is_err_and(|e| e.is::<BlockedAddress>()));
    }
}
