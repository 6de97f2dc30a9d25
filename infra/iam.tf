# One role per function, with exactly the actions in local.functions
# (lambda.tf) on the table, its indexes and the documents bucket's objects,
# plus its own log group and X-Ray, and for an event function sending to its
# own dead-letter queue (events.tf).

data "aws_iam_policy_document" "lambda_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "function" {
  for_each = local.functions

  name               = "tenure-${var.stage}-${each.key}"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
}

data "aws_iam_policy_document" "function" {
  for_each = local.functions

  statement {
    sid       = "TableItems"
    actions   = each.value.table_actions
    resources = [aws_dynamodb_table.main.arn]
  }

  # One statement per index the function queries (index name => actions).
  dynamic "statement" {
    for_each = each.value.index_actions
    content {
      sid       = "${title(statement.key)}Index"
      actions   = statement.value
      resources = ["${aws_dynamodb_table.main.arn}/index/${statement.key}"]
    }
  }

  # Objects of the documents bucket, per key pattern (bucket_actions).
  dynamic "statement" {
    for_each = each.value.bucket_actions
    content {
      sid       = "Bucket${replace(title(statement.key), "/[^A-Za-z0-9]/", "")}"
      actions   = statement.value
      resources = ["${aws_s3_bucket.documents.arn}/${statement.key}"]
    }
  }

  # Lambda sends an event function's failed invocations to its queue with
  # the function's role (aws_lambda_function_event_invoke_config.event).
  dynamic "statement" {
    for_each = { for name, q in aws_sqs_queue.event_dlq : name => q.arn if name == each.key }
    content {
      sid       = "DeadLetterQueue"
      actions   = ["sqs:SendMessage"]
      resources = [statement.value]
    }
  }

  dynamic "statement" {
    for_each = length(each.value.ssm_parameters) > 0 ? ["ssm"] : []
    content {
      sid     = "ReadSecureParameters"
      actions = ["ssm:GetParameter"]
      resources = [
        for p in each.value.ssm_parameters : "arn:${local.partition}:ssm:${var.region}:${local.account_id}:parameter${p}"
      ]
    }
  }

  # The aws/ssm key's id is not known in advance; the conditions confine the
  # grant to SSM decrypting those parameters.
  dynamic "statement" {
    for_each = length(each.value.ssm_parameters) > 0 ? ["kms"] : []
    content {
      sid       = "DecryptSecureParametersThroughSsm"
      actions   = ["kms:Decrypt"]
      resources = ["arn:${local.partition}:kms:${var.region}:${local.account_id}:key/*"]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["ssm.${var.region}.${local.dns_suffix}"]
      }

      condition {
        test     = "StringEquals"
        variable = "kms:EncryptionContext:PARAMETER_ARN"
        values = [
          for p in each.value.ssm_parameters : "arn:${local.partition}:ssm:${var.region}:${local.account_id}:parameter${p}"
        ]
      }
    }
  }

  statement {
    sid       = "OwnLogGroup"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.function[each.key].arn}:*"]
  }

  # X-Ray's write actions take no resource-level restriction.
  statement {
    sid       = "XRayWrite"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "function" {
  for_each = local.functions

  name   = "tenure-${var.stage}-${each.key}"
  role   = aws_iam_role.function[each.key].id
  policy = data.aws_iam_policy_document.function[each.key].json
}
