//! Support code used by the generated clients and models: ISO 8601 durations, path encoding,
//! response checks that keep the service's error code, and redaction for `Debug`.

#![allow(dead_code)]

use azure_core::{
    error::ErrorKind,
    http::{headers::HeaderName, AsyncRawResponse, Context, Pipeline, PipelineSendOptions, PipelineStreamOptions, RawResponse, Request, StatusCode},
    Error, Result,
};
use std::fmt;

/// ISO 8601 durations (`PT1H30M`, `P10675199DT2H48M5.4775807S`) as [`azure_core::time::Duration`].
///
/// Values are written the way the service writes them: days, hours, minutes and seconds with
/// zero parts left out and up to 7 fractional digits (100 ns ticks), so a value read from the
/// service is written back unchanged. Years and months have no fixed length and are rejected.
pub mod duration {
    use azure_core::time::Duration;
    use serde::{de, Deserialize, Deserializer, Serializer};

    /// Parses an ISO 8601 duration.
    pub fn parse(s: &str) -> Result<Duration, String> {
        let err = |why: &str| format!("invalid ISO 8601 duration `{s}`: {why}");
        let (negative, rest) = match s.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, s),
        };
        let rest = rest.strip_prefix('P').ok_or_else(|| err("must start with `P`"))?;
        if rest.is_empty() {
            return Err(err("no parts"));
        }
        let (date, time) = match rest.split_once('T') {
            Some((_, "")) => return Err(err("`T` without time parts")),
            Some((d, t)) => (d, t),
            None => (rest, ""),
        };
        let mut total_nanos: i128 = 0;
        let mut parse_parts = |part: &str, units: &[(char, i128)]| -> Result<(), String> {
            let mut num = String::new();
            let mut last_unit = None;
            for c in part.chars() {
                if c.is_ascii_digit() || c == '.' || c == ',' {
                    num.push(if c == ',' { '.' } else { c });
                    continue;
                }
                let pos = units.iter().position(|(u, _)| *u == c).ok_or_else(|| err(&format!("unexpected `{c}`")))?;
                if last_unit.is_some_and(|l| l >= pos) {
                    return Err(err("parts out of order"));
                }
                last_unit = Some(pos);
                if num.is_empty() {
                    return Err(err("a unit without a number"));
                }
                let nanos_per_unit = units[pos].1;
                if nanos_per_unit == 0 {
                    return Err(err("years and months have no fixed length"));
                }
                let (int, frac) = num.split_once('.').unwrap_or((&num, ""));
                let int: i128 = int.parse().map_err(|_| err("bad number"))?;
                let mut frac_nanos: i128 = 0;
                if !frac.is_empty() {
                    let digits: String = frac.chars().take(18).collect();
                    let scale = 10i128.pow(digits.len() as u32);
                    frac_nanos = digits.parse::<i128>().map_err(|_| err("bad fraction"))? * nanos_per_unit / scale;
                }
                total_nanos = int
                    .checked_mul(nanos_per_unit)
                    .and_then(|v| v.checked_add(frac_nanos))
                    .and_then(|v| v.checked_add(total_nanos))
                    .ok_or_else(|| err("too large"))?;
                num.clear();
            }
            if !num.is_empty() {
                return Err(err("a number without a unit"));
            }
            Ok(())
        };
        const S: i128 = 1_000_000_000;
        parse_parts(date, &[('Y', 0), ('M', 0), ('W', 7 * 86_400 * S), ('D', 86_400 * S)])?;
        parse_parts(time, &[('H', 3_600 * S), ('M', 60 * S), ('S', S)])?;
        let total_nanos = if negative { -total_nanos } else { total_nanos };
        let secs = i64::try_from(total_nanos / S).map_err(|_| err("too large"))?;
        let nanos = (total_nanos % S) as i32;
        Ok(Duration::new(secs, nanos))
    }

    /// Formats a duration the way the service does (`PT0S` for zero).
    pub fn format(d: &Duration) -> String {
        let mut out = String::new();
        if d.is_negative() {
            out.push('-');
        }
        let total = d.unsigned_abs();
        let mut secs = total.as_secs();
        let nanos = total.subsec_nanos();
        let days = secs / 86_400;
        secs %= 86_400;
        let (h, m, s) = (secs / 3_600, secs % 3_600 / 60, secs % 60);
        out.push('P');
        if days > 0 {
            out.push_str(&format!("{days}D"));
        }
        if h > 0 || m > 0 || s > 0 || nanos > 0 || days == 0 {
            out.push('T');
            if h > 0 {
                out.push_str(&format!("{h}H"));
            }
            if m > 0 {
                out.push_str(&format!("{m}M"));
            }
            if s > 0 || nanos > 0 || (h == 0 && m == 0) {
                out.push_str(&s.to_string());
                if nanos > 0 {
                    let frac = format!("{nanos:09}");
                    out.push('.');
                    out.push_str(frac.trim_end_matches('0'));
                }
                out.push('S');
            }
        }
        out
    }

    /// `serde(with = ...)` for `Duration`.
    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format(d))
    }

    /// `serde(with = ...)` for `Duration`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let s = String::deserialize(d)?;
        parse(&s).map_err(de::Error::custom)
    }

    /// `serde(with = ...)` for `Option<Duration>`.
    pub mod option {
        use super::*;

        /// Serializes `Some` as an ISO 8601 string and `None` as null.
        pub fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
            match d {
                Some(d) => s.serialize_str(&format(d)),
                None => s.serialize_none(),
            }
        }

        /// Reads an ISO 8601 string or null.
        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
            match Option::<String>::deserialize(d)? {
                Some(s) => parse(&s).map(Some).map_err(de::Error::custom),
                None => Ok(None),
            }
        }
    }
}

