//! `devstack init` / `devstack check`: the DynamoDB table and the S3 bucket
//! of the local stack, shaped by `tenure_core::store::schema`.

use std::time::Duration;

use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType,
    ScalarAttributeType, TableDescription, TableStatus, TimeToLiveSpecification, TimeToLiveStatus,
};
use tenure_core::store::schema::{
    projection_of, DEFAULT_LOCAL_BUCKET, DEFAULT_LOCAL_TABLE, INDEXES, PK, SK, TTL_ATTRIBUTE,
};

use crate::BoxError;

const ENDPOINT_DYNAMODB: &str = "AWS_ENDPOINT_URL_DYNAMODB";
const ENDPOINT_S3: &str = "AWS_ENDPOINT_URL_S3";
const DEFAULT_REGION: &str = "eu-west-1";

struct Local {
    table: String,
    bucket: String,
    ddb: aws_sdk_dynamodb::Client,
    s3: aws_sdk_s3::Client,
    ddb_url: String,
    s3_url: String,
}

/// Only `http://` URLs on a loopback host are accepted.
fn loopback_endpoint(var: &str) -> Result<String, BoxError> {
    let url = std::env::var(var).map_err(|_| format!("{var} is not set; devstack only talks to the local stack"))?;
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("{var}={url}: expected an http:// URL of the local stack"))?;
    let authority = rest.split('/').next().unwrap_or_default();
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next().unwrap_or_default()
    } else {
        authority.rsplit_once(':').map_or(authority, |(h, _)| h)
    };
    let loopback = host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
    if !loopback {
        return Err(format!("{var}={url} is not a loopback address; devstack never touches a remote endpoint").into());
    }
    Ok(url)
}

async fn local() -> Result<Local, BoxError> {
    let ddb_url = loopback_endpoint(ENDPOINT_DYNAMODB)?;
    let s3_url = loopback_endpoint(ENDPOINT_S3)?;
    for var in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] {
        if std::env::var_os(var).is_none() {
            return Err(format!("{var} is not set (the local stack's scripts set dummy credentials)").into());
        }
    }
    let mut loader = aws_config::from_env();
    if std::env::var_os("AWS_REGION").is_none() && std::env::var_os("AWS_DEFAULT_REGION").is_none() {
        loader = loader.region(aws_config::Region::new(DEFAULT_REGION));
    }
    let sdk = loader.load().await;
    let ddb = aws_sdk_dynamodb::Client::from_conf(
        aws_sdk_dynamodb::config::Builder::from(&sdk).endpoint_url(&ddb_url).build(),
    );
    // s3s-fs serves path-style requests (no virtual-host domain configured).
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&sdk).endpoint_url(&s3_url).force_path_style(true).build(),
    );
    Ok(Local {
        table: std::env::var("TENURE_TABLE").unwrap_or_else(|_| DEFAULT_LOCAL_TABLE.to_string()),
        bucket: std::env::var("TENURE_BUCKET").unwrap_or_else(|_| DEFAULT_LOCAL_BUCKET.to_string()),
        ddb,
        s3,
        ddb_url,
        s3_url,
    })
}

fn attr(name: &str) -> Result<AttributeDefinition, BoxError> {
    Ok(AttributeDefinition::builder().attribute_name(name).attribute_type(ScalarAttributeType::S).build()?)
}

fn key(name: &str, kind: KeyType) -> Result<KeySchemaElement, BoxError> {
    Ok(KeySchemaElement::builder().attribute_name(name).key_type(kind).build()?)
}

pub async fn init() -> Result<(), BoxError> {
    let l = local().await?;
    tokio::time::timeout(Duration::from_secs(60), async {
        ensure_table(&l).await?;
        ensure_bucket(&l).await?;
        Ok::<_, BoxError>(())
    })
    .await
    .map_err(|_| "timed out talking to the local endpoints")??;
    verify(&l).await
}

pub async fn check() -> Result<(), BoxError> {
    let l = local().await?;
    tokio::time::timeout(Duration::from_secs(30), verify(&l))
        .await
        .map_err(|_| "timed out talking to the local endpoints")?
}

fn gsi(name: &str, pk: &str, sk: &str) -> Result<GlobalSecondaryIndex, BoxError> {
    Ok(GlobalSecondaryIndex::builder()
        .index_name(name)
        .key_schema(key(pk, KeyType::Hash)?)
        .key_schema(key(sk, KeyType::Range)?)
        .projection(Projection::builder().projection_type(ProjectionType::from(projection_of(name))).build())
        .build()?)
}

