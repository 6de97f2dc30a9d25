//! `/companies…`: tenants. Platform admins list and create them; anyone
//! may read their own company; its owner (or an admin) changes its name and
//! calendar (time zone, working hours, holidays: `domain::calendar`).

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{CompanyView, CONFLICT};
use crate::domain::audit::NewEvent;
use crate::domain::calendar;
use crate::domain::payroll::{OvertimeRule, ROUNDINGS};
use crate::domain::roles::Role;
use crate::domain::roles::Role::{Admin, Owner};
use crate::domain::validate;
use crate::error::{ApiError, FieldError};
use crate::http::{json, Ctx, ListPage, Reply};
use crate::http::{
    schema_of,
    Access::{self, Roles},
    Group, Response, Route,
};
use crate::ids::CompanyId;
use crate::store::items::{self, Company};
use crate::store::{decode, keys, schema, Cond, Exprs, StoreError, Tenant, Tx};

/// Companies (tenants), served by the `companies` function.
pub const GROUP: Group =
    Group { function: "companies", routes: ROUTES, signs_tokens: false, on_start: None, fallback: None };

pub const ROUTES: &[Route] = &[
    Route {
        path: "/companies",
        summary: "List companies",
        access: Roles(&[Admin]),
        response: Response::Page(schema_of::<CompanyView>),
        paged: true,
        handler: handler!(list),
        ..Route::DEFAULT
    },
    Route {
        method: "POST",
        path: "/companies",
        summary: "Create a company",
        access: Roles(&[Admin]),
        request: Some(schema_of::<CreateCompanyRequest>),
        response: Response::Json(201, schema_of::<CompanyView>),
        create: true,
        handler: handler!(create),
        ..Route::DEFAULT
    },
    Route {
        path: "/companies/{id}",
        summary: "Read a company",
        access: Access::SignedIn,
        response: Response::Json(200, schema_of::<CompanyView>),
        prefetch: prefetch_company,
        handler: handler!(get),
        ..Route::DEFAULT
    },
    Route {
        method: "PATCH",
        path: "/companies/{id}",
        summary: "Change a company's name, calendar (time zone, working hours, holidays) and payroll rules (overtime, rounding)",
        access: Roles(&[Owner, Admin]),
        request: Some(schema_of::<UpdateCompanyRequest>),
        response: Response::Json(200, schema_of::<CompanyView>),
        prefetch: prefetch_company_and_chain,
        answers: &[CONFLICT],
        handler: handler!(update),
        ..Route::DEFAULT
    },
    Route {
        path: "/overview",
        summary: "What needs the caller today: cards of counts shaped by their role, each linking to the list that explains it, and a new company's first steps",
        access: Access::SignedIn,
        response: Response::Json(200, schema_of::<crate::domain::overview::Overview>),
        query: &["department_id"],
        prefetch: super::overview::prefetch,
        handler: handler!(super::overview::get),
        ..Route::DEFAULT
    },
];

/// The company named by `{id}`, read with the session.
fn prefetch_company(ctx: &Ctx, _scope: &Tenant) -> Vec<crate::store::Key> {
    CompanyId::parse(ctx.param("id")).map(|id| keys::company(&Tenant::new(id))).into_iter().collect()
}

/// The company named by `{id}` and the head of its audit chain, where the
/// change is recorded (for an admin, another company's chain).
fn prefetch_company_and_chain(ctx: &Ctx, _scope: &Tenant) -> Vec<crate::store::Key> {
    CompanyId::parse(ctx.param("id"))
        .map(|id| {
            let t = Tenant::new(id);
            vec![keys::company(&t), keys::audit_head(&t)]
        })
        .unwrap_or_default()
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCompanyRequest {
    pub name: String,
}

/// Fields left out keep their value.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCompanyRequest {
    /// The version you read; a stale one gets 409.
    pub version: u64,
    pub name: Option<String>,
    /// An IANA time zone name, such as `Europe/Berlin`.
    pub time_zone: Option<String>,
    /// Per weekday (`mon` … `sun`), start and end times in turn, `HH:MM`
    /// (`["09:00", "17:30"]`, or `["09:00", "12:00", "13:00", "17:30"]`); an
    /// end may be `24:00`. Hours past midnight: end the day at `24:00` and
    /// start the next at `00:00`. A weekday left out has no working hours.
    pub working_hours: Option<BTreeMap<String, Vec<String>>>,
    /// Dates (`YYYY-MM-DD`) with no working hours: the whole list.
    pub holidays: Option<Vec<String>>,
    /// Payroll: `weekly` (over 40 h a week at 1.5×) or `daily_and_weekly`
    /// (California: also over 8 h a day at 1.5× and over 12 h at 2×).
    pub overtime_rule: Option<String>,
    /// Payroll: round each shift's length to the nearest 5, 6 or 15
    /// minutes, or 0 for none. Applies to shifts closed from then on.
    pub rounding_minutes: Option<u32>,
}

/// `GET /companies` (admin): every company, oldest first, by the index.
pub async fn list(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let (limit, start) = ctx.page_start("companies", &crate::http::cursor::BY_GSI1, keys::COMPANIES_GSI1PK)?;
    let index = Some((schema::GSI1, schema::GSI1_PK, schema::GSI1_SK));
    let page = ctx
        .app
        .store
        .query(index, keys::COMPANIES_GSI1PK, crate::store::SkCond::Prefix(CompanyId::PREFIX), limit, start, true, None)
        .await?;
    let items = page
        .items
        .into_iter()
        .map(|i| decode::<Company>(i).map(|c| CompanyView::from(&c)))
        .collect::<Result<Vec<_>, _>>()?;
    let next_cursor = ctx.next_cursor("companies", page.last_key)?;
    Ok(json(200, &ListPage { items, next_cursor }))
}