/// HTTP dates (RFC 7231, `Fri, 17 Feb 2017 00:00:00 GMT`). The text is always in GMT, so a
/// value with another offset is converted first.
pub mod http_date {
    use azure_core::time::OffsetDateTime;
    use serde::{Deserializer, Serializer};

    /// Formats `date` as an HTTP date in GMT.
    pub fn format(date: &OffsetDateTime) -> String {
        azure_core::time::to_rfc7231(&date.to_offset(OffsetDateTime::UNIX_EPOCH.offset()))
    }

    /// `serde(with = ...)` for `Option<OffsetDateTime>` written as HTTP dates.
    pub mod option {
        use super::*;

        /// Serializes `Some` as an HTTP date in GMT and `None` as null.
        pub fn serialize<S: Serializer>(date: &Option<OffsetDateTime>, s: S) -> Result<S::Ok, S::Error> {
            match date {
                Some(d) => s.serialize_str(&format(d)),
                None => s.serialize_none(),
            }
        }

        /// Reads an HTTP date or null.
        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<OffsetDateTime>, D::Error> {
            azure_core::time::rfc7231::option::deserialize(d)
        }
    }
}

/// Percent-encodes one path segment (everything but RFC 3986 unreserved characters).
pub fn encode_path_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Fails when a required path parameter is empty (it would change the URL's meaning).
pub fn require_non_empty(name: &str, value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(Error::with_message(ErrorKind::Other, format!("parameter {name} cannot be empty")));
    }
    Ok(())
}

/// Sends a request and reads the whole response; a status outside `success` is an error that
/// carries the service's error code (see [`check_status`]).
pub async fn send(pipeline: &Pipeline, ctx: &Context<'_>, request: &mut Request, success: &[u16]) -> Result<RawResponse> {
    let options = PipelineSendOptions { skip_checks: true, ..Default::default() };
    check_status(pipeline.send(ctx, request, Some(options)).await?, success)
}

/// Sends a request whose response body streams; the body is read only when the call failed.
pub async fn stream(pipeline: &Pipeline, ctx: &Context<'_>, request: &mut Request, success: &[u16]) -> Result<AsyncRawResponse> {
    let options = PipelineStreamOptions { skip_checks: true, ..Default::default() };
    check_stream(pipeline.stream(ctx, request, Some(options)).await?, success).await
}

/// Sends an existence check (a HEAD that declares 404): 404 is `false`, a success is `true`.
pub async fn exists(pipeline: &Pipeline, ctx: &Context<'_>, request: &mut Request, success: &[u16]) -> Result<bool> {
    let options = PipelineSendOptions { skip_checks: true, ..Default::default() };
    let response = pipeline.send(ctx, request, Some(options)).await?;
    if response.status() == StatusCode::NotFound {
        return Ok(false);
    }
    check_status(response, success).map(|_| true)
}

/// Checks the status of a buffered response. On failure the error carries the service's error
/// code (`code` of a Batch error body, `error.code` of an Azure error body, or the
/// `x-ms-error-code` header), its message, and the whole raw response.
pub fn check_status(response: RawResponse, success: &[u16]) -> Result<RawResponse> {
    let status = response.status();
    if success.contains(&u16::from(status)) {
        return Ok(response);
    }
    Err(error_from_response(response))
}

/// Like [`check_status`] for a streamed response: the body is read only when the call failed.
pub async fn check_stream(response: AsyncRawResponse, success: &[u16]) -> Result<AsyncRawResponse> {
    if success.contains(&u16::from(response.status())) {
        return Ok(response);
    }
    let raw = response.try_into_raw_response().await?;
    Err(error_from_response(raw))
}

/// Builds the error for a failed response.
pub fn error_from_response(response: RawResponse) -> Error {
    let status: StatusCode = response.status();
    let (code, message) = service_error(response.body().as_ref());
    let code = code.or_else(|| {
        response
            .headers()
            .get_optional_str(&HeaderName::from_static("x-ms-error-code"))
            .map(str::to_string)
    });
    let text = match (&code, &message) {
        (Some(c), Some(m)) => format!("{c}: {m} (HTTP {})", u16::from(status)),
        (Some(c), None) => format!("{c} (HTTP {})", u16::from(status)),
        (None, Some(m)) => format!("{m} (HTTP {})", u16::from(status)),
        (None, None) => format!("HTTP {status}"),
    };
    Error::with_message(
        ErrorKind::HttpResponse { status, error_code: code, raw_response: Some(Box::new(response)) },
        text,
    )
}

