//! JSON bodies into typed requests. Malformed JSON and wrong types are 400;
//! missing and unknown fields are 422 naming the field. Request structs use
//! `#[serde(deny_unknown_fields)]`, so a body cannot set what the contract
//! does not allow (role, company, id, version) by adding a field.

use serde::de::DeserializeOwned;

use crate::error::{ApiError, FieldError};

fn between_backticks(msg: &str) -> Option<&str> {
    let start = msg.find('`')? + 1;
    let len = msg[start..].find('`')?;
    Some(&msg[start..start + len])
}

fn join(path: &str, field: &str) -> String {
    if path.is_empty() || path == "." {
        field.to_string()
    } else {
        format!("{path}.{field}")
    }
}

/// Parses a JSON body into `T`.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request("A JSON body is required."));
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, T>(de) {
        Ok(v) => Ok(v),
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let msg = inner.to_string();
            if !inner.is_data() {
                return Err(ApiError::bad_request("The body is not valid JSON."));
            }
            if msg.starts_with("missing field") {
                let f = between_backticks(&msg).unwrap_or("?");
                return Err(ApiError::Validation(vec![FieldError::new(join(&path, f), "is required")]));
            }
            if msg.starts_with("unknown field") {
                // The path already ends with the unknown field's name.
                let f = if path == "." { between_backticks(&msg).unwrap_or("?").to_string() } else { path };
                return Err(ApiError::Validation(vec![FieldError::new(f, "is not allowed here")]));
            }
            let field = if path == "." { "body".to_string() } else { path };
            let message = if msg.starts_with("invalid type") {
                // "invalid type: integer `1`, expected a string at line 1 column 9"
                let expected =
                    msg.split("expected ").nth(1).and_then(|s| s.split(" at line").next()).unwrap_or("another type");
                format!("has the wrong type: expected {expected}")
            } else {
                "has an invalid value".to_string()
            };
            Err(ApiError::BadRequest {
                detail: format!("`{field}` {message}."),
                errors: vec![FieldError::new(field, message)],
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Signup {
        email: String,
        active: Option<bool>,
    }

    fn err(body: &str) -> ApiError {
        parse::<Signup>(body.as_bytes()).unwrap_err()
    }

    #[test]
    fn malformed_json_is_a_400() {
        assert_eq!(err("{\"email\":").status(), 400);
        assert_eq!(err("").status(), 400);
        assert_eq!(err("[1,2").status(), 400);
    }

    #[test]
    fn wrong_types_are_400_and_name_the_field() {
        match err(r#"{"email": 5}"#) {
            ApiError::BadRequest { errors, .. } => assert_eq!(errors[0].field, "email"),
            e => panic!("{e:?}"),
        }
        assert_eq!(err(r#"{"email":"a","active":"yes"}"#).status(), 400);
        assert_eq!(err("[]").status(), 400);
    }

    #[test]
    fn missing_and_unknown_fields_are_422_and_name_the_field() {
        match err(r#"{}"#) {
            ApiError::Validation(e) => assert_eq!(e[0].field, "email"),
            e => panic!("{e:?}"),
        }
        match err(r#"{"email":"a","role":"admin"}"#) {
            ApiError::Validation(e) => assert_eq!(e[0].field, "role"),
            e => panic!("{e:?}"),
        }
    }
}
