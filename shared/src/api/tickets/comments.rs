//! `/tickets/{id}/comments` and `/tickets/{id}/events`: a ticket's
//! conversation and its timeline. Internal comments (and their timeline
//! entries) are for technicians, owners and admins only; a public comment
//! by one of them is a first response.

use serde::Deserialize;

use super::ticket::{calendar, now, target};
use crate::domain::audit::NewEvent;
use crate::domain::tickets::{self as rules, MAX_COMMENT};
use crate::domain::validate::{self, Checker};
use crate::error::ApiError;
use crate::http::cursor::BY_TABLE;
use crate::http::{json, Ctx, ListPage, Reply};
use crate::ids::CommentId;
use crate::store::tickets::{stage_put, stage_timeline, Comment, TimelineEntry, TICKET_COMMENT};
use crate::store::{decode, keys, Cond, Exprs, SkCond, StoreError, Tx};

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCommentRequest {
    pub body: Option<String>,
    /// Only for technicians, owners and admins: hidden from the requester.
    #[serde(default)]
    pub internal: bool,
}

/// `POST /tickets/{id}/comments`.
pub async fn create(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let req: CreateCommentRequest = ctx.json()?;
    let t = ctx.tenant()?.clone();
    let p = ctx.principal()?.clone();
    let current = target(ctx, &t)?;
    let agent = rules::is_agent(p.role());
    let mut c = Checker::default();
    let body = c.check("body", validate::text(req.body.as_deref().unwrap_or(""), MAX_COMMENT));
    c.finish().map_err(ApiError::Validation)?;
    let Some(body) = body else { return Err(ApiError::internal("checker passed with missing values")) };
    if req.internal && !agent {
        return Err(ApiError::Forbidden("Only technicians, owners and admins write internal comments."));
    }
    let at = ctx.timestamp();
    let comment = Comment {
        id: CommentId::new(),
        ticket_id: current.id.clone(),
        author_id: p.id().clone(),
        body,
        internal: req.internal,
        created_at: at.clone(),
    };
    let table = ctx.table().to_string();
    let mut next = current.clone();
    if agent && !req.internal && !next.responded() {
        next.log_change(&at, "responded");
    }
    let mut tx = Tx::new();
    tx.put(&table, &keys::ticket_comment(&t, &current.id, &comment.id), TICKET_COMMENT, &comment, Cond::New);
    let detail = [("comment_id", comment.id.to_string()), ("internal", req.internal.to_string())];
    stage_timeline(&mut tx, &table, &t, &mut next, &at, &p.id().to_string(), "commented", &detail);
    next.version += 1;
    next.updated_at = at;
    let cal = calendar(ctx, &t)?;
    stage_put(&mut tx, &table, &t, &mut next, Some(current.rev), current.sla_state.as_deref(), &cal, now(ctx))?;
    let event = NewEvent::new("ticket.commented", current.id.to_string())
        .with("comment_id", comment.id.to_string())
        .with("internal", req.internal.to_string());
    match ctx.commit_create(tx, vec![event], 201, &comment).await {
        Ok(r) => Ok(r),
        Err(StoreError::Cancelled { .. }) => {
            Err(ApiError::Conflict("The ticket was changed meanwhile; send the comment again.".into()))
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /tickets/{id}/comments`: oldest first; without the internal ones
/// for requesters.
pub async fn list(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let t = ctx.tenant()?.clone();
    let ticket = target(ctx, &t)?;
    let agent = rules::is_agent(ctx.principal()?.role());
    let pk = keys::tenant_pk(&t);
    let scope = format!("comments|{}", ticket.id);
    let (limit, start) = ctx.page_start(&scope, &BY_TABLE, &pk)?;
    let filter = (!agent).then(|| ("internal = :no".to_string(), Exprs::new().bool(":no", false)));
    let prefix = keys::ticket_comments_prefix(&ticket.id);
    let page = ctx.app.store.query(None, &pk, SkCond::Prefix(&prefix), limit, start, true, filter).await?;
    let items = page.items.into_iter().map(decode::<Comment>).collect::<Result<Vec<_>, _>>()?;
    let next_cursor = ctx.next_cursor(&scope, page.last_key)?;
    Ok(json(200, &ListPage { items, next_cursor }))
}

/// `GET /tickets/{id}/events`: the timeline, oldest first; without the
/// entries of internal comments for requesters.
pub async fn timeline(ctx: &mut Ctx) -> Result<Reply, ApiError> {
    let t = ctx.tenant()?.clone();
    let ticket = target(ctx, &t)?;
    let agent = rules::is_agent(ctx.principal()?.role());
    let pk = keys::tenant_pk(&t);
    let scope = format!("timeline|{}", ticket.id);
    let (limit, start) = ctx.page_start(&scope, &BY_TABLE, &pk)?;
    let filter = (!agent).then(|| {
        (
            "attribute_not_exists(#detail.#internal) OR #detail.#internal <> :yes".to_string(),
            Exprs::new().name("#detail", "detail").name("#internal", "internal").str(":yes", "true"),
        )
    });
    let prefix = keys::ticket_events_prefix(&ticket.id);
    let page = ctx.app.store.query(None, &pk, SkCond::Prefix(&prefix), limit, start, true, filter).await?;
    let items = page.items.into_iter().map(decode::<TimelineEntry>).collect::<Result<Vec<_>, _>>()?;
    let next_cursor = ctx.next_cursor(&scope, page.last_key)?;
    Ok(json(200, &ListPage { items, next_cursor }))
}
