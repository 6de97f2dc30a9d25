//! Reading a bulk-import file (`POST /imports`): a CSV of employees or of
//! leavers, UTF-8 with or without a byte-order mark, comma- or
//! semicolon-separated, at most `MAX_BYTES` and `MAX_ROWS`. Pure: the
//! caller hands over the bytes and gets each row, checked, through a
//! callback, one at a time (the rows are never all held as values), and a
//! report with counts and the first `MAX_REPORTED_ERRORS` row errors.
//!
//! Rows are numbered as a spreadsheet shows them: the header is row 1, the
//! first person row 2 (a quoted value over several lines is one row).
//! Cells are text: a cell that looks like a formula (`=`, `+`, `-`, `@`)
//! is kept as written, and every CSV Tenure exports neutralises it.

use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use super::leavers::{fields, AccessLevel, LeaverFields, RawLeaver};
use super::validate::{self, Email};
use crate::error::FieldError;

/// The largest file accepted: 5 MiB.
pub const MAX_BYTES: usize = 5 * 1024 * 1024;
/// The most rows (people) a file may have, header not counted.
pub const MAX_ROWS: u32 = 20_000;
/// A report keeps this many row errors (it counts them all).
pub const MAX_REPORTED_ERRORS: usize = 1000;

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportKind {
    Employees,
    Leavers,
}

impl ImportKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ImportKind::Employees => "employees",
            ImportKind::Leavers => "leavers",
        }
    }

    /// The columns a file must have, and those it may have.
    pub fn columns(self) -> (&'static [&'static str], &'static [&'static str]) {
        match self {
            ImportKind::Employees => (
                &["email", "full_name"],
                &["job_title", "department", "hourly_rate", "start_date", "access_level", "phone", "emergency_contact"],
            ),
            ImportKind::Leavers => (
                &["first_name", "surname", "department", "leave_date", "reason"],
                &["email", "job_title", "access_level", "notes"],
            ),
        }
    }
}

/// One problem with one row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RowError {
    pub row: u32,
    pub field: String,
    pub message: String,
}

/// Why a whole file is refused (its rows are not read).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("the file is larger than 5 MiB")]
    TooLarge,
    #[error("the file is not UTF-8 text (row {row} has bytes that are not)")]
    NotUtf8 { row: u32 },
    #[error("the file is empty: it needs a header row naming the columns")]
    Empty,
    #[error("the header lacks the column(s) {0}")]
    MissingColumns(String),
    #[error("the header names unknown or repeated column(s) {0}")]
    UnknownColumns(String),
    #[error("the file has more than 20,000 rows")]
    TooManyRows,
    #[error("the file is not readable as CSV: {0}")]
    Malformed(String),
}

/// A person row that passed every check.
#[derive(Debug, Clone, PartialEq)]
pub struct EmployeeRow {
    pub email: String,
    pub full_name: String,
    pub job_title: Option<String>,
    /// A department name (one of the company's, any case).
    pub department: Option<String>,
    pub hourly_rate_cents: Option<i64>,
    pub start_date: Option<String>,
    pub access_level: Option<AccessLevel>,
    pub phone: Option<String>,
    pub emergency_contact: Option<String>,
}

/// A row that passed every check.
#[derive(Debug, Clone, PartialEq)]
pub enum Row {
    Employee(EmployeeRow),
    Leaver(LeaverFields),
}

/// What reading a file found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Report {
    pub rows: u32,
    pub valid: u32,
    pub invalid: u32,
    /// The first `MAX_REPORTED_ERRORS` row errors, in row order.
    pub errors: Vec<RowError>,
    /// Every row error, reported or not.
    pub errors_total: u32,
}

/// The delimiter of the header line: a semicolon when it has more of them
/// than commas (outside quotes), else a comma.
fn delimiter(text: &str) -> u8 {
    let (mut commas, mut semicolons, mut quoted) = (0, 0, false);
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => commas += 1,
            ';' if !quoted => semicolons += 1,
            '\n' if !quoted => break,
            _ => {}
        }
    }
    if semicolons > commas {
        b';'
    } else {
        b','
    }
}