/// Reads the code and message of a Batch (`{code, message: {value}}`) or Azure
/// (`{error: {code, message}}`) error body.
pub fn service_error(body: &[u8]) -> (Option<String>, Option<String>) {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) else {
        let text = String::from_utf8_lossy(body).trim().chars().take(500).collect::<String>();
        return (None, (!text.is_empty()).then_some(text));
    };
    let v = match v.get("error") {
        Some(e) if e.is_object() => e.clone(),
        _ => v,
    };
    let code = v.get("code").and_then(|c| c.as_str()).map(str::to_string);
    let message = match v.get("message") {
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        Some(m) => m.get("value").and_then(|x| x.as_str()).map(str::to_string),
        None => None,
    };
    (code, message)
}

/// Reads an optional response header and converts it.
pub fn header<T>(headers: &azure_core::http::headers::Headers, name: &'static str, parse: impl FnOnce(&str) -> Result<T>) -> Result<Option<T>> {
    headers.get_optional_str(&HeaderName::from_static(name)).map(parse).transpose()
}

/// Header parsers for [`header`].
pub mod parse {
    use super::*;

    /// Text as it is.
    pub fn string(s: &str) -> Result<String> {
        Ok(s.to_string())
    }
    /// RFC 7231 date.
    pub fn rfc7231(s: &str) -> Result<azure_core::time::OffsetDateTime> {
        azure_core::time::parse_rfc7231(s)
    }
    /// RFC 3339 date.
    pub fn rfc3339(s: &str) -> Result<azure_core::time::OffsetDateTime> {
        azure_core::time::parse_rfc3339(s)
    }
    /// Seconds since the Unix epoch.
    pub fn unix_time(s: &str) -> Result<azure_core::time::OffsetDateTime> {
        azure_core::time::parse_unix_time(s.trim())
    }
    /// ISO 8601 duration.
    pub fn duration(s: &str) -> Result<azure_core::time::Duration> {
        super::duration::parse(s).map_err(|e| Error::with_message(ErrorKind::DataConversion, e))
    }
    /// Any type with `FromStr` (numbers, booleans, UUIDs, enums).
    pub fn from_str<T: std::str::FromStr>(s: &str) -> Result<T>
    where
        T::Err: std::fmt::Display,
    {
        s.trim().parse::<T>().map_err(|e| Error::with_message(ErrorKind::DataConversion, format!("cannot parse header value `{s}`: {e}")))
    }
}

/// Shows `<redacted>` in place of a secret in `Debug` output.
pub struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Debug view of an optional secret: `None` or `Some(<redacted>)`.
pub fn redact<T>(value: &Option<T>) -> Option<Redacted> {
    value.as_ref().map(|_| Redacted)
}

/// Debug view of a URL whose query may hold a SAS signature: `sig=` values are redacted.
pub struct SasRedacted<'a>(pub &'a Option<String>);

impl fmt::Debug for SasRedacted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            None => f.write_str("None"),
            Some(url) => write!(f, "Some({:?})", redact_sas(url)),
        }
    }
}

/// Replaces the value of every `sig` query parameter with `REDACTED`.
pub fn redact_sas(url: &str) -> String {
    let Some((base, query)) = url.split_once('?') else { return url.to_string() };
    let parts: Vec<String> = query
        .split('&')
        .map(|p| match p.split_once('=') {
            Some((k, _)) if k.eq_ignore_ascii_case("sig") => format!("{k}=REDACTED"),
            _ => p.to_string(),
        })
        .collect();
    format!("{base}?{}", parts.join("&"))
}

#[cfg(test)]
mod tests {
    use super::duration::{format, parse};

    #[test]
    fn durations_round_trip_as_the_service_writes_them() {
        for s in ["PT0S", "PT1H", "PT1H30M", "P1D", "P10675199DT2H48M5.4775807S", "PT0.5S", "P2DT3M", "-PT5S", "PT15M"] {
            assert_eq!(format(&parse(s).unwrap()), s, "{s}");
        }
        assert_eq!(parse("P1W").unwrap().whole_days(), 7);
        assert!(parse("P1Y").is_err());
        assert!(parse("PT").is_err());
        assert!(parse("1H").is_err());
        assert!(parse("PT1M1H").is_err());
    }

    #[test]
    fn sas_signatures_are_redacted() {
        assert_eq!(super::redact_sas("https://a/b?sv=1&sig=abc%2F&se=2"), "https://a/b?sv=1&sig=REDACTED&se=2");
    }
}
