//! Endpoint configuration rules (DESIGN.md §5): where a sender may deliver, and how.
//!
//! The target URL must be `https`, publicly routable and free of credentials. "Publicly routable" is checked on the
//! host as written, in every spelling a URL parser or resolver would accept for an address: dotted IPv4 with
//! fewer parts (`127.1`), hex or octal parts (`0x7f.0.0.1`, `0177.0.0.1`), one decimal number (`2130706433`), IPv6
//! (with v4-mapped, v4-compatible, NAT64 and 6to4 forms checked on the IPv4 inside), and the reserved names
//! (`localhost` and `*.localhost`, `.local`, `.internal`, `.home.arpa`, with or without a trailing dot). Names are
//! checked again at connect time by the sender ([`is_public_ip`] on every resolved address), which is what stops
//! DNS rebinding; this module is the first gate.

use alloc::borrow::ToOwned;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::Serialize;

use crate::error::WebhookError;
use crate::options::{in_casing, option_set, Casing, OptionKind};
use crate::secret::SecretSet;
use crate::topics::find_topic;
use crate::webhook::{Scheme, Webhook};
use crate::wire::JsonNode;

/// The longest target URL accepted, in bytes.
pub const MAX_URL_BYTES: usize = 2048;

/// An HTTP method a delivery may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum DeliveryMethod {
    /// `POST` (the default).
    #[serde(rename = "POST")]
    Post,
    /// `PUT`
    #[serde(rename = "PUT")]
    Put,
    /// `PATCH`
    #[serde(rename = "PATCH")]
    Patch,
}

impl DeliveryMethod {
    /// Parses a method name in any case.
    pub fn from_name(name: &str) -> Result<Self, WebhookError> {
        match name.to_ascii_uppercase().as_str() {
            "POST" => Ok(Self::Post),
            "PUT" => Ok(Self::Put),
            "PATCH" => Ok(Self::Patch),
            _ => Err(invalid("method", "it must be POST, PUT or PATCH".into())),
        }
    }

    /// The method's name in upper case.
    pub fn name(self) -> &'static str {
        match self {
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Patch => "PATCH",
        }
    }
}

option_set! {
    /// An endpoint configuration as a user submits it.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct EndpointOptions {
        /// The target URL.
        url "url": String = String::new(),
        /// The topics to deliver.
        topics "topics": Vec<String> = Vec::new(),
        /// The HTTP method.
        method "method": DeliveryMethod = DeliveryMethod::Post,
        /// Requests per second; 0 means unlimited (any integer is read, so a negative one is refused with the field
        /// named).
        rate_limit "rateLimit": Limit = Limit(0),
        /// Requests in flight at once; 0 means unlimited.
        burst_limit "burstLimit": Limit = Limit(0),
        /// The signing scheme the endpoint chose.
        scheme "scheme": Scheme = Scheme::Standard,
        /// Its secrets (at least one; each valid for the scheme).
        secrets "secrets": SecretSet = SecretSet::new(),
    }
}

/// A rate or burst limit as submitted: any whole number, so the rules can refuse one out of range with the field
/// named (`invalid_endpoint`), as they refuse every other field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit(pub i64);

impl OptionKind for Limit {
    fn read(value: JsonNode<'_, '_>, name: &'static str, _: Casing) -> Result<Self, WebhookError> {
        // A fraction is dropped, as JavaScript numbers are read everywhere ([`crate::options::whole_number`]).
        let whole = value.whole_part().and_then(|(negative, magnitude, _)| {
            let magnitude = i64::try_from(magnitude).ok()?;
            Some(if negative { -magnitude } else { magnitude })
        });
        whole.map(Limit).ok_or_else(|| invalid(name, "it must be a whole number from 0 to 4294967295".into()))
    }
}

option_set! {
    writable
    /// What the rules make of a valid configuration.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize)]
    #[serde(rename_all = "camelCase")]
    pub struct EndpointConfig {
        /// The URL with scheme and host in lower case.
        url "url": String = String::new(),
        /// The host, as used for the public-address check (IPv6 without brackets).
        host "host": String = String::new(),
        /// The topics, canonical and without repeats, in the order given.
        topics "topics": Vec<String> = Vec::new(),
        /// The method.
        method "method": DeliveryMethod = DeliveryMethod::Post,
        /// Requests per second; 0 means unlimited.
        rate_limit "rateLimit": u32 = 0,
        /// Requests in flight at once; 0 means unlimited.
        burst_limit "burstLimit": u32 = 0,
    }
}

