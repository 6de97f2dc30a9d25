//! `GET /audit` (JSON or CSV) and `GET /audit/verify`. No route changes or
//! deletes an audit event.

use std::collections::HashMap;

use serde::Serialize;

use super::AUDIT_READERS;
use crate::domain::audit::{self, AuditEvent, Break, ChainHead, NewEvent};
use crate::error::ApiError;
use crate::http::cursor::{PageKey, BY_TABLE};
use crate::http::{json, raw, Ctx, ListPage, Reply};
use crate::http::{schema_of, Access::Roles, Group, Response, Route, Weight::Heavy};
use crate::store::{decode, key_item, keys, Exprs, Key};

/// The audit log, served by the `audit` function.
pub const GROUP: Group =
    Group { function: "audit", routes: ROUTES, signs_tokens: false, on_start: None, fallback: None };

pub const ROUTES: &[Route] = &[
    Route {
        path: "/audit",
        summary: "Read the audit log (JSON or CSV)",
        access: Roles(AUDIT_READERS),
        weight: Heavy,
        query: &["actor", "action", "target", "from", "to"],
        paged: true,
        answers: &[(406, "Accept names neither application/json nor text/csv")],
        handler: handler!(list),
        ..Route::DEFAULT
    },
    Route {
        path: "/audit/verify",
        summary: "Verify the audit hash chain",
        access: Roles(AUDIT_READERS),
        weight: Heavy,
        response: Response::Json(200, schema_of::<Verification>),
        handler: handler!(verify),
        ..Route::DEFAULT
    },
];

/// CSV exports may ask for bigger pages than JSON lists.
const CSV_MAX_LIMIT: i32 = 1000;
/// Events checked per `GET /audit/verify` call.
const VERIFY_PAGE: i32 = 1000;

fn date_bound(ctx: &Ctx, name: &str, end: bool) -> Result<Option<String>, ApiError> {
    let Some(v) = ctx.query(name).filter(|v| !v.is_empty()) else { return Ok(None) };
    let fmt = time::format_description::well_known::Rfc3339;
    if let Ok(t) = time::OffsetDateTime::parse(v, &fmt) {
        return match t.checked_to_offset(time::UtcOffset::UTC).filter(|u| (1900..=2200).contains(&u.year())) {
            Some(u) => Ok(Some(crate::domain::timestamp(u))),
            None => Err(ApiError::bad_field(name, "must be between the years 1900 and 2200")),
        };
    }
    let date_fmt = time::macros::format_description!("[year]-[month]-[day]");
    match time::Date::parse(v, &date_fmt) {
        Ok(d) => Ok(Some(format!("{d}T{}", if end { "23:59:59.999Z" } else { "00:00:00.000Z" }))),
        Err(_) => Err(ApiError::bad_field(name, "must be a date (YYYY-MM-DD) or an RFC 3339 time")),
    }
}

pub(crate) fn wants_csv(ctx: &Ctx) -> Result<bool, ApiError> {
    let accept = ctx.header("accept").unwrap_or("application/json").to_ascii_lowercase();
    if accept.contains("text/csv") {
        Ok(true)
    } else if accept.is_empty()
        || accept.contains("application/json")
        || accept.contains("*/*")
        || accept.contains("application/*")
    {
        Ok(false)
    } else {
        Err(ApiError::NotAcceptable)
    }
}

/// A cell that a spreadsheet will not run as a formula.
pub(crate) fn csv_cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s.to_string() };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

fn to_csv(events: &[AuditEvent]) -> String {
    let mut out = String::from("seq,at,actor,action,target,source_ip,request_id,detail,hash\n");
    for e in events {
        let detail = e.detail.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(";");
        let row = [
            e.seq.to_string(),
            e.at.clone(),
            e.actor.clone(),
            e.action.clone(),
            e.target.clone(),
            e.source_ip.clone(),
            e.request_id.clone(),
            detail,
            e.hash.clone(),
        ];
        out.push_str(&row.iter().map(|c| csv_cell(c)).collect::<Vec<_>>().join(","));
        out.push('\n');
    }
    out
}

