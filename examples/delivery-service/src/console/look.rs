//! The console inside the platform: the origins allowed to frame it (`--console-frame-ancestors`, so the platform
//! puts it in its own settings page, as Svix's App Portal is), and the platform's look — brand name, logo, accent
//! colour and font — checked at start (an accent without 4.5:1 contrast on the page is refused, WCAG AA).

/// How the console looks and where it may be embedded; the default is the service's own look, never framed.
#[derive(Debug, Clone, Default)]
pub struct ConsoleLook {
    /// Origins that may put the console in a frame (`https://app.example.com`); empty: none may.
    pub frame_ancestors: Vec<String>,
    /// Shown in the header instead of "Webhooks".
    pub brand_name: Option<String>,
    /// An image shown before the brand name (https, or a path on this service).
    pub logo_url: Option<String>,
    /// Links and primary buttons, `#rrggbb`.
    pub accent: Option<String>,
    /// A font family the platform's pages already load (its name only; nothing is fetched).
    pub font: Option<String>,
}

/// The page backgrounds the accent is checked against: light, then dark (console.css's `--bg`).
const LIGHT_BACKGROUND: [u8; 3] = [0xff, 0xff, 0xff];
const DARK_BACKGROUND: [u8; 3] = [0x13, 0x13, 0x14];
/// WCAG AA for normal text.
const MIN_CONTRAST: f64 = 4.5;

/// An account's own look, as the API takes and shows it; each field over the service's when set.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AccountLook {
    /// The console header's name for this account's pages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brand_name: Option<String>,
    /// A logo before the name: an https URL or a path on this service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo_url: Option<String>,
    /// `#rrggbb`, at least 4.5:1 against white.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accent: Option<String>,
    /// A font family name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub font: Option<String>,
}

impl ConsoleLook {
    /// This look with an account's fields over it (its frame ancestors stay the service's).
    pub fn with_account(&self, account: &AccountLook) -> Self {
        Self {
            frame_ancestors: self.frame_ancestors.clone(),
            brand_name: account.brand_name.clone().or_else(|| self.brand_name.clone()),
            logo_url: account.logo_url.clone().or_else(|| self.logo_url.clone()),
            accent: account.accent.clone().or_else(|| self.accent.clone()),
            font: account.font.clone().or_else(|| self.font.clone()),
        }
    }

    /// An account's look checked by the same rules, the message naming the API's fields.
    pub fn check_account(account: &AccountLook) -> Result<(), String> {
        let alone = Self {
            frame_ancestors: Vec::new(),
            brand_name: account.brand_name.clone(),
            logo_url: account.logo_url.clone(),
            accent: account.accent.clone(),
            font: account.font.clone(),
        };
        alone.validate().map_err(|problem| {
            problem
                .replace("--console-brand-name", "look.brandName")
                .replace("--console-logo-url", "look.logoUrl")
                .replace("--console-accent", "look.accent")
                .replace("--console-font", "look.font")
        })
    }

    /// Whether the console may be framed by another origin (its cookies must then be third-party cookies).
    pub fn embedded(&self) -> bool {
        !self.frame_ancestors.is_empty()
    }

    /// Refuses what would break the pages or their policy, with the option to fix.
    pub fn validate(&self) -> Result<(), String> {
        for origin in &self.frame_ancestors {
            let parsed =
                url::Url::parse(origin).map_err(|error| format!("--console-frame-ancestors {origin}: {error}"))?;
            let local = matches!(parsed.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
            if !(parsed.scheme() == "https" || (parsed.scheme() == "http" && local))
                || parsed.path() != "/"
                || parsed.query().is_some()
                || origin.contains(['\'', ';', ' ', '"'])
            {
                return Err(format!(
                    "--console-frame-ancestors {origin}: give origins only, https://host[:port] (http only for \
                     localhost)"
                ));
            }
        }
        if let Some(name) = &self.brand_name {
            if name.trim().is_empty() || name.chars().count() > 60 || name.chars().any(char::is_control) {
                return Err("--console-brand-name: 1 to 60 characters, no control characters".into());
            }
        }
        if let Some(logo) = &self.logo_url {
            let fine = logo.starts_with('/') && !logo.starts_with("//")
                || url::Url::parse(logo).is_ok_and(|url| url.scheme() == "https");
            if !fine || logo.contains(['"', '\'', ' ', ';']) {
                return Err(format!("--console-logo-url {logo}: an https URL or a path on this service"));
            }
        }
        if let Some(accent) = &self.accent {
            let rgb = parse_hex(accent).ok_or_else(|| format!("--console-accent {accent}: a colour as #rrggbb"))?;
            let contrast = contrast(rgb, LIGHT_BACKGROUND);
            if contrast < MIN_CONTRAST {
                return Err(format!(
                    "--console-accent {accent}: {contrast:.1}:1 against the page's white background; links and \
                     buttons need at least {MIN_CONTRAST}:1 (WCAG AA): pick a darker shade"
                ));
            }
        }
        if let Some(font) = &self.font {
            if font.is_empty() || !font.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-') {
                return Err(format!("--console-font {font}: a font family name (letters, digits, spaces, hyphens)"));
            }
        }
        Ok(())
    }

    /// The pages' Content-Security-Policy: scripts and styles from the console only; framed only by the listed
    /// origins; images also from the logo's origin.
    pub fn content_security_policy(&self) -> String {
        let frames = if self.embedded() { self.frame_ancestors.join(" ") } else { "'none'".into() };
        let logo_origin = self
            .logo_url
            .as_deref()
            .and_then(|logo| url::Url::parse(logo).ok())
            .map(|url| format!(" {}", url.origin().ascii_serialization()))
            .unwrap_or_default();
        format!(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'{logo_origin}; connect-src 'self'; \
             form-action 'self'; frame-ancestors {frames}; base-uri 'none'"
        )
    }