/// `POST /companies` (admin): a company with no users yet.
pub async fn create(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let req: CreateCompanyRequest = ctx.json()?;
    let name = validate::name(&req.name, 200).map_err(|m| ApiError::invalid("name", m))?;
    let id = CompanyId::new();
    let tenant = Tenant::new(id.clone());
    let company = Company::new(id.clone(), name, ctx.timestamp());
    let mut tx = Tx::new();
    tx.put(ctx.table(), &keys::company(&tenant), items::COMPANY, &company, Cond::New);
    // The event opens the new company's own chain.
    ctx.set_tenant(tenant);
    let event = NewEvent::new("company.created", id.to_string());
    Ok(ctx.commit_create(tx, vec![event], 201, &CompanyView::from(&company)).await?)
}

/// `GET /companies/{id}`: admins read any company, others only their own.
pub async fn get(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let p = ctx.principal()?;
    let id = CompanyId::parse(ctx.param("id")).ok_or(ApiError::NotFound)?;
    if p.role() != Role::Admin && id != *p.company() {
        return Err(ApiError::NotFound);
    }
    let company: Company = ctx.prefetched(&keys::company(&Tenant::new(id)))?.ok_or(ApiError::NotFound)?;
    Ok(json(200, &CompanyView::from(&company)))
}

/// `PATCH /companies/{id}` (owner of that company, admin): name and
/// calendar, versioned and audited. Every field's error is reported at
/// once; nothing is written unless all are good.
pub async fn update(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let req: UpdateCompanyRequest = ctx.json()?;
    let p = ctx.principal()?;
    let id = CompanyId::parse(ctx.param("id")).ok_or(ApiError::NotFound)?;
    if p.role() != Role::Admin && id != *p.company() {
        return Err(ApiError::NotFound);
    }
    let t = Tenant::new(id);
    let current: Company = ctx.prefetched(&keys::company(&t))?.ok_or(ApiError::NotFound)?;
    let mut next = current.clone();
    let mut errors = Vec::new();
    let mut changed = Vec::new();
    if let Some(n) = &req.name {
        match validate::name(n, 200) {
            Ok(n) => next.name = n,
            Err(m) => errors.push(FieldError::new("name", m)),
        }
    }
    if let Some(z) = &req.time_zone {
        match calendar::parse_time_zone(z) {
            Ok((name, _)) => next.time_zone = Some(name),
            Err(e) => errors.push(FieldError::new(e.field, e.message)),
        }
    }
    if let Some(w) = &req.working_hours {
        match calendar::parse_working_hours(w) {
            Ok(week) => next.working_hours = Some(calendar::show_working_hours(&week)),
            Err(e) => errors.push(FieldError::new(e.field, e.message)),
        }
    }
    if let Some(h) = &req.holidays {
        match calendar::parse_holidays(h) {
            Ok(days) => next.holidays = Some(days.iter().map(|d| d.to_string()).collect()),
            Err(e) => errors.push(FieldError::new(e.field, e.message)),
        }
    }
    if let Some(r) = &req.overtime_rule {
        match r.as_str() {
            "weekly" => next.overtime_rule = Some(OvertimeRule::Weekly),
            "daily_and_weekly" => next.overtime_rule = Some(OvertimeRule::DailyAndWeekly),
            _ => errors.push(FieldError::new("overtime_rule", "must be weekly or daily_and_weekly")),
        }
    }
    if let Some(m) = req.rounding_minutes {
        if ROUNDINGS.contains(&m) {
            next.rounding_minutes = Some(m);
        } else {
            errors.push(FieldError::new("rounding_minutes", "must be 0 (none), 5, 6 or 15"));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    if req.version != current.version {
        return Err(ApiError::Conflict(format!(
            "The company was changed meanwhile: version is {}, you sent {}.",
            current.version, req.version
        )));
    }
    let mut event = NewEvent::new("company.updated", t.id().to_string());
    if next.name != current.name {
        changed.push("name");
    }
    // Compared as shown (defaults filled in), each side built once.
    let (before, after) = (CompanyView::from(&current), CompanyView::from(&next));
    if after.time_zone != before.time_zone {
        changed.push("time_zone");
        event = event.with("time_zone", after.time_zone.clone());
    }
    if after.working_hours != before.working_hours {
        changed.push("working_hours");
    }
    if after.holidays != before.holidays {
        changed.push("holidays");
        event = event.with("holidays", after.holidays.len().to_string());
    }
    if after.overtime_rule != before.overtime_rule || after.rounding_minutes != before.rounding_minutes {
        changed.push("payroll");
        event = event
            .with(
                "overtime_rule",
                if after.overtime_rule == OvertimeRule::Weekly { "weekly" } else { "daily_and_weekly" },
            )
            .with("rounding_minutes", after.rounding_minutes.to_string());
    }
    if changed.is_empty() {
        return Ok(json(200, &before));
    }
    next.version = current.version + 1;
    let event = event.with("changed", changed.join(",")).with("version", next.version.to_string());
    let mut tx = Tx::new();
    let item = crate::store::to_item(&keys::company(&t), items::COMPANY, &next)?;
    tx.put_item(ctx.table(), item, Cond::Expr("version = :v".into()), Exprs::new().num(":v", current.version));
    // The change is recorded in the company's own chain (an admin's too).
    ctx.set_tenant(t);
    match ctx.commit(tx, vec![event]).await {
        Ok(()) => Ok(json(200, &CompanyView { version: next.version, ..after })),
        Err(StoreError::Cancelled { .. }) => {
            Err(ApiError::Conflict("The company was changed meanwhile; read it again and retry.".into()))
        }
        Err(e) => Err(e.into()),
    }
}
