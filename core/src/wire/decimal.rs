//! Exact decimals: number literals as digits and a decimal point, never through binary floating point, and the
//! whole-number and decimal-string rules of ids, counts and money.

use alloc::borrow::Cow;
use alloc::string::String;

use super::json::is_integer_literal;

/// The digits of the smallest decimal that rounds to infinity as a double (2^1024 − 2^970, halfway past `f64::MAX`):
/// numbers from there up are refused as out of range, as `serde_json` refuses them.
const DOUBLE_OVERFLOW_DIGITS: &str = "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497792";

/// A number literal as significant digits and the position of the decimal point among them:
/// `-0.0125e2` is negative, digits `125`, point at −0 (that is `1.25`).
pub(super) struct Decimal<'a> {
    pub(super) negative: bool,
    /// The mantissa's digits without the point; leading and trailing zeros are skipped by the users.
    pub(super) integer: &'a str,
    pub(super) fraction: &'a str,
    pub(super) exponent: i64,
    /// The literal's length as sent: written out, it may grow only so much (see [`Decimal::plain`]).
    written: usize,
}

/// The longest decimal written out, in characters: past the range of a double, where no price lives.
const MAX_PLAIN_CHARS: u64 = 400;

impl<'a> Decimal<'a> {
    pub(super) fn of(text: &'a str) -> Self {
        let negative = text.starts_with('-');
        let unsigned = text.strip_prefix('-').unwrap_or(text);
        let (mantissa, exponent) = unsigned.split_once(['e', 'E']).unwrap_or((unsigned, "0"));
        let (integer, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        // Saturating: an exponent of a million digits is as out of range as one of ten.
        let exponent_negative = exponent.starts_with('-');
        let magnitude = exponent
            .trim_start_matches(['+', '-'])
            .bytes()
            .fold(0i64, |value, digit| value.saturating_mul(10).saturating_add(i64::from(digit - b'0')).min(1 << 40));
        let exponent = if exponent_negative { -magnitude } else { magnitude };
        Decimal { negative, integer, fraction, exponent, written: text.len() }
    }

    /// The significant digits (no leading or trailing zeros) and the point's position: value = 0.digits × 10^point.
    pub(super) fn significant(&self) -> (impl Iterator<Item = u8> + Clone + 'a, usize, i64) {
        let all = self.integer.bytes().chain(self.fraction.bytes());
        let leading = all.clone().take_while(|&digit| digit == b'0').count();
        let total = self.integer.len() + self.fraction.len();
        let trailing = all.clone().rev().take_while(|&digit| digit == b'0').count().min(total - leading);
        let count = total - leading - trailing;
        let point = self.integer.len() as i64 - leading as i64 + self.exponent;
        (all.skip(leading).take(count), count, point)
    }

    /// Whether a double would round this to infinity.
    pub(super) fn overflows_double(&self) -> bool {
        let (digits, count, point) = self.significant();
        if count == 0 || point < 309 {
            return false;
        }
        if point > 309 {
            return true;
        }
        let limit = DOUBLE_OVERFLOW_DIGITS.bytes().chain(core::iter::repeat(b'0'));
        for (digit, bound) in digits.chain(core::iter::repeat(b'0')).zip(limit).take(count.max(309)) {
            if digit != bound {
                return digit > bound;
            }
        }
        true
    }

    /// Plain decimal text (`1.25e2` is `125`, `0.50` is `0.5`, `-0` is `0`), or `None` when that would be longer
    /// than [`Decimal::max_plain_chars`]: an exponent must not turn a few bytes of body into hundreds of output.
    pub(super) fn plain(&self) -> Option<String> {
        let (digits, count, point) = self.significant();
        if count == 0 {
            return Some(String::from("0"));
        }
        // Measured in 64 bits before any conversion to usize, which is 32 bits in WebAssembly.
        let count_64 = count as u64;
        let length = if point <= 0 { 2 + point.unsigned_abs() + count_64 } else { count_64.max(point as u64) + 1 };
        if length > self.max_plain_chars() {
            return None;
        }
        let length = length as usize;
        let mut out = String::with_capacity(length + 1);
        if self.negative {
            out.push('-');
        }
        if point <= 0 {
            out.push_str("0.");
            out.extend(core::iter::repeat_n('0', point.unsigned_abs() as usize));
            out.extend(digits.map(char::from));
        } else {
            let point = point as usize;
            for (index, digit) in
                digits.map(char::from).chain(core::iter::repeat('0')).take(count.max(point)).enumerate()
            {
                if index == point {
                    out.push('.');
                }
                out.push(digit);
            }
        }
        Some(out)
    }
}

impl Decimal<'_> {
    /// How long the literal may be written out: twice its length and 16 more (`1e15` and `1e-20` are fine,
    /// `1e-30` is not), and never more than 400. This keeps every walk's output within a small multiple of its
    /// input, whatever the sink.
    pub(super) fn max_plain_chars(&self) -> u64 {
        (2 * self.written as u64 + 16).min(MAX_PLAIN_CHARS)
    }
}

/// A whole number literal that fits `T`.
pub(super) fn whole<T: core::str::FromStr>(text: &str) -> Option<T> {
    if is_integer_literal(text) {
        text.parse().ok()
    } else {
        None
    }
}

/// A whole number literal's canonical text: as written, except that `-0` is `0`.
pub(super) fn whole_text(text: &str) -> Cow<'_, str> {
    Cow::Borrowed(if text == "-0" { "0" } else { text })
}

/// A decimal string: an optional minus, digits, and optionally a point and more digits.
pub(super) fn is_decimal_text(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "0"));
    let numeric = |part: &str| !part.is_empty() && part.bytes().all(|byte| byte.is_ascii_digit());
    numeric(whole) && numeric(fraction)
}
