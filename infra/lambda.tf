# The functions. `local.http_functions` and `local.event_functions` are the
# one place that says, per function, what invokes it (API Gateway route keys,
# an EventBridge schedule, or the documents bucket's notifications), which
# DynamoDB actions its code uses on the table and on each global secondary
# index it queries (`index_actions`, index name => actions; empty: it
# queries none), which S3 actions it uses on the documents bucket's objects
# (`bucket_actions`, key pattern => actions; empty: none), which SSM
# SecureString parameters it reads (the signing key: auth; the cursor key:
# every function with a list route), and its environment (HTTP functions: on
# top of `local.common_env`). It must agree with the route table (shared/src/routes.rs) and
# template.yaml: tests/api/templates.rs checks.

locals {
  http_functions = {
    status = {
      routes = [
        "GET /status",
      ]
      table_actions = [
        "dynamodb:UpdateItem",
      ]
      index_actions  = {}
      bucket_actions = {}
      ssm_parameters = []
      env            = {}
    }

    console = {
      routes = [
        "GET /",
        "GET /assets/{file}",
      ]
      table_actions = [
        "dynamodb:UpdateItem",
      ]
      index_actions  = {}
      bucket_actions = {}
      ssm_parameters = []
      # The only origin besides the API that the console's CSP lets the
      # browser connect to: the bucket, for presigned uploads.
      env = {
        TENURE_UPLOAD_ORIGIN = "https://${aws_s3_bucket.documents.bucket_regional_domain_name}"
      }
    }

    docs = {
      routes = [
        "GET /openapi.json",
        "GET /docs",
        "$default", # whatever matches no other route: problem+json 404 or 405
      ]
      table_actions = [
        "dynamodb:UpdateItem",
      ]
      index_actions  = {}
      bucket_actions = {}
      ssm_parameters = []
      env            = {}
    }

    auth = {
      routes = [
        "POST /auth/signup",
        "POST /auth/login",
        "POST /auth/invitations/accept",
        "POST /auth/refresh",
        "POST /auth/logout",
        "GET /auth/me",
      ]
      table_actions = [
        "dynamodb:GetItem",
        "dynamodb:BatchGetItem",
        "dynamodb:UpdateItem",
        "dynamodb:PutItem",
      ]
      index_actions  = {}
      bucket_actions = {}
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
      ]
      index_actions  = {}
      bucket_actions = {}
      ssm_parameters = [var.cursor_key_param]
      env = {
        TENURE_CURSOR_KEY_PARAM = var.cursor_key_param
      }
    }

    companies = {
      routes = [
        "GET /companies",
        "POST /companies",
        "GET /companies/{id}",
        "PATCH /companies/{id}",
        "GET /overview",
      ]
      table_actions = [
        "dynamodb:UpdateItem",
        "dynamodb:BatchGetItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
      ]
      index_actions = {
        gsi1 = ["dynamodb:Query"]
        gsi2 = ["dynamodb:Query"]
      }
      bucket_actions = {}
      ssm_parameters = [var.cursor_key_param]
      env = {
        TENURE_CURSOR_KEY_PARAM = var.cursor_key_param
      }
    }

    # Departments (with the sensitive flag the risk signal reads),
    # people's HR records and bulk imports.
    people = {
      routes = [
        "GET /departments",
        "POST /departments",
        "PATCH /departments/{id}",
        "DELETE /departments/{id}",
        "GET /employees",
        "POST /employees",
        "GET /employees/{id}",
        "PATCH /employees/{id}",
        "POST /employees/{id}/invite",
        "POST /imports",
        "GET /imports",
        "GET /imports/{id}",
        "POST /imports/{id}/apply",
      ]
      table_actions = [
        "dynamodb:UpdateItem",
        "dynamodb:BatchGetItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:DeleteItem",
        "dynamodb:Query",
      ]
      index_actions = {
        gsi1 = ["dynamodb:Query"] # a department's people
        gsi2 = ["dynamodb:Query"] # a manager's people
      }
      # Presigned uploads of import files, and the apply marker.
      bucket_actions = {
        "imports/*" = ["s3:PutObject"]
      }
      ssm_parameters = [var.cursor_key_param]
      env = {
        TENURE_CURSOR_KEY_PARAM = var.cursor_key_param
        TENURE_BUCKET           = aws_s3_bucket.documents.bucket
      }
    }

    # IT tickets with SLA clocks, their comments and timeline, and the
    # company's SLA policy.
    tickets = {
      routes = [
        "POST /tickets",
        "GET /tickets",
        "GET /tickets/{id}",
        "PATCH /tickets/{id}",
        "POST /tickets/{id}/assign",
        "POST /tickets/{id}/comments",
        "GET /tickets/{id}/comments",
        "GET /tickets/{id}/events",
        "GET /sla-policies",
        "PUT /sla-policies",
      ]
      table_actions = [
        "dynamodb:UpdateItem",
        "dynamodb:BatchGetItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:DeleteItem",
        "dynamodb:Query",
      ]
      index_actions = {
        gsi1 = ["dynamodb:Query"] # the tickets a person raised
        gsi2 = ["dynamodb:Query"] # a technician's tickets, the queue
      }
      bucket_actions = {}
      ssm_parameters = [var.cursor_key_param]
      env = {
        TENURE_CURSOR_KEY_PARAM = var.cursor_key_param
      }
    }

    # Projects and their tasks (seed 003).
    projects = {
      routes = [
        "POST /projects",
        "GET /projects",
        "GET /projects/{id}",
        "PUT /projects/{id}",
        "DELETE /projects/{id}",
        "POST /projects/{id}/transfer",
        "POST /projects/{id}/tasks",
        "GET /projects/{id}/tasks",
        "PATCH /projects/{id}/tasks/{task_id}",
        "DELETE /projects/{id}/tasks/{task_id}",
        "GET /tasks",
      ]
      table_actions = [
        "dynamodb:UpdateItem",
        "dynamodb:BatchGetItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:Query",
        "dynamodb:ConditionCheckItem", # a task is added only to a project as read
      ]
      index_actions = {
        gsi1 = ["dynamodb:Query"] # a person's projects
        gsi2 = ["dynamodb:Query"] # a person's open tasks
      }
      bucket_actions = {}
      ssm_parameters = [var.cursor_key_param]
      env = {
        TENURE_CURSOR_KEY_PARAM = var.cursor_key_param
      }
    }

    # Clock-ins, packages and events, payroll and cost forecasts (seed 004).
    timekeeping = {
      routes = [
        "POST /clockins",
        "GET /clockins",
        "GET /clockins/{id}",
        "PATCH /clockins/{id}",
        "DELETE /clockins/{id}",
        "GET /packages",
        "POST /packages",
        "PATCH /packages/{id}",
        "DELETE /packages/{id}",
        "GET /events",
        "POST /events",
        "GET /events/{id}",
        "PATCH /events/{id}",
        "DELETE /events/{id}",
        "GET /reports/payroll",
        "GET /payroll-periods",
        "POST /payroll-periods",
        "GET /employees/{id}/cost-forecast",
      ]
      table_actions = [
        "dynamodb:UpdateItem",
        "dynamodb:BatchGetItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:DeleteItem",         # a cancelled event
        "dynamodb:Query",
        "dynamodb:ConditionCheckItem", # a shift's day is not in a closed payroll period
      ]
      index_actions = {
        gsi1 = ["dynamodb:Query"] # a person's shifts and events
        gsi2 = ["dynamodb:Query"] # a department's shifts, events and weekly totals
      }
      bucket_actions = {}
      ssm_parameters = [var.cursor_key_param]
      env = {
        TENURE_CURSOR_KEY_PARAM = var.cursor_key_param
      }
    }

    # Reads the audit log, verifies the chain, and records each CSV export
    # (an audit event, and a download counted on the caller).
    audit = {
      routes = [
        "GET /audit",
        "GET /audit/verify",
      ]
      table_actions = [
        "dynamodb:UpdateItem",
        "dynamodb:BatchGetItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:Query",
      ]
      index_actions  = {}
      bucket_actions = {}
      ssm_parameters = [var.cursor_key_param]
      env = {
        TENURE_CURSOR_KEY_PARAM = var.cursor_key_param
      }
    }

    leavers = {
      routes = [
        "POST /leavers",
        "GET /leavers",
        "GET /leavers/{id}",
        "PUT /leavers/{id}",
        "PATCH /leavers/{id}",
        "DELETE /leavers/{id}",
        "GET /leavers/{id}/risk",
        "POST /leavers/{id}/assess",
        "GET /leavers/{id}/checklist",
        "PATCH /leavers/{id}/checklist/{item}",
        "POST /leavers/{id}/handover",
      ]
      table_actions = [
        "dynamodb:UpdateItem",
        "dynamodb:BatchGetItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:Query",
        "dynamodb:ConditionCheckItem", # closing a case: the account holds nothing and is inactive
      ]
      index_actions = {
        gsi1 = ["dynamodb:Query"] # leavers by surname
        gsi2 = ["dynamodb:Query"] # by leave date
      }
      bucket_actions = {}
      ssm_parameters = [var.cursor_key_param]
      env = {
        TENURE_CURSOR_KEY_PARAM = var.cursor_key_param
      }
    }

    risk = {
      routes = [
        "GET /risk-settings",
        "PUT /risk-settings",
        "GET /alerts",
        "PATCH /alerts/{id}",
        "POST /sweeps",
      ]
      table_actions = [
        "dynamodb:UpdateItem",
        "dynamodb:BatchGetItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:DeleteItem",
        "dynamodb:Query",
      ]
      # POST /sweeps reads a company's leavers by leave date.
      index_actions = {
        gsi2 = ["dynamodb:Query"]
      }
      bucket_actions = {}
      ssm_parameters = [var.cursor_key_param]
      env = {
        TENURE_CURSOR_KEY_PARAM = var.cursor_key_param
      }
    }

    # Presigned uploads (PUT, under uploads/) and downloads (GET, of the
    # checked bytes under documents/) carry this role's permissions;
    # DELETE /documents/{id} removes the objects.
    documents = {
      routes = [
        "POST /documents/upload-url",
        "GET /documents",
        "GET /documents/{id}",
        "GET /documents/{id}/download",
        "DELETE /documents/{id}",
      ]
      table_actions = [
        "dynamodb:UpdateItem",
        "dynamodb:BatchGetItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:Query",
      ]
      index_actions = {
        gsi1 = ["dynamodb:Query"]
      }
      bucket_actions = {
        "uploads/*"   = ["s3:PutObject", "s3:DeleteObject"]
        "documents/*" = ["s3:GetObject", "s3:DeleteObject"]
      }
      ssm_parameters = [var.cursor_key_param]
      env = {
        TENURE_CURSOR_KEY_PARAM = var.cursor_key_param
        TENURE_BUCKET           = aws_s3_bucket.documents.bucket
      }
    }
  }

  # Functions invoked asynchronously (events.tf), by an EventBridge
  # `schedule` or by the documents bucket's notifications (`bucket_events`
  # on keys starting with `bucket_prefix`): no routes, their own timeout,
  # and only the environment listed here. A failed invocation is retried
  # twice (for at most `max_event_age` seconds), then sent to the function's
  # SQS queue, and its Errors alarm fires.
  event_functions = {
    # The leaver-risk sweep: hourly; the first run of a UTC day does the
    # pass, later runs read the day's state item and stop, and a run cut
    # short by the time limit is resumed by the next.
    "risk-sweep" = {
      description   = "Scheduled leaver-risk sweep (hourly; one pass a day)"
      schedule      = "rate(1 hour)"
      timeout       = 900
      max_event_age = 3600 # a run older than the next tick is superseded by it
      table_actions = [
        "dynamodb:GetItem",
        "dynamodb:BatchGetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:Query",
        "dynamodb:ConditionCheckItem", # the backfill: a person unchanged since read
      ]
      index_actions = {
        gsi1 = ["dynamodb:Query"]
        gsi2 = ["dynamodb:Query"]
        gsi3 = ["dynamodb:Query"]
      }
      bucket_actions = {}
      ssm_parameters = []
      env = {
        TENURE_TABLE = aws_dynamodb_table.main.name
        RUST_LOG     = "info"
      }
    }

    # The SLA check: every five minutes, the tickets whose SLA clocks come
    # due (gsi3's SLADUE# partitions up to now): one at-risk notice and one
    # breach per ticket and target.
    "sla-check" = {
      description   = "Records tickets' SLA notices (at risk, breached) every five minutes"
      schedule      = "rate(5 minutes)"
      timeout       = 300
      max_event_age = 300 # a run older than the next tick is superseded by it
      table_actions = [
        "dynamodb:GetItem",
        "dynamodb:BatchGetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
      ]
      index_actions = {
        gsi3 = ["dynamodb:Query"]
      }
      bucket_actions = {}
      ssm_parameters = []
      env = {
        TENURE_TABLE = aws_dynamodb_table.main.name
        RUST_LOG     = "info"
      }
    }

    # The upload check: streams each object created under uploads/,
    # compares its real type and size with the declared ones, copies good
    # bytes to documents/ (the only objects served), marks the document
    # available or rejected, and deletes the upload.
    "document-uploaded" = {
      description   = "Checks each uploaded document (S3 ObjectCreated under uploads/)"
      bucket_events = ["s3:ObjectCreated:*"]
      bucket_prefix = "uploads/"
      timeout       = 60
      max_event_age = 21600 # Lambda's longest: a document left unchecked stays pending
      table_actions = [
        "dynamodb:GetItem",
        "dynamodb:BatchGetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
      ]
      index_actions = {}
      bucket_actions = {
        "uploads/*"   = ["s3:GetObject", "s3:DeleteObject"]
        "documents/*" = ["s3:PutObject", "s3:DeleteObject"]
      }
      ssm_parameters = []
      env = {
        TENURE_TABLE  = aws_dynamodb_table.main.name
        TENURE_BUCKET = aws_s3_bucket.documents.bucket
        RUST_LOG      = "info"
      }
    }

    # The import function: an uploaded import file (imports/{cid}/{id}.csv)
    # is checked row by row and its report stored, good bytes copied to
    # imported/; an apply marker (imports/{cid}/{id}.apply) writes the valid
    # rows, resumably (near its deadline it saves its progress and writes
    # the marker again).
    "import-uploaded" = {
      description   = "Checks and applies bulk imports (S3 ObjectCreated under imports/)"
      bucket_events = ["s3:ObjectCreated:*"]
      bucket_prefix = "imports/"
      timeout       = 900
      max_event_age = 21600 # Lambda's longest: an import left unchecked stays pending
      table_actions = [
        "dynamodb:GetItem",
        "dynamodb:BatchGetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
      ]
      index_actions = {}
      bucket_actions = {
        "imports/*"  = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
        "imported/*" = ["s3:GetObject", "s3:PutObject"]
      }
      ssm_parameters = []
      env = {
        TENURE_TABLE  = aws_dynamodb_table.main.name
        TENURE_BUCKET = aws_s3_bucket.documents.bucket
        RUST_LOG      = "info"
      }
    }
  }

  # The event functions by trigger (events.tf).
  scheduled_functions = { for name, f in local.event_functions : name => f if try(f.schedule, null) != null }
  bucket_functions    = { for name, f in local.event_functions : name => f if try(f.bucket_events, null) != null }

  # Every function, in one shape, for the roles, log groups and functions.
  functions = merge(
    {
      for name, f in local.http_functions : name => {
        description    = join(", ", f.routes)
        timeout        = 10
        table_actions  = f.table_actions
        index_actions  = f.index_actions
        bucket_actions = f.bucket_actions
        ssm_parameters = f.ssm_parameters
        env            = merge(local.common_env, f.env)
      }
    },
    {
      for name, f in local.event_functions : name => {
        description    = f.description
        timeout        = f.timeout
        table_actions  = f.table_actions
        index_actions  = f.index_actions
        bucket_actions = f.bucket_actions
        ssm_parameters = f.ssm_parameters
        env            = f.env
      }
    },
  )

  # Environment of every HTTP function (not of the event functions).
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
    for name, f in local.http_functions : { for key in f.routes : key => name }
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
  # checkov:skip=CKV_AWS_116: HTTP functions are invoked synchronously by API Gateway, where a DLQ receives nothing; the event functions' failed invocations go to the OnFailure destination (SQS) of aws_lambda_function_event_invoke_config.event (events.tf).
  # checkov:skip=CKV_AWS_117: the functions reach only DynamoDB, SSM and S3 through IAM-authenticated endpoints; a VPC adds NAT cost and cold start and protects nothing here.
  # checkov:skip=CKV_AWS_115: new accounts have too little concurrency to reserve per function; API throttling and per-client rate limits bound the HTTP load and the uploads (only through presigned URLs the API hands out), and the sweep's schedule fires once an hour.
  # checkov:skip=CKV_AWS_173: variables are encrypted at rest with Lambda's AWS managed key; they hold names (table, bucket) and public keys, the signing key stays in SSM and the bootstrap password is one-time.
  # checkov:skip=CKV_AWS_272: artifacts are built and deployed by CI through the OIDC deploy role; code signing (AWS Signer) is not set up.
  for_each = local.functions

  function_name    = "tenure-${var.stage}-${each.key}"
  description      = each.value.description
  role             = aws_iam_role.function[each.key].arn
  runtime          = "provided.al2023"
  architectures    = ["arm64"]
  handler          = "bootstrap"
  filename         = "${local.artifacts_dir}/${each.key}/bootstrap.zip"
  source_code_hash = filebase64sha256("${local.artifacts_dir}/${each.key}/bootstrap.zip")
  memory_size      = 256
  timeout          = each.value.timeout

  tracing_config {
    mode = "Active"
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.function[each.key].name
  }

  environment {
    variables = merge(each.value.env, try(local.secret_env[each.key], {}))
  }

  # The role must be able to write logs before the first invocation.
  depends_on = [aws_iam_role_policy.function]
}