/// `GET /audit`: newest first; filters `actor`, `action`, `target`, `from`,
/// `to`. One query per page: a page may hold fewer than `limit` events when
/// filters skip some, and `next_cursor` continues.
pub async fn list(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let csv = wants_csv(ctx)?;
    let tenant = ctx.tenant()?.clone();
    let pk = keys::tenant_pk(&tenant);
    let from = date_bound(ctx, "from", false)?;
    let to = date_bound(ctx, "to", true)?;
    let mut conditions = Vec::new();
    let mut exprs = Exprs::new();
    for name in ["actor", "action", "target"] {
        if let Some(v) = ctx.query(name).filter(|v| !v.is_empty()) {
            if v.len() > 200 {
                return Err(ApiError::bad_field(name, "must be at most 200 characters"));
            }
            conditions.push(format!("#{name} = :{name}"));
            exprs = exprs.name(&format!("#{name}"), name).str(&format!(":{name}"), v);
        }
    }
    if let Some(f) = &from {
        conditions.push("#at >= :from".into());
        exprs = exprs.name("#at", "at").str(":from", f);
    }
    if let Some(t) = &to {
        conditions.push("#at <= :to".into());
        exprs = exprs.name("#at", "at").str(":to", t);
    }
    let filter = (!conditions.is_empty()).then(|| (conditions.join(" AND "), exprs));
    let scope = format!(
        "audit|{}|{}|{}|{}|{}",
        ctx.query("actor").unwrap_or(""),
        ctx.query("action").unwrap_or(""),
        ctx.query("target").unwrap_or(""),
        from.as_deref().unwrap_or(""),
        to.as_deref().unwrap_or("")
    );
    let limit = match (csv, ctx.query("limit")) {
        (true, Some(v)) => v
            .parse::<i32>()
            .ok()
            .filter(|n| (1..=CSV_MAX_LIMIT).contains(n))
            .ok_or_else(|| ApiError::bad_field("limit", "must be a whole number from 1 to 1000"))?,
        (true, None) => CSV_MAX_LIMIT,
        (false, _) => 0,
    };
    let (json_limit, start) = ctx.page_start(&scope, &BY_TABLE, &pk)?;
    let limit = if csv { limit } else { json_limit };
    let page = ctx
        .app
        .store
        .query(None, &pk, crate::store::SkCond::Prefix(keys::EVENT_SK_PREFIX), limit, start, false, filter)
        .await?;
    let events = page.items.into_iter().map(decode::<AuditEvent>).collect::<Result<Vec<_>, _>>()?;
    let next_cursor = ctx.next_cursor(&scope, page.last_key)?;
    if csv {
        // An export is a download of data: audited, and counted towards the
        // caller's download signal (one more round trip: 4, the bound of
        // this route in tests/lib.rs).
        let event = NewEvent::new("audit.exported", tenant.id().to_string())
            .with("rows", events.len().to_string())
            .with("filters", &scope);
        super::commit_counting_download(ctx, crate::store::Tx::new(), event).await?;
        let mut r = raw(200, "text/csv; charset=utf-8", to_csv(&events));
        r.headers_mut()
            .insert("content-disposition", http::HeaderValue::from_static("attachment; filename=\"audit.csv\""));
        if let Some(c) = next_cursor.and_then(|c| http::HeaderValue::from_str(&c).ok()) {
            r.headers_mut().insert("x-next-cursor", c);
        }
        return Ok(r);
    }
    Ok(json(200, &ListPage { items: events, next_cursor }))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Verification {
    /// No break found in the events checked so far.
    pub valid: bool,
    /// Whether this page reached the end of the chain.
    pub complete: bool,
    pub checked: usize,
    pub first_seq: Option<u64>,
    pub last_seq: Option<u64>,
    /// The sequence number of the chain's head.
    pub head_seq: u64,
    #[schema(value_type = Vec<Object>)]
    pub breaks: Vec<Break>,
    /// Present when more events remain: pass it back to continue.
    pub next_cursor: Option<String>,
}

/// `GET /audit/verify`: checks up to 1,000 events per call from the start
/// of the chain (or from `cursor`); the last page also checks that the
/// stored head matches the last event, so deleting the newest events is
/// detected too.
///
/// Its cursor carries the table key to go on from and the chain head so far.
const VERIFY_KEY: PageKey = PageKey { attrs: &["pk", "sk", "seq", "hash"], partition: "pk" };

pub async fn verify(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let tenant = ctx.tenant()?.clone();
    let pk = keys::tenant_pk(&tenant);
    let head = ctx.audit_head()?;
    let (_, start) = ctx.page("verify", &VERIFY_KEY, &pk)?;
    let (after, start_key) = match start {
        None => (ChainHead::genesis(), None),
        Some(k) => {
            let seq = k
                .get("seq")
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| ApiError::bad_field("cursor", "is not a cursor this list issued"))?;
            let hash = k.get("hash").cloned().unwrap_or_default();
            (
                ChainHead { seq, hash },
                Some(key_item(&Key { pk: pk.clone(), sk: k.get("sk").cloned().unwrap_or_default() })),
            )
        }
    };
    let page = ctx
        .app
        .store
        .query(None, &pk, crate::store::SkCond::Prefix(keys::EVENT_SK_PREFIX), VERIFY_PAGE, start_key, true, None)
        .await?;
    let events = page.items.into_iter().map(decode::<AuditEvent>).collect::<Result<Vec<_>, _>>()?;
    let (mut breaks, end) = audit::verify(&after, &events);
    let complete = page.last_key.is_none();
    if complete {
        // The head was read before the events: it may lag behind them.
        breaks.extend(audit::check_head(&head, &after, &events, &end));
    }
    let next_cursor = page.last_key.map(|mut k: HashMap<String, String>| {
        k.insert("seq".into(), end.seq.to_string());
        k.insert("hash".into(), end.hash.clone());
        k
    });
    let next_cursor = ctx.next_cursor("verify", next_cursor)?;
    Ok(json(
        200,
        &Verification {
            valid: breaks.is_empty(),
            complete,
            checked: events.len(),
            first_seq: events.first().map(|e| e.seq),
            last_seq: events.last().map(|e| e.seq),
            head_seq: head.seq,
            breaks,
            next_cursor,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_cannot_smuggle_formulas_or_break_rows() {
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("-1"), "'-1");
    }
}