    /// The cookies' cross-site attributes: Strict on the service's own site; in a frame of another site the
    /// browser only sends `SameSite=None; Secure` cookies, and only keeps them `Partitioned` (CHIPS) where
    /// third-party cookies are blocked. CSRF tokens guard every form either way.
    pub fn cookie_attributes(&self, over_https: bool) -> &'static str {
        match (self.embedded(), over_https) {
            (true, _) => "; SameSite=None; Secure; Partitioned",
            (false, true) => "; SameSite=Strict; Secure",
            (false, false) => "; SameSite=Strict",
        }
    }

    /// `/console/assets/theme.css`: the platform's colours and font over console.css (empty without a look).
    pub fn theme_css(&self) -> String {
        let mut css = String::from("/* The platform's look (--console-accent, --console-font). */\n");
        if let Some(rgb) = self.accent.as_deref().and_then(parse_hex) {
            let hex = format!("#{:02x}{:02x}{:02x}", rgb[0], rgb[1], rgb[2]);
            css.push_str(&format!(":root {{ --accent: {hex}; }}\n"));
            // In the dark scheme only when it still reads there; otherwise the console's own light blue stays.
            if contrast(rgb, DARK_BACKGROUND) >= MIN_CONTRAST {
                css.push_str(&format!("@media (prefers-color-scheme: dark) {{ :root {{ --accent: {hex}; }} }}\n"));
            }
        }
        if let Some(font) = &self.font {
            css.push_str(&format!("body {{ font-family: \"{font}\", system-ui, sans-serif; }}\n"));
        }
        css
    }

    /// The header's brand: the logo and the name, escaped.
    pub fn brand_html(&self) -> String {
        let name = escape(self.brand_name.as_deref().unwrap_or("Webhooks"));
        match &self.logo_url {
            Some(logo) => format!("<img class=\"logo\" src=\"{}\" alt=\"\" height=\"24\"> {name}", escape(logo)),
            None => name,
        }
    }
}

/// Text for HTML (element content and quoted attributes).
pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

fn parse_hex(text: &str) -> Option<[u8; 3]> {
    let hex = text.strip_prefix('#')?;
    if hex.len() != 6 || !hex.is_ascii() {
        return None;
    }
    let channel = |at: usize| u8::from_str_radix(hex.get(at..at + 2)?, 16).ok();
    Some([channel(0)?, channel(2)?, channel(4)?])
}

/// WCAG 2 contrast ratio of two sRGB colours.
fn contrast(one: [u8; 3], other: [u8; 3]) -> f64 {
    let luminance = |rgb: [u8; 3]| {
        let linear = |channel: u8| {
            let value = f64::from(channel) / 255.0;
            if value <= 0.039_28 {
                value / 12.92
            } else {
                ((value + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * linear(rgb[0]) + 0.7152 * linear(rgb[1]) + 0.0722 * linear(rgb[2])
    };
    let (a, b) = (luminance(one), luminance(other));
    (a.max(b) + 0.05) / (a.min(b) + 0.05)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contrast_follows_wcag() {
        assert!((contrast([0, 0, 0], [255, 255, 255]) - 21.0).abs() < 0.01);
        assert!((contrast([0x24, 0x57, 0xd6], LIGHT_BACKGROUND) - 6.2).abs() < 0.2);
    }

    #[test]
    fn a_look_is_checked_before_the_service_starts() {
        let look = |change: fn(&mut ConsoleLook)| {
            let mut look = ConsoleLook::default();
            change(&mut look);
            look.validate()
        };
        assert!(look(|_| ()).is_ok());
        assert!(look(|l| l.accent = Some("#1a5f2a".into())).is_ok());
        let pale = look(|l| l.accent = Some("#ffcc00".into()));
        assert!(
            matches!(&pale, Err(problem) if problem.contains(":1 against the page's white") && problem.contains("4.5")),
            "{pale:?}"
        );
        assert!(look(|l| l.accent = Some("green".into())).is_err());
        assert!(look(|l| l.frame_ancestors = vec!["https://app.example.com".into()]).is_ok());
        assert!(look(|l| l.frame_ancestors = vec!["http://localhost:3000".into()]).is_ok());
        for bad in ["http://app.example.com", "https://app.example.com/settings", "*", "'self'"] {
            assert!(look_with_ancestor(bad).is_err(), "{bad}");
        }
        assert!(look(|l| l.logo_url = Some("javascript:alert(1)".into())).is_err());
        assert!(look(|l| l.font = Some("Inter\"; } body { x".into())).is_err());
    }

    fn look_with_ancestor(origin: &str) -> Result<(), String> {
        ConsoleLook { frame_ancestors: vec![origin.into()], ..ConsoleLook::default() }.validate()
    }

    #[test]
    fn embedding_changes_the_policy_and_the_cookies() {
        let own = ConsoleLook::default();
        assert!(own.content_security_policy().contains("frame-ancestors 'none'"));
        assert_eq!(own.cookie_attributes(false), "; SameSite=Strict");
        let framed = ConsoleLook {
            frame_ancestors: vec!["https://app.example.com".into()],
            logo_url: Some("https://cdn.example.com/logo.svg".into()),
            brand_name: Some("Acme <Supply>".into()),
            ..ConsoleLook::default()
        };
        let policy = framed.content_security_policy();
        assert!(policy.contains("frame-ancestors https://app.example.com;"), "{policy}");
        assert!(policy.contains("img-src 'self' https://cdn.example.com;"), "{policy}");
        assert_eq!(framed.cookie_attributes(false), "; SameSite=None; Secure; Partitioned");
        assert!(framed.brand_html().ends_with("Acme &lt;Supply&gt;"));
    }
}