fn optional(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|s| !s.is_empty())
}

/// Checks one employees row.
fn employee(cells: &HashMap<&str, &str>, is_department: &dyn Fn(&str) -> bool) -> Result<Row, Vec<FieldError>> {
    let get = |c: &str| optional(cells.get(c).copied());
    let mut c = validate::Checker::default();
    let email = c.check("email", Email::parse(get("email").unwrap_or("")));
    let full_name = c.check("full_name", validate::name(get("full_name").unwrap_or(""), 200));
    let text = |c: &mut validate::Checker, f: &str, max: usize| get(f).and_then(|v| c.check(f, validate::name(v, max)));
    let job_title = text(&mut c, "job_title", 200);
    let department = text(&mut c, "department", 100);
    if let Some(d) = &department {
        if !is_department(d) {
            c.check::<(), _>("department", Err("is not a department of this company"));
        }
    }
    let hourly_rate_cents = get("hourly_rate").and_then(|v| c.check("hourly_rate", super::money::parse(v)));
    let start_date =
        get("start_date").and_then(|v| c.check("start_date", super::leavers::parse_date(v).map(|_| v.to_string())));
    let access_level = get("access_level").and_then(|v| c.check("access_level", AccessLevel::parse(v)));
    let phone = get("phone").and_then(|v| c.check("phone", validate::phone(v)));
    let emergency_contact = text(&mut c, "emergency_contact", 200);
    c.finish()?;
    match (email, full_name) {
        (Some(email), Some(full_name)) => Ok(Row::Employee(EmployeeRow {
            email: email.as_str().to_string(),
            full_name,
            job_title,
            department,
            hourly_rate_cents,
            start_date,
            access_level,
            phone,
            emergency_contact,
        })),
        _ => Err(vec![FieldError::new("email", "is required")]),
    }
}

/// Checks one leavers row, with the rules of `POST /leavers`.
fn leaver(cells: &HashMap<&str, &str>) -> Result<Row, Vec<FieldError>> {
    let get = |c: &str| cells.get(c).copied().map(str::trim);
    let raw = RawLeaver {
        first_name: get("first_name").filter(|s| !s.is_empty()),
        surname: get("surname").filter(|s| !s.is_empty()),
        email: Some(get("email").filter(|s| !s.is_empty())),
        department: get("department").filter(|s| !s.is_empty()),
        job_title: Some(get("job_title").filter(|s| !s.is_empty())),
        leave_date: get("leave_date").filter(|s| !s.is_empty()),
        reason: get("reason").filter(|s| !s.is_empty()),
        access_level: get("access_level").filter(|s| !s.is_empty()),
        notes: Some(get("notes").filter(|s| !s.is_empty())),
    };
    fields(None, &raw).map(Row::Leaver)
}

/// A file being read, one row at a time (`Reader::next`), so that a
/// caller may await between rows (the import function writes each row as
/// it reads it). The bytes are borrowed; the rows are never all held.
pub struct Reader<'a> {
    kind: ImportKind,
    reader: csv::Reader<&'a [u8]>,
    header: Vec<String>,
    record: csv::StringRecord,
    emails: HashMap<String, u32>,
    row: u32,
    report: Report,
}

