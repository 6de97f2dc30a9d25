//! `/companies…`: tenants. Platform admins list and create them; anyone
//! may read their own company.

use serde::Deserialize;

use super::CompanyView;
use crate::domain::audit::NewEvent;
use crate::domain::roles::Role;
use crate::domain::roles::Role::Admin;
use crate::domain::validate;
use crate::error::ApiError;
use crate::http::{json, Ctx, ListPage, Reply};
use crate::http::{
    schema_of,
    Access::{self, Roles},
    Group, Response, Route,
};
use crate::ids::CompanyId;
use crate::store::items::{self, Company};
use crate::store::{decode, keys, schema, Cond, Tenant, Tx};

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
];

/// The company named by `{id}`, read with the session.
fn prefetch_company(ctx: &Ctx, _scope: &Tenant) -> Vec<crate::store::Key> {
    CompanyId::parse(ctx.param("id")).map(|id| keys::company(&Tenant::new(id))).into_iter().collect()
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCompanyRequest {
    pub name: String,
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
    let company = Company {
        id: id.clone(),
        name,
        created_at: ctx.timestamp(),
        version: 1,
        gsi1pk: keys::COMPANIES_GSI1PK.into(),
        gsi1sk: id.to_string(),
    };
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
