//! Money as the API carries it: a decimal string with at most two decimals
//! (`"1200.00"`, `"20.5"`), held inside as whole cents (`i64`). Never a
//! float: `"0.1"` and `"0.2"` add to exactly `"0.30"`.

/// The largest amount accepted: ten million (in the currency's units).
pub const MAX_CENTS: i64 = 10_000_000 * 100;

/// Parses a non-negative amount: digits, optionally a point and one or two
/// more digits. No sign, exponent, spaces or thousands separators.
pub fn parse(s: &str) -> Result<i64, String> {
    const HOW: &str = "must be an amount such as \"20.50\": digits, and at most two decimals";
    let (whole, frac) = match s.split_once('.') {
        Some((w, f)) => (w, f),
        None => (s, ""),
    };
    let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || whole.len() > 12 || !digits(whole) || !digits(frac) || (s.contains('.') && frac.is_empty()) {
        return Err(HOW.into());
    }
    if frac.len() > 2 {
        return Err("must have at most two decimals (whole cents)".into());
    }
    let units: i64 = whole.parse().map_err(|_| HOW.to_string())?;
    let cents: i64 = format!("{frac:0<2}").parse().map_err(|_| HOW.to_string())?;
    let total = units.checked_mul(100).and_then(|u| u.checked_add(cents)).ok_or_else(|| HOW.to_string())?;
    if total > MAX_CENTS {
        return Err(format!("must be at most {}", format(MAX_CENTS)));
    }
    Ok(total)
}

/// Cents as the API shows them: always two decimals.
pub fn format(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    format!("{sign}{}.{:02}", c / 100, c % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_parse_exactly_to_cents() {
        for (s, cents) in [("20", 2000), ("20.5", 2050), ("20.50", 2050), ("0.01", 1), ("1200.00", 120_000), ("0", 0)] {
            assert_eq!(parse(s), Ok(cents), "{s}");
        }
        assert_eq!(parse("0.1").unwrap() + parse("0.2").unwrap(), parse("0.3").unwrap());
        assert_eq!(format(parse("0.1").unwrap() + parse("0.2").unwrap()), "0.30");
        assert_eq!(format(95_000), "950.00");
        assert_eq!(format(5), "0.05");
        assert_eq!(format(-150), "-1.50");
    }

    #[test]
    fn anything_else_is_refused() {
        for s in ["-1", "1e309", "12.345", "", ".5", "5.", "1,000.00", " 5", "5 ", "+5", "NaN", "inf", "1.2.3", "１２"]
        {
            assert!(parse(s).is_err(), "{s:?} was accepted");
        }
        assert!(parse("10000000.00").is_ok());
        assert!(parse("10000000.01").is_err());
        assert!(parse("99999999999999999999").is_err());
    }
}
