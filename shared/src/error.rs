//! The one error type of the HTTP API, and its RFC 9457 problem+json form.
//! Handlers return `Result<Reply, ApiError>`; the pipeline turns every
//! `ApiError` into a response, so a client mistake never becomes a 5xx.

use serde::Serialize;

/// One field-level validation message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

/// Everything a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Malformed JSON, wrong types, a bad query parameter or cursor.
    #[error("bad request: {detail}")]
    BadRequest { detail: String, errors: Vec<FieldError> },
    /// Well-formed input with invalid values.
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("unauthorized: {0}")]
    Unauthorized(&'static str),
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// Not found, or not visible to the caller.
    #[error("not found")]
    NotFound,
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("conflict: {0}")]
    Conflict(String),
    /// A conflict with a reason per blocker (`errors`), as closing a case
    /// that is not ready.
    #[error("blocked: {0}")]
    Blocked(String, Vec<FieldError>),
    /// A conflict the client resolves by choosing among `candidates`.
    #[error("ambiguous: {0}")]
    Ambiguous(String, serde_json::Value),
    #[error("payload too large")]
    PayloadTooLarge,
    #[error("unsupported media type")]
    UnsupportedMediaType,
    #[error("not acceptable")]
    NotAcceptable,
    /// Rate limited or locked out; the client may retry after this many seconds.
    #[error("too many requests")]
    TooManyRequests { retry_after: u64, detail: &'static str },
    /// A fault on our side. The cause goes to the log, never to the client.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::BadRequest { detail: detail.into(), errors: Vec::new() }
    }

    pub fn bad_field(field: impl Into<String>, message: impl Into<String>) -> Self {
        let e = FieldError::new(field, message);
        Self::BadRequest { detail: e.message.clone(), errors: vec![e] }
    }

    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Self::Internal(cause.to_string())
    }

    pub fn status(&self) -> u16 {
        match self {
            Self::BadRequest { .. } => 400,
            Self::Validation(_) => 422,
            Self::Unauthorized(_) => 401,
            Self::Forbidden(_) => 403,
            Self::NotFound => 404,
            Self::MethodNotAllowed => 405,
            Self::NotAcceptable => 406,
            Self::Conflict(_) | Self::Blocked(..) | Self::Ambiguous(..) => 409,
            Self::PayloadTooLarge => 413,
            Self::UnsupportedMediaType => 415,
            Self::TooManyRequests { .. } => 429,
            Self::Internal(_) => 500,
        }
    }

    fn slug_and_title(&self) -> (&'static str, &'static str) {
        match self {
            Self::BadRequest { .. } => ("bad-request", "Bad request"),
            Self::Validation(_) => ("validation", "Invalid input"),
            Self::Unauthorized(_) => ("unauthorized", "Unauthorized"),
            Self::Forbidden(_) => ("forbidden", "Forbidden"),
            Self::NotFound => ("not-found", "Not found"),
            Self::MethodNotAllowed => ("method-not-allowed", "Method not allowed"),
            Self::NotAcceptable => ("not-acceptable", "Not acceptable"),
            Self::Conflict(_) | Self::Blocked(..) | Self::Ambiguous(..) => ("conflict", "Conflict"),
            Self::PayloadTooLarge => ("payload-too-large", "Payload too large"),
            Self::UnsupportedMediaType => ("unsupported-media-type", "Unsupported media type"),
            Self::TooManyRequests { .. } => ("rate-limited", "Too many requests"),
            Self::Internal(_) => ("internal", "Internal error"),
        }
    }

    /// The problem+json document for this error.
    pub fn problem(&self, instance: &str, request_id: &str) -> Problem {
        let (slug, title) = self.slug_and_title();
        let (detail, errors) = match self {
            Self::BadRequest { detail, errors } => (detail.clone(), errors.clone()),
            Self::Validation(errors) => ("One or more fields are invalid.".to_string(), errors.clone()),
            Self::Unauthorized(d) | Self::Forbidden(d) => (d.to_string(), vec![]),
            Self::NotFound => ("The resource does not exist or is not visible to you.".into(), vec![]),
            Self::MethodNotAllowed => ("This method is not allowed on this resource.".into(), vec![]),
            Self::NotAcceptable => {
                ("Supported representations: application/json, text/csv where documented.".into(), vec![])
            }
            Self::Conflict(d) | Self::Ambiguous(d, _) => (d.clone(), vec![]),
            Self::Blocked(d, errors) => (d.clone(), errors.clone()),
            Self::PayloadTooLarge => ("The request body exceeds 64 KiB.".into(), vec![]),
            Self::UnsupportedMediaType => ("Send the body as application/json.".into(), vec![]),
            Self::TooManyRequests { detail, .. } => (detail.to_string(), vec![]),
            Self::Internal(_) => (format!("Internal error. Quote request id {request_id} when reporting it."), vec![]),
        };
        Problem {
            r#type: format!("https://tenure.dev/problems/{slug}"),
            title,
            status: self.status(),
            detail,
            instance: instance.to_string(),
            request_id: request_id.to_string(),
            errors,
            candidates: match self {
                Self::Ambiguous(_, c) => Some(c.clone()),
                _ => None,
            },
        }
    }
}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[schema(rename = "type")]
    pub r#type: String,
    pub title: &'static str,
    pub status: u16,
    pub detail: String,
    pub instance: String,
    pub request_id: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// For an ambiguous request: the matches to choose from.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<Object>>)]
    pub candidates: Option<serde_json::Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_never_show_their_cause() {
        let p = ApiError::internal("dynamodb: table tenure-prod not found").problem("/x", "req-1");
        let json = serde_json::to_string(&p).unwrap();
        assert!(!json.contains("dynamodb"), "{json}");
        assert!(json.contains("req-1"));
        assert_eq!(p.status, 500);
    }

    #[test]
    fn validation_errors_name_their_fields() {
        let p = ApiError::invalid("email", "must be an email address").problem("/auth/signup", "r");
        assert_eq!(p.status, 422);
        assert_eq!(p.errors, vec![FieldError::new("email", "must be an email address")]);
    }
}