/// Options of the rules; the default is the production setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EndpointRules {
    /// Also allow `http://` and `https://` to loopback hosts (`127.0.0.0/8`, `::1`, `localhost`), for local testing
    /// and demos. Never on in production.
    pub allow_insecure_loopback: bool,
}

fn invalid(field: &'static str, problem: String) -> WebhookError {
    WebhookError::InvalidEndpoint { field, problem }
}

impl EndpointRules {
    /// Validates a configuration request; the first problem found is the error: `invalid_endpoint` naming the field,
    /// or `invalid_secret` for a secret that cannot be a key of the scheme.
    pub fn validate(&self, request: &EndpointOptions) -> Result<EndpointConfig, WebhookError> {
        let (url, host) = self.validate_url(&request.url)?;
        let mut topics: Vec<String> = Vec::with_capacity(request.topics.len());
        for topic in &request.topics {
            let info = find_topic(topic).ok_or_else(|| invalid("topics", format!("unknown topic `{topic}`")))?;
            if !topics.iter().any(|known| known == info.name) {
                topics.push(info.name.to_owned());
            }
        }
        if topics.is_empty() {
            return Err(invalid("topics", "subscribe to at least one topic".into()));
        }
        Webhook::with_scheme(request.secrets.clone(), request.scheme)?;
        let limit = |field, Limit(value)| {
            u32::try_from(value)
                .map_err(|_| invalid(field, format!("{value} is not a whole number from 0 to 4294967295")))
        };
        Ok(EndpointConfig {
            url,
            host,
            topics,
            method: request.method,
            rate_limit: limit("rateLimit", request.rate_limit)?,
            burst_limit: limit("burstLimit", request.burst_limit)?,
        })
    }

    /// [`EndpointRules::validate`] over a configuration as the bindings pass it (JSON text in `casing`): the valid
    /// configuration as JSON in the same casing; errors name the field in that casing.
    pub fn validate_json(&self, config: &str, casing: Casing) -> Result<String, WebhookError> {
        let options = EndpointOptions::from_json(Some(config), casing)?;
        self.validate(&options)
            .map(|valid| valid.to_json(casing))
            .map_err(|error| in_casing(error, EndpointOptions::FIELD_NAMES, casing))
    }

    /// Checks a target URL; returns it normalized (scheme and host lower-cased) and its host.
    pub fn validate_url(&self, url: &str) -> Result<(String, String), WebhookError> {
        let bad = |problem: &str| invalid("url", problem.to_owned());
        if url.len() > MAX_URL_BYTES {
            return Err(bad("it is longer than 2048 bytes"));
        }
        if url.bytes().any(|byte| !byte.is_ascii_graphic()) {
            return Err(bad("it may only contain visible ASCII characters (percent-encode the rest, punycode names)"));
        }
        let (scheme, rest) = url.split_once("://").ok_or_else(|| bad("it must start with https://"))?;
        let scheme = scheme.to_ascii_lowercase();
        let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(authority_end);
        if authority.contains('@') {
            return Err(bad("it must not contain credentials (user:password@)"));
        }
        let (host, port) = split_host_port(authority).ok_or_else(|| bad("its host or port is malformed"))?;
        if host.is_empty() {
            return Err(bad("it has no host"));
        }
        if let Some(port) = port {
            if port.is_empty()
                || port.len() > 5
                || !port.bytes().all(|b| b.is_ascii_digit())
                || port.parse::<u16>().map_or(true, |p| p == 0)
            {
                return Err(bad("its port must be a number from 1 to 65535"));
            }
        }
        let mut host = host.to_ascii_lowercase();
        let (class, address) = classify_host(&host).map_err(bad)?;
        // An IPv4 address in any spelling (`0x08.8.8.8`, `8.8.8.8.`) is stored the way every URL parser reads it
        // back. (Octets by hand: `IpAddr`'s Display would add a kilobyte to the WebAssembly module.)
        if let Some(IpAddr::V4(v4)) = address {
            let [a, b, c, d] = v4.octets();
            host = format!("{a}.{b}.{c}.{d}");
        }
        let loopback_allowed = self.allow_insecure_loopback && class == HostClass::Loopback;
        match scheme.as_str() {
            "https" => {}
            "http" if loopback_allowed => {}
            _ => return Err(bad("it must use https")),
        }
        match class {
            HostClass::Public => {}
            HostClass::Loopback if loopback_allowed => {}
            HostClass::Loopback => {
                return Err(bad("it points at this machine (loopback), which is not publicly routable"))
            }
            HostClass::NotPublic(why) => {
                return Err(invalid("url", format!("its host is not publicly routable: {why}")))
            }
        }
        let port_part = port.map(|port| format!(":{port}")).unwrap_or_default();
        let shown_host = if host.contains(':') { format!("[{host}]") } else { host.clone() };
        Ok((format!("{scheme}://{shown_host}{port_part}{tail}"), host))
    }
}