impl<'a> Reader<'a> {
    /// Checks the size, the encoding and the header of `bytes`.
    pub fn open(kind: ImportKind, bytes: &'a [u8]) -> Result<Self, FileError> {
        if bytes.len() > MAX_BYTES {
            return Err(FileError::TooLarge);
        }
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let text = std::str::from_utf8(bytes).map_err(|e| {
            let before = &bytes[..e.valid_up_to()];
            FileError::NotUtf8 { row: 1 + before.iter().filter(|b| **b == b'\n').count() as u32 }
        })?;
        if text.trim().is_empty() {
            return Err(FileError::Empty);
        }
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter(text))
            .has_headers(true)
            .flexible(true)
            .trim(csv::Trim::None)
            .from_reader(bytes);
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| FileError::Malformed(e.to_string()))?
            .iter()
            .map(|h| h.trim().to_lowercase())
            .collect();
        let (required, optional_columns) = kind.columns();
        let missing: Vec<&str> = required.iter().copied().filter(|c| !header.iter().any(|h| h == c)).collect();
        if !missing.is_empty() {
            return Err(FileError::MissingColumns(missing.join(", ")));
        }
        let mut seen = BTreeSet::new();
        let unknown: Vec<&str> = header
            .iter()
            .map(String::as_str)
            .filter(|h| !(required.contains(h) || optional_columns.contains(h)) || !seen.insert(*h))
            .collect();
        if !unknown.is_empty() {
            return Err(FileError::UnknownColumns(unknown.join(", ")));
        }
        Ok(Self {
            kind,
            reader,
            header,
            record: csv::StringRecord::new(),
            emails: HashMap::new(),
            row: 1,
            report: Report::default(),
        })
    }

    /// The next row's number and its checked value or errors; `None` at
    /// the end. `is_department` says whether a name is one of the
    /// company's departments (an employees row may name one). An email
    /// that appears twice is an error on the later row.
    #[allow(clippy::type_complexity)]
    pub fn next(
        &mut self,
        is_department: &dyn Fn(&str) -> bool,
    ) -> Result<Option<(u32, Result<Row, Vec<RowError>>)>, FileError> {
        loop {
            match self.reader.read_record(&mut self.record) {
                Ok(false) => return Ok(None),
                Ok(true) => {}
                Err(e) => return Err(FileError::Malformed(e.to_string())),
            }
            // A blank line is not a row.
            if !self.record.iter().all(|c| c.trim().is_empty()) {
                break;
            }
        }
        self.row += 1;
        let row = self.row;
        let report = &mut self.report;
        report.rows += 1;
        if report.rows > MAX_ROWS {
            return Err(FileError::TooManyRows);
        }
        let mut result = if self.record.len() != self.header.len() {
            Err(vec![FieldError::new(
                "row",
                format!("has {} cells where the header has {}", self.record.len(), self.header.len()),
            )])
        } else {
            let cells: HashMap<&str, &str> = self.header.iter().map(String::as_str).zip(self.record.iter()).collect();
            match self.kind {
                ImportKind::Employees => employee(&cells, is_department),
                ImportKind::Leavers => leaver(&cells),
            }
        };
        // The same person twice in one file: the later row is refused.
        let email = match &result {
            Ok(Row::Employee(e)) => Some(e.email.clone()),
            Ok(Row::Leaver(l)) => l.email.clone(),
            Err(_) => None,
        };
        if let Some(email) = email {
            if let Some(first) = self.emails.get(&email) {
                result = Err(vec![FieldError::new("email", format!("appears also in row {first}"))]);
            } else {
                self.emails.insert(email, row);
            }
        }
        let result = result.map_err(|errors| {
            errors.into_iter().map(|e| RowError { row, field: e.field, message: e.message }).collect::<Vec<_>>()
        });
        match &result {
            Ok(_) => report.valid += 1,
            Err(errors) => {
                report.invalid += 1;
                report.errors_total += errors.len() as u32;
                let room = MAX_REPORTED_ERRORS.saturating_sub(report.errors.len());
                report.errors.extend(errors.iter().take(room).cloned());
            }
        }
        Ok(Some((row, result)))
    }

    /// What was read so far (all of it, once `next` gave `None`).
    pub fn report(&self) -> &Report {
        &self.report
    }

    pub fn into_report(self) -> Report {
        self.report
    }
}

