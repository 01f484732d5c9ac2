//! Writing CSV for spreadsheets: RFC 4180 quoting, and cells neutralised against formula
//! injection (OWASP): a cell a spreadsheet would read as a formula gets a leading `'`.

/// First characters that make a spreadsheet evaluate a cell.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Appends one record, ending in CRLF.
pub fn write_record<S: AsRef<str>>(out: &mut String, cells: &[S]) {
    // A record of one empty cell would be a blank line, which readers skip.
    if let [only] = cells {
        if only.as_ref().is_empty() {
            out.push_str("\"\"\r\n");
            return;
        }
    }
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_cell(out, cell.as_ref());
    }
    out.push_str("\r\n");
}

/// Appends one cell: neutralised, then quoted when it holds a comma, quote, CR or LF.
pub fn write_cell(out: &mut String, value: &str) {
    let neutralise = value.starts_with(FORMULA_STARTS);
    let quote = value.contains([',', '"', '\r', '\n']);
    if quote {
        out.push('"');
    }
    if neutralise {
        out.push('\'');
    }
    if quote {
        for c in value.chars() {
            if c == '"' {
                out.push('"');
            }
            out.push(c);
        }
        out.push('"');
    } else {
        out.push_str(value);
    }
}

/// Unix milliseconds as RFC 3339 in UTC with milliseconds: `2024-05-01T09:30:00.000Z`.
pub fn rfc3339_utc(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let millis = ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let of_day = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    )
}

/// Unix milliseconds as the UTC date `YYYYMMDD` (for file names).
pub fn yyyymmdd_utc(ms: i64) -> String {
    let (year, month, day) = civil_from_days(ms.div_euclid(86_400_000));
    format!("{year:04}{month:02}{day:02}")
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar
/// (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn record(cells: &[&str]) -> String {
        let mut out = String::new();
        write_record(&mut out, cells);
        out
    }

    fn parse(text: &str) -> Vec<Vec<String>> {
        csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes())
            .records()
            .map(|r| r.unwrap().iter().map(str::to_owned).collect())
            .collect()
    }

    fn neutralised(cell: &str) -> String {
        if cell.starts_with(FORMULA_STARTS) {
            format!("'{cell}")
        } else {
            cell.to_owned()
        }
    }

    #[test]
    fn plain_cells_are_written_as_they_are() {
        assert_eq!(record(&["a", "b c", ""]), "a,b c,\r\n");
    }

    #[test]
    fn commas_quotes_and_line_breaks_are_quoted() {
        assert_eq!(
            record(&["a,b", "say \"hi\"", "one\ntwo", "cr\r"]),
            "\"a,b\",\"say \"\"hi\"\"\",\"one\ntwo\",\"cr\r\"\r\n"
        );
    }

    #[test]
    fn cells_a_spreadsheet_would_evaluate_get_a_leading_quote() {
        assert_eq!(
            record(&["=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)", "\tx", "a=b"]),
            "\"'=HYPERLINK(\"\"x\"\")\",'+1,'-2,'@SUM(A1),'\tx,a=b\r\n"
        );
    }

    #[test]
    fn a_record_of_one_empty_cell_is_not_a_blank_line() {
        assert_eq!(parse(&record(&[""])), vec![vec![String::new()]]);
    }

    #[test]
    fn times_are_rfc3339_utc() {
        assert_eq!(rfc3339_utc(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339_utc(1_709_210_096_789), "2024-02-29T12:34:56.789Z");
        assert_eq!(rfc3339_utc(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(yyyymmdd_utc(1_709_210_096_789), "20240229");
    }

    proptest! {
        #[test]
        fn what_is_written_parses_back_to_the_same_cells(
            width in 1usize..5,
            cells in prop::collection::vec(any::<String>(), 1..40),
        ) {
            let rows: Vec<Vec<String>> = cells.chunks(width).map(<[String]>::to_vec).collect();
            let mut out = String::new();
            for row in &rows {
                write_record(&mut out, row);
            }
            let expected: Vec<Vec<String>> = rows
                .iter()
                .map(|r| r.iter().map(|c| neutralised(c)).collect())
                .collect();
            prop_assert_eq!(parse(&out), expected);
        }

        #[test]
        fn no_written_cell_starts_a_formula(cell in any::<String>()) {
            let parsed = parse(&record(&[cell.as_str(), "x"]));
            prop_assert!(!parsed[0][0].starts_with(FORMULA_STARTS));
        }
    }
}