/// Splits `host[:port]` or `[v6][:port]`.
fn split_host_port(authority: &str) -> Option<(&str, Option<&str>)> {
    if let Some(rest) = authority.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        return match after {
            "" => Some((host, None)),
            _ => Some((host, Some(after.strip_prefix(':')?))),
        };
    }
    match authority.split_once(':') {
        Some((host, port)) => Some((host, Some(port))),
        None => Some((authority, None)),
    }
}

/// What a host is, for the routing rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HostClass {
    Public,
    Loopback,
    NotPublic(&'static str),
}

/// Classifies a lower-cased host: an IP literal in any spelling (returned too), or a DNS name.
fn classify_host(host: &str) -> Result<(HostClass, Option<IpAddr>), &'static str> {
    if host.contains('%') {
        return Err("its host must not be percent-encoded");
    }
    if host.contains(':') {
        let address: Ipv6Addr = host.parse().map_err(|_| "its IPv6 address is malformed")?;
        return Ok((classify_ip(IpAddr::V6(address)), Some(IpAddr::V6(address))));
    }
    if let Some(address) = parse_ipv4_any_spelling(host)? {
        return Ok((classify_ip(IpAddr::V4(address)), Some(IpAddr::V4(address))));
    }
    Ok((classify_name(host)?, None))
}

/// A host name: letters, digits and hyphens in labels of 1–63, at most 253 bytes, one trailing dot allowed.
fn classify_name(host: &str) -> Result<HostClass, &'static str> {
    let name = host.strip_suffix('.').unwrap_or(host);
    if name.is_empty() || name.len() > 253 {
        return Err("its host name is empty or longer than 253 bytes");
    }
    for label in name.split('.') {
        let valid_chars = label.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_');
        if label.is_empty() || label.len() > 63 || !valid_chars || label.starts_with('-') || label.ends_with('-') {
            return Err("its host name is malformed");
        }
    }
    if name == "localhost" || name.ends_with(".localhost") {
        return Ok(HostClass::Loopback);
    }
    const RESERVED: &[(&str, &str)] = &[
        (".local", "`.local` names are link-local (mDNS)"),
        (".internal", "`.internal` names are private"),
        (".home.arpa", "`.home.arpa` names are private"),
        (".localdomain", "`.localdomain` names are private"),
        (".intranet", "`.intranet` names are private"),
    ];
    if let Some((_, why)) = RESERVED.iter().find(|(suffix, _)| name.ends_with(suffix) || name == &suffix[1..]) {
        return Ok(HostClass::NotPublic(why));
    }
    if !name.contains('.') {
        return Ok(HostClass::NotPublic("a single-label name only resolves on a private network"));
    }
    Ok(HostClass::Public)
}

/// Parses an IPv4 address the way URL parsers do (WHATWG): 1 to 4 dot-separated parts, each decimal, octal (`0`
/// prefix) or hex (`0x` prefix), the last part filling the remaining bytes. `Ok(None)` when the host is not
/// numeric at all (a name); `Err` when it looks numeric but is out of range.
fn parse_ipv4_any_spelling(host: &str) -> Result<Option<Ipv4Addr>, &'static str> {
    let host = host.strip_suffix('.').unwrap_or(host);
    let parts: Vec<&str> = host.split('.').collect();
    // WHATWG treats a host as IPv4 when its last label is numeric — all digits (even `09`, which is then no valid
    // octal part and fails) or a `0x` number; otherwise it is a name.
    let last_is_numeric = parts.last().is_some_and(|last| {
        (!last.is_empty() && last.bytes().all(|b| b.is_ascii_digit())) || parse_ipv4_part(last).is_some()
    });
    if !last_is_numeric {
        return Ok(None);
    }
    if parts.len() > 4 {
        return Err("its IPv4 address has more than four parts");
    }
    let mut numbers = Vec::with_capacity(parts.len());
    for part in &parts {
        numbers.push(parse_ipv4_part(part).ok_or("its IPv4 address is malformed")?);
    }
    let (last, leading) = numbers.split_last().ok_or("its IPv4 address is malformed")?;
    if leading.iter().any(|&number| number > 255) {
        return Err("its IPv4 address has a part above 255");
    }
    let remaining_bytes = 4 - leading.len() as u32;
    if *last >= 1u64 << (8 * remaining_bytes) {
        return Err("its IPv4 address is out of range");
    }
    let mut value = *last;
    for (index, &number) in leading.iter().enumerate() {
        value += number << (8 * (3 - index as u32));
    }
    Ok(Some(Ipv4Addr::from(u32::try_from(value).map_err(|_| "its IPv4 address is out of range")?)))
}