/// Reads `bytes` as a `kind` file, calling `each` with every row's number
/// and its checked value or errors, in order (see `Reader`).
pub fn read(
    kind: ImportKind,
    bytes: &[u8],
    is_department: &dyn Fn(&str) -> bool,
    mut each: impl FnMut(u32, &Result<Row, Vec<RowError>>),
) -> Result<Report, FileError> {
    let mut reader = Reader::open(kind, bytes)?;
    while let Some((row, result)) = reader.next(is_department)? {
        each(row, &result);
    }
    Ok(reader.into_report())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depts(name: &str) -> bool {
        ["finance", "operations"].contains(&name.to_lowercase().as_str())
    }

    /// A row as the callback sees it, kept by the tests.
    type Seen = (u32, Result<Row, Vec<RowError>>);

    fn employees(csv: &str) -> Result<(Report, Vec<Seen>), FileError> {
        let mut rows = Vec::new();
        let report = read(ImportKind::Employees, csv.as_bytes(), &depts, |n, r| rows.push((n, r.clone())))?;
        Ok((report, rows))
    }

    fn one(row: &Seen) -> &EmployeeRow {
        match &row.1 {
            Ok(Row::Employee(e)) => e,
            other => panic!("row {}: {other:?}", row.0),
        }
    }

    #[test]
    fn a_good_file_gives_every_row_typed_and_numbered_as_a_spreadsheet() {
        let (report, rows) = employees(
            "email,full_name,department,hourly_rate,start_date\n\
             ADA@example.com,Ada Lovelace,Finance,20.5,2026-01-05\n\
             grace@example.com,Grace Hopper,,,\n",
        )
        .unwrap();
        assert_eq!((report.rows, report.valid, report.invalid), (2, 2, 0));
        assert_eq!(rows[0].0, 2);
        let ada = one(&rows[0]);
        assert_eq!(ada.email, "ada@example.com");
        assert_eq!(ada.hourly_rate_cents, Some(2050));
        assert_eq!(ada.department.as_deref(), Some("Finance"));
        assert_eq!(one(&rows[1]).department, None);
    }

    #[test]
    fn a_bom_semicolons_quoted_newlines_and_formula_cells_are_read_as_written() {
        let text = "\u{FEFF}email;full_name;job_title;emergency_contact\r\n\
                    a@example.com;\"Smith; Jo\";=SUM(A1:A9);\"Mum\nphone 123\"\r\n\
                    b@example.com;Bo;@cmd;+44 1234\r\n";
        let (report, rows) = employees(text).unwrap();
        assert_eq!(report.rows, 2, "{report:?}");
        // The quoted newline is one cell of row 2 (a name field takes no
        // line breaks, so that row is refused for it); the next is row 3.
        assert_eq!(
            report.errors,
            [RowError {
                row: 2,
                field: "emergency_contact".into(),
                message: "must not contain control characters".into()
            }]
        );
        assert_eq!(rows[1].0, 3);
        let b = one(&rows[1]);
        assert_eq!(b.job_title.as_deref(), Some("@cmd"), "a formula-like cell is text");
        assert_eq!(b.emergency_contact.as_deref(), Some("+44 1234"));
        let text = "email;full_name;job_title\na@example.com;\"Smith; Jo\";=SUM(A1:A9)\n";
        let (_, rows) = employees(text).unwrap();
        assert_eq!(one(&rows[0]).full_name, "Smith; Jo", "a quoted delimiter");
        assert_eq!(one(&rows[0]).job_title.as_deref(), Some("=SUM(A1:A9)"));
    }

    #[test]
    fn bad_rows_name_row_field_and_reason_and_the_others_still_count() {
        let (report, rows) = employees(
            "email,full_name,hourly_rate,department,start_date,access_level\n\
             not-an-email,Al,-1,Nowhere,05/01/2026,god\n\
             ok@example.com,Ok,1e309,,,\n\
             ok2@example.com,Ok Two,12.345,,,\n\
             fine@example.com,Fine,10,operations,,elevated\n\
             short@example.com\n",
        )
        .unwrap();
        assert_eq!((report.rows, report.valid, report.invalid), (5, 1, 4));
        let fields_of = |row: u32| -> Vec<String> {
            report.errors.iter().filter(|e| e.row == row).map(|e| e.field.clone()).collect()
        };
        assert_eq!(fields_of(2), ["email", "department", "hourly_rate", "start_date", "access_level"]);
        assert_eq!(fields_of(3), ["hourly_rate"]);
        assert_eq!(fields_of(4), ["hourly_rate"]);
        assert_eq!(fields_of(6), ["row"], "a row with too few cells");
        assert_eq!(one(&rows[3]).access_level, Some(AccessLevel::Elevated));
    }

    #[test]
    fn the_same_email_twice_is_an_error_on_the_later_row() {
        let (report, _) =
            employees("email,full_name\nx@example.com,First\ny@example.com,Other\nX@Example.com,Again\n").unwrap();
        assert_eq!(report.invalid, 1);
        assert_eq!(
            report.errors,
            [RowError { row: 4, field: "email".into(), message: "appears also in row 2".into() }]
        );
    }

    #[test]
    fn whole_files_that_cannot_be_read_are_refused_with_the_reason() {
        let big = vec![b'a'; MAX_BYTES + 1];
        assert_eq!(read(ImportKind::Employees, &big, &depts, |_, _| {}), Err(FileError::TooLarge));
        let mut bad = b"email,full_name\nok@example.com,Ok\n".to_vec();
        bad.extend_from_slice(b"x@example.com,Bad \xff name\n");
        assert_eq!(read(ImportKind::Employees, &bad, &depts, |_, _| {}), Err(FileError::NotUtf8 { row: 3 }));
        assert_eq!(employees("").unwrap_err(), FileError::Empty);
        assert_eq!(employees("email\nx@example.com\n").unwrap_err(), FileError::MissingColumns("full_name".into()));
        assert_eq!(
            employees("email,full_name,salary\nx@example.com,X,1\n").unwrap_err(),
            FileError::UnknownColumns("salary".into())
        );
        assert_eq!(
            employees("email,full_name,email\nx@example.com,X,y\n").unwrap_err(),
            FileError::UnknownColumns("email".into())
        );
        let mut many = String::from("email,full_name\n");
        for i in 0..=MAX_ROWS {
            many.push_str(&format!("p{i}@example.com,P {i}\n"));
        }
        assert_eq!(employees(&many).unwrap_err(), FileError::TooManyRows);
        // Exactly the limit is fine.
        let at_limit: String = many.lines().take(MAX_ROWS as usize + 1).map(|l| format!("{l}\n")).collect();
        assert_eq!(employees(&at_limit).unwrap().0.valid, MAX_ROWS);
    }

    #[test]
    fn errors_are_all_counted_but_only_the_first_thousand_kept() {
        let mut text = String::from("email,full_name\n");
        for i in 0..1500 {
            text.push_str(&format!("bad{i},Name\n"));
        }
        let (report, _) = employees(&text).unwrap();
        assert_eq!((report.invalid, report.errors_total), (1500, 1500));
        assert_eq!(report.errors.len(), MAX_REPORTED_ERRORS);
        assert_eq!(report.errors.last().unwrap().row, 1001);
    }

    #[test]
    fn leaver_rows_follow_the_rules_of_post_leavers() {
        let mut rows = Vec::new();
        let report = read(
            ImportKind::Leavers,
            b"first_name,surname,department,leave_date,reason,access_level\n\
              Sam,Lee,Ops,2026-12-31,retirement,\n\
              ,Nameless,Ops,2026-13-01,bored,\n",
            &|_| false,
            |n, r| rows.push((n, r.clone())),
        )
        .unwrap();
        assert_eq!((report.valid, report.invalid), (1, 1));
        match &rows[0].1 {
            Ok(Row::Leaver(l)) => {
                assert_eq!((l.surname.as_str(), l.access_level), ("Lee", AccessLevel::Standard));
            }
            other => panic!("{other:?}"),
        }
        let fields: Vec<&str> = report.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["first_name", "leave_date", "reason"]);
    }
}
