//! A hello-world Lambda function on the same runtime crate as Tenure's
//! functions, for `make bench`: its cold start, memory and size are the
//! floor the `auth` function is compared with. Answers any event with an
//! API Gateway v2 response, so `scripts/coldstart.py` reads a status.

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::{json, Value};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(|_event: LambdaEvent<Value>| async {
        Ok::<_, Error>(json!({"statusCode": 200, "headers": {"content-type": "text/plain"}, "body": "hello"}))
    }))
    .await
}