/// One IPv4 part: decimal, `0`-prefixed octal or `0x`-prefixed hex (empty hex counts as 0, as in WHATWG).
fn parse_ipv4_part(part: &str) -> Option<u64> {
    if part.is_empty() || part.len() > 20 {
        return None;
    }
    let (digits, radix) = if let Some(hex) = part.strip_prefix("0x").or_else(|| part.strip_prefix("0X")) {
        (hex, 16)
    } else if part.len() > 1 && part.starts_with('0') {
        (&part[1..], 8)
    } else {
        (part, 10)
    };
    if digits.is_empty() {
        return (radix == 16).then_some(0);
    }
    u64::from_str_radix(digits, radix).ok()
}

fn classify_ip(address: IpAddr) -> HostClass {
    match address {
        IpAddr::V4(v4) if v4.is_loopback() => HostClass::Loopback,
        IpAddr::V6(v6) if v6.is_loopback() => HostClass::Loopback,
        IpAddr::V6(v6) => match embedded_ipv4(v6) {
            Some(v4) if v4.is_loopback() => HostClass::Loopback,
            _ if is_public_ip(address) => HostClass::Public,
            _ => HostClass::NotPublic("it is a private, link-local, multicast, reserved or unspecified address"),
        },
        _ if is_public_ip(address) => HostClass::Public,
        _ => HostClass::NotPublic("it is a private, link-local, multicast, reserved or unspecified address"),
    }
}

/// The IPv4 address an IPv6 address carries, for the forms that route to it: v4-mapped `::ffff:a.b.c.d`,
/// v4-compatible `::a.b.c.d`, NAT64 `64:ff9b::a.b.c.d`, and 6to4 `2002:aabb:ccdd::`.
fn embedded_ipv4(address: Ipv6Addr) -> Option<Ipv4Addr> {
    let octets = address.octets();
    let segments = address.segments();
    let tail = Ipv4Addr::new(octets[12], octets[13], octets[14], octets[15]);
    match segments {
        // IPv4-mapped ::ffff:0:0/96, IPv4-translated ::ffff:0:0:0/96 (RFC 2765), well-known NAT64 64:ff9b::/96.
        [0, 0, 0, 0, 0, 0xffff, _, _] | [0, 0, 0, 0, 0xffff, 0, _, _] | [0x64, 0xff9b, 0, 0, 0, 0, _, _] => Some(tail),
        [0, 0, 0, 0, 0, 0, high, _] if high != 0 => Some(tail),
        [0x2002, high, low, ..] => Some(Ipv4Addr::from((u32::from(high) << 16) | u32::from(low))),
        _ => None,
    }
}

/// Whether an address is publicly routable: the check a sender applies to every resolved address at connect
/// time, so names that resolve (or re-resolve) to internal addresses are refused.
pub fn is_public_ip(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => is_public_ipv4(v4),
        IpAddr::V6(v6) => {
            // IPv4-compatible ::a.b.c.d (deprecated by RFC 4291) is in ::/96, which is not globally reachable,
            // whatever IPv4 address it carries.
            if v6.segments()[..6] == [0; 6] {
                return false;
            }
            if let Some(v4) = embedded_ipv4(v6) {
                return is_public_ipv4(v4);
            }
            let segments = v6.segments();
            let first = segments[0];
            // Local-use NAT64 64:ff9b:1::/48 (RFC 8215) is not globally reachable, whatever IPv4 it carries.
            if segments[..3] == [0x64, 0xff9b, 1] {
                return false;
            }
            // The IANA IPv6 special-purpose registry's blocks that are not globally reachable: IETF protocol
            // assignments 2001::/23 (benchmarking 2001:2::/48, ORCHID 2001:10::/28, Teredo 2001::/32 among them)
            // but for the ones marked reachable (2001:1::1 and ::2, AMT 2001:3::/32, AS112 2001:4:112::/48,
            // ORCHIDv2 2001:20::/28, drone remote ID 2001:30::/28); documentation 3fff::/20 (RFC 9637); segment
            // routing SIDs 5f00::/16 (RFC 9602).
            if first == 0x2001 && segments[1] < 0x0200 {
                let reachable = (segments[1] == 1 && segments[2..7] == [0; 5] && matches!(segments[7], 1 | 2))
                    || segments[1] == 3
                    || (segments[1] == 4 && segments[2] == 0x0112)
                    || (0x20..=0x3f).contains(&segments[1]);
                if !reachable {
                    return false;
                }
            }
            if (first & 0xfff0) == 0x3ff0 || first == 0x5f00 {
                return false;
            }
            !(v6.is_unspecified()
                || v6.is_loopback()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (first & 0xffc0) == 0xfe80 // link-local fe80::/10
                || (first & 0xffc0) == 0xfec0 // site-local fec0::/10 (deprecated)
                || (first == 0x2001 && v6.segments()[1] == 0x0db8) // documentation 2001:db8::/32
                || (first == 0x0100 && v6.segments()[1..4] == [0, 0, 0]) // discard 100::/64
                || v6.segments()[..6] == [0, 0, 0, 0, 0, 0]) // ::/96 other than the forms handled above
        }
    }
}

