# The HTTP functions. `local.functions` is the one place that says, per
# function, which routes it serves (API Gateway route keys), which DynamoDB
# actions its code uses on the table and on index gsi1 (empty: it never
# queries the index), which SSM SecureString parameters it reads, and the
# environment it gets on top of `local.common_env`. It must agree with
# shared/src/routes.rs and template.yaml: tests/api/templates.rs checks.

locals {
  functions = {
    status = {
      routes = [
        "GET /status",
      ]
      table_actions = [
        "dynamodb:UpdateItem",
      ]
      index_actions  = []
      ssm_parameters = []
      env            = {}
    }

    docs = {
      routes = [
        "GET /openapi.json",
        "GET /docs",
      ]
      table_actions = [
        "dynamodb:UpdateItem",
      ]
      index_actions  = []
      ssm_parameters = []
      env            = {}
    }

    auth = {
      routes = [
        "POST /auth/signup",
        "POST /auth/login",
        "POST /auth/refresh",
        "POST /auth/logout",
        "GET /auth/me",
      ]
      table_actions = [
        "dynamodb:GetItem",
        "dynamodb:BatchGetItem",
        "dynamodb:UpdateItem",
        "dynamodb:PutItem",
        "dynamodb:ConditionCheckItem",
      ]
      index_actions  = []
      ssm_parameters = [var.jwt_private_key_param]
      # TENURE_BOOTSTRAP_ADMIN_PASSWORD comes from local.secret_env: a
      # sensitive value cannot sit in a map that drives for_each.
      env = {
        TENURE_JWT_PRIVATE_KEY_PARAM = var.jwt_private_key_param
        TENURE_BOOTSTRAP_ADMIN_EMAIL = var.bootstrap_admin_email
      }
    }

    users = {
      routes = [
        "GET /auth/admin/users",
        "POST /auth/admin/users",
        "PATCH /auth/admin/users/{id}/role",
        "PATCH /auth/admin/users/{id}/status",
      ]
      table_actions = [
        "dynamodb:UpdateItem",
        "dynamodb:BatchGetItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:Query",
        "dynamodb:ConditionCheckItem",
      ]
      index_actions  = []
      ssm_parameters = []
      env            = {}
    }

    companies = {
      routes = [
        "GET /companies",
        "POST /companies",
        "GET /companies/{id}",
      ]
      table_actions = [
        "dynamodb:UpdateItem",
        "dynamodb:BatchGetItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:Query",
      ]
      index_actions = [
        "dynamodb:Query",
      ]
      ssm_parameters = []
      env            = {}
    }

    audit = {
      routes = [
        "GET /audit",
        "GET /audit/verify",
      ]
      table_actions = [
        "dynamodb:UpdateItem",
        "dynamodb:BatchGetItem",
        "dynamodb:GetItem",
        "dynamodb:Query",
      ]
      index_actions  = []
      ssm_parameters = []
      env            = {}
    }
  }

  # Environment of every HTTP function.
  common_env = {
    TENURE_TABLE                       = aws_dynamodb_table.main.name
    TENURE_JWT_ISSUER                  = "tenure-${var.stage}"
    TENURE_JWT_AUDIENCE                = "tenure-${var.stage}-api"
    TENURE_JWT_KID                     = var.jwt_kid
    TENURE_JWT_PUBLIC_KEYS             = var.jwt_public_keys
    TENURE_RATE_LIMIT_PER_MINUTE       = "100"
    TENURE_HEAVY_RATE_LIMIT_PER_MINUTE = "50"
    TENURE_IP_RATE_LIMIT_PER_MINUTE    = "100"
    RUST_LOG                           = "info"
  }

  secret_env = {
    auth = {
      TENURE_BOOTSTRAP_ADMIN_PASSWORD = var.bootstrap_admin_password
    }
  }

  # Route key ("GET /status") => function name, for routes and permissions.
  routes = merge([
    for name, f in local.functions : { for key in f.routes : key => name }
  ]...)
}

resource "aws_cloudwatch_log_group" "function" {
  # checkov:skip=CKV_AWS_158: CloudWatch Logs encrypts at rest with its own keys; no bodies or tokens are logged.
  # checkov:skip=CKV_AWS_338: operational logs only, kept 30 days (data minimisation); the audit trail of record lives in the table.
  for_each = local.functions

  name              = "/aws/lambda/tenure-${var.stage}-${each.key}"
  retention_in_days = var.log_retention_days
}

resource "aws_lambda_function" "function" {
  # checkov:skip=CKV_AWS_116: invoked synchronously by API Gateway; a DLQ only receives failed asynchronous invocations.
  # checkov:skip=CKV_AWS_117: the functions reach only DynamoDB and SSM through IAM-authenticated endpoints; a VPC adds NAT cost and cold start and protects nothing here.
  # checkov:skip=CKV_AWS_115: new accounts have too little concurrency to reserve per function; API throttling and per-client rate limits bound the load.
  # checkov:skip=CKV_AWS_173: variables are encrypted at rest with Lambda's AWS managed key; they hold names and public keys, the signing key stays in SSM and the bootstrap password is one-time.
  # checkov:skip=CKV_AWS_272: artifacts are built and deployed by CI through the OIDC deploy role; code signing (AWS Signer) is not set up.
  for_each = local.functions

  function_name    = "tenure-${var.stage}-${each.key}"
  description      = join(", ", each.value.routes)
  role             = aws_iam_role.function[each.key].arn
  runtime          = "provided.al2023"
  architectures    = ["arm64"]
  handler          = "bootstrap"
  filename         = "${local.artifacts_dir}/${each.key}/bootstrap.zip"
  source_code_hash = filebase64sha256("${local.artifacts_dir}/${each.key}/bootstrap.zip")
  memory_size      = 256
  timeout          = 10

  tracing_config {
    mode = "Active"
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.function[each.key].name
  }

  environment {
    variables = merge(local.common_env, each.value.env, try(local.secret_env[each.key], {}))
  }

  # The role must be able to write logs before the first invocation.
  depends_on = [aws_iam_role_policy.function]
}