async fn ensure_table(l: &Local) -> Result<(), BoxError> {
    let mut create = l
        .ddb
        .create_table()
        .table_name(&l.table)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attr(PK)?)
        .attribute_definitions(attr(SK)?)
        .key_schema(key(PK, KeyType::Hash)?)
        .key_schema(key(SK, KeyType::Range)?);
    for (name, pk, sk) in INDEXES {
        create = create
            .attribute_definitions(attr(pk)?)
            .attribute_definitions(attr(sk)?)
            .global_secondary_indexes(gsi(name, pk, sk)?);
    }
    let created = create.send().await;
    match created {
        Ok(_) => println!("created table {} at {}", l.table, l.ddb_url),
        Err(e) if e.as_service_error().is_some_and(|s| s.is_resource_in_use_exception()) => {
            println!("table {} already exists at {}", l.table, l.ddb_url);
            add_missing_indexes(l).await?;
        }
        Err(e) => return Err(format!("CreateTable {}: {}", l.table, describe_sdk_error(&e)).into()),
    }

    // DynamoDB Local makes tables ACTIVE at once; wait anyway.
    for _ in 0..60 {
        let d = l.ddb.describe_table().table_name(&l.table).send().await?;
        if d.table().and_then(TableDescription::table_status) == Some(&TableStatus::Active) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    let ttl = l.ddb.describe_time_to_live().table_name(&l.table).send().await?;
    let enabled = ttl.time_to_live_description().is_some_and(|t| {
        matches!(t.time_to_live_status(), Some(TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling))
            && t.attribute_name() == Some(TTL_ATTRIBUTE)
    });
    if !enabled {
        l.ddb
            .update_time_to_live()
            .table_name(&l.table)
            .time_to_live_specification(
                TimeToLiveSpecification::builder().enabled(true).attribute_name(TTL_ATTRIBUTE).build()?,
            )
            .send()
            .await
            .map_err(|e| format!("UpdateTimeToLive {}: {}", l.table, describe_sdk_error(&e)))?;
        println!("enabled TTL on {}.{}", l.table, TTL_ATTRIBUTE);
    }
    Ok(())
}

async fn ensure_bucket(l: &Local) -> Result<(), BoxError> {
    if l.s3.head_bucket().bucket(&l.bucket).send().await.is_ok() {
        println!("bucket {} already exists at {}", l.bucket, l.s3_url);
        return Ok(());
    }
    match l.s3.create_bucket().bucket(&l.bucket).send().await {
        Ok(_) => println!("created bucket {} at {}", l.bucket, l.s3_url),
        Err(e) if matches!(e.code(), Some("BucketAlreadyOwnedByYou" | "BucketAlreadyExists")) => {
            println!("bucket {} already exists at {}", l.bucket, l.s3_url)
        }
        Err(e) => return Err(format!("CreateBucket {}: {}", l.bucket, describe_sdk_error(&e)).into()),
    }
    Ok(())
}

