# The event functions of local.event_functions (lambda.tf): each runs on its
# EventBridge schedule (local.scheduled_functions) or on the documents
# bucket's notifications (local.bucket_functions), an asynchronous
# invocation either way. A failed invocation is retried twice; one that
# still fails, or is older than its max_event_age, goes with its error to
# the function's SQS queue, and its dead-letters alarm (alarms.tf) fires
# while the event waits there; a failure also fires its Errors alarm.

resource "aws_cloudwatch_event_rule" "schedule" {
  for_each = local.scheduled_functions

  name                = "tenure-${var.stage}-${each.key}"
  description         = each.value.description
  schedule_expression = each.value.schedule
}

resource "aws_cloudwatch_event_target" "schedule" {
  for_each = local.scheduled_functions

  rule = aws_cloudwatch_event_rule.schedule[each.key].name
  arn  = aws_lambda_function.function[each.key].arn
}

# Only this schedule may invoke the function.
resource "aws_lambda_permission" "schedule" {
  for_each = local.scheduled_functions

  statement_id  = "schedule"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.function[each.key].function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.schedule[each.key].arn
}

# The documents bucket notifies its functions of new objects under their
# prefix. S3 keeps one notification configuration per bucket, so this is
# the only aws_s3_bucket_notification of the bucket.
resource "aws_s3_bucket_notification" "documents" {
  bucket = aws_s3_bucket.documents.id

  dynamic "lambda_function" {
    for_each = local.bucket_functions
    content {
      id                  = lambda_function.key
      lambda_function_arn = aws_lambda_function.function[lambda_function.key].arn
      events              = lambda_function.value.bucket_events
      filter_prefix       = lambda_function.value.bucket_prefix
    }
  }

  # S3 checks that it may invoke each function when the configuration is put.
  depends_on = [aws_lambda_permission.bucket]
}

# Only the documents bucket, in this account, may invoke the function.
resource "aws_lambda_permission" "bucket" {
  for_each = local.bucket_functions

  statement_id   = "documents-bucket"
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.function[each.key].function_name
  principal      = "s3.amazonaws.com"
  source_arn     = aws_s3_bucket.documents.arn
  source_account = local.account_id
}

# Failed invocations (the event plus the error), kept 14 days. SSE-SQS:
# encrypted at rest without a KMS key, so the sending role needs no kms grants.
resource "aws_sqs_queue" "event_dlq" {
  for_each = local.event_functions

  name                      = "tenure-${var.stage}-${each.key}-dlq"
  sqs_managed_sse_enabled   = true
  message_retention_seconds = 1209600
}

resource "aws_lambda_function_event_invoke_config" "event" {
  for_each = local.event_functions

  function_name                = aws_lambda_function.function[each.key].function_name
  qualifier                    = "$LATEST"
  maximum_retry_attempts       = 2
  maximum_event_age_in_seconds = each.value.max_event_age

  destination_config {
    on_failure {
      destination = aws_sqs_queue.event_dlq[each.key].arn
    }
  }
}