fn is_public_ipv4(v4: Ipv4Addr) -> bool {
    let [a, b, c, _] = v4.octets();
    !(v4.is_unspecified()
        || a == 0 // "this network" 0.0.0.0/8
        || v4.is_loopback()
        || v4.is_private()
        || v4.is_link_local()
        || v4.is_multicast()
        || v4.is_broadcast()
        || v4.is_documentation()
        || a >= 240 // reserved 240.0.0.0/4
        || (a == 100 && (b & 0xc0) == 64) // shared address space 100.64.0.0/10
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments 192.0.0.0/24
        || (a == 198 && (b & 0xfe) == 18)) // benchmarking 198.18.0.0/15
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4_spellings_of_loopback_are_recognized() {
        for host in ["127.0.0.1", "127.1", "0x7f.0.0.1", "0177.0.0.1", "2130706433", "0x7f000001", "127.0.0.1."] {
            assert_eq!(parse_ipv4_any_spelling(host), Ok(Some(Ipv4Addr::LOCALHOST)), "{host}");
        }
        assert_eq!(parse_ipv4_any_spelling("example.com"), Ok(None));
        assert!(parse_ipv4_any_spelling("1.2.3.256").is_err());
        assert!(parse_ipv4_any_spelling("1.2.3.4.5").is_err());
        // Numeric last label, invalid octal: not a name, a malformed address (WHATWG fails it too).
        for malformed in ["1.2.3.09", "09", "example.08"] {
            assert!(parse_ipv4_any_spelling(malformed).is_err(), "{malformed}");
        }
    }

    #[test]
    fn embedded_ipv4_is_checked() {
        for text in [
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::192.168.1.1",
            "2002:c0a8:0101::1",
            "::10.0.0.1",
            "::ffff:0:127.0.0.1",
            "::ffff:0:10.0.0.1",
            "64:ff9b:1::93.184.216.34",
            "64:ff9b:1:7f00:1::",
        ] {
            let address: Ipv6Addr = text.parse().unwrap();
            assert!(!is_public_ip(IpAddr::V6(address)), "{text}");
        }
        assert!(is_public_ip(IpAddr::V6("::ffff:93.184.216.34".parse().unwrap())));
        assert!(is_public_ip(IpAddr::V6("::ffff:0:93.184.216.34".parse().unwrap())));
        assert!(is_public_ip(IpAddr::V6("64:ff9b::93.184.216.34".parse().unwrap())));
        assert!(is_public_ip(IpAddr::V6("2606:4700::1111".parse().unwrap())));
    }

    #[test]
    fn special_purpose_ipv6_blocks_are_not_public() {
        for text in [
            "3fff::1",
            "3fff:fff::1",
            "2001:2::1",
            "2001:2:0:ffff::1",
            "2001:10::1",
            "2001:1f::1",
            "2001::1",
            "2001:1::3",
            "5f00::1",
            "5f00:ffff::1",
            "::93.184.216.34",
            "::1.2.3.4",
        ] {
            let address: Ipv6Addr = text.parse().unwrap();
            assert!(!is_public_ip(IpAddr::V6(address)), "{text}");
        }
        for text in
            ["2001:1::1", "2001:3::1", "2001:4:112::1", "2001:20::1", "2001:200::1", "2001:4860::8888", "4000::1"]
        {
            let address: Ipv6Addr = text.parse().unwrap();
            assert!(is_public_ip(IpAddr::V6(address)), "{text}");
        }
    }
}