/// Checks the table's keys, index and TTL against the schema, and that the
/// bucket answers a signed HeadBucket.
async fn verify(l: &Local) -> Result<(), BoxError> {
    let d = l
        .ddb
        .describe_table()
        .table_name(&l.table)
        .send()
        .await
        .map_err(|e| format!("DescribeTable {} at {}: {}", l.table, l.ddb_url, describe_sdk_error(&e)))?;
    let t = d.table().ok_or("DescribeTable returned no table")?;
    let keys = |ks: &[KeySchemaElement]| -> Vec<(String, KeyType)> {
        ks.iter().map(|k| (k.attribute_name().to_string(), k.key_type().clone())).collect()
    };
    let mut problems = Vec::new();
    if keys(t.key_schema()) != vec![(PK.to_string(), KeyType::Hash), (SK.to_string(), KeyType::Range)] {
        problems.push(format!("key schema is {:?}, expected {PK} HASH / {SK} RANGE", keys(t.key_schema())));
    }
    for (name, pk, sk) in INDEXES {
        match t.global_secondary_indexes().iter().find(|g| g.index_name() == Some(*name)) {
            None => problems.push(format!("index {name} is missing")),
            Some(g) => {
                if keys(g.key_schema()) != vec![(pk.to_string(), KeyType::Hash), (sk.to_string(), KeyType::Range)] {
                    problems.push(format!("index {name} keys are {:?}", keys(g.key_schema())));
                }
                let want = ProjectionType::from(projection_of(name));
                if g.projection().and_then(|p| p.projection_type()) != Some(&want) {
                    problems.push(format!("index {name} does not project {want}"));
                }
            }
        }
    }
    let billing = t.billing_mode_summary().and_then(|b| b.billing_mode());
    if billing != Some(&BillingMode::PayPerRequest) {
        problems.push(format!("billing mode is {billing:?}, expected PAY_PER_REQUEST"));
    }
    let ttl = l.ddb.describe_time_to_live().table_name(&l.table).send().await?;
    let ttl_ok = ttl.time_to_live_description().is_some_and(|t| {
        matches!(t.time_to_live_status(), Some(TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling))
            && t.attribute_name() == Some(TTL_ATTRIBUTE)
    });
    if !ttl_ok {
        problems.push(format!("TTL is not enabled on {TTL_ATTRIBUTE}"));
    }
    if let Err(e) = l.s3.head_bucket().bucket(&l.bucket).send().await {
        problems.push(format!("bucket {} at {}: {}", l.bucket, l.s3_url, describe_sdk_error(&e)));
    }
    if !problems.is_empty() {
        return Err(format!(
            "the local stack does not match tenure_core::store::schema:\n  - {}\n(an old on-disk table? stop make dev and remove .local/dynamodb)",
            problems.join("\n  - ")
        )
        .into());
    }
    let indexes: Vec<String> =
        INDEXES.iter().map(|(n, pk, sk)| format!("{n} on {pk}/{sk} {}", projection_of(n))).collect();
    println!(
        "ok: table {} ({PK}/{SK}, {}, TTL {TTL_ATTRIBUTE}, on-demand) at {}; bucket {} at {}",
        l.table,
        indexes.join(", "),
        l.ddb_url,
        l.bucket,
        l.s3_url
    );
    Ok(())
}

fn describe_sdk_error<E, R>(e: &aws_smithy_runtime_api::client::result::SdkError<E, R>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match e.as_service_error() {
        Some(s) => format!("{}: {}", s.code().unwrap_or("error"), s.message().unwrap_or_default()),
        None => format!("{}", aws_smithy_types::error::display::DisplayErrorContext(e)),
    }
}

/// A table made by an older version (kept on disk by `make dev`) gets the
/// indexes added since.
async fn add_missing_indexes(l: &Local) -> Result<(), BoxError> {
    let d = l.ddb.describe_table().table_name(&l.table).send().await?;
    let existing: Vec<String> = d
        .table()
        .map(|t| t.global_secondary_indexes().iter().filter_map(|g| g.index_name().map(str::to_string)).collect())
        .unwrap_or_default();
    for (name, pk, sk) in INDEXES {
        if existing.iter().any(|e| e == name) {
            continue;
        }
        let create = aws_sdk_dynamodb::types::CreateGlobalSecondaryIndexAction::builder()
            .index_name(*name)
            .key_schema(key(pk, KeyType::Hash)?)
            .key_schema(key(sk, KeyType::Range)?)
            .projection(Projection::builder().projection_type(ProjectionType::from(projection_of(name))).build())
            .build()?;
        l.ddb
            .update_table()
            .table_name(&l.table)
            .attribute_definitions(attr(pk)?)
            .attribute_definitions(attr(sk)?)
            .global_secondary_index_updates(
                aws_sdk_dynamodb::types::GlobalSecondaryIndexUpdate::builder().create(create).build(),
            )
            .send()
            .await?;
        println!("added index {name} to {}", l.table);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_endpoints_are_accepted() {
        let ok = ["http://127.0.0.1:8000", "http://localhost:9000/", "http://[::1]:8000", "http://127.0.0.2:1"];
        let bad = [
            "https://dynamodb.eu-west-1.amazonaws.com",
            "http://10.0.0.1:8000",
            "http://example.com",
            "ftp://127.0.0.1",
        ];
        for (i, url) in ok.iter().chain(bad.iter()).enumerate() {
            let var = format!("DEVSTACK_TEST_ENDPOINT_{i}");
            std::env::set_var(&var, url);
            assert_eq!(loopback_endpoint(&var).is_ok(), i < ok.len(), "{url}");
        }
    }
}
