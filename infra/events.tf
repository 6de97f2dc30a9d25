# The event functions of local.event_functions (lambda.tf): each runs on its
# EventBridge schedule (an asynchronous invocation). A failed invocation is
# retried twice; one that still fails, or is older than an hour (the next
# tick supersedes it), goes with its error to the function's SQS queue, and
# the function's Errors alarm fires.

resource "aws_cloudwatch_event_rule" "schedule" {
  for_each = local.event_functions

  name                = "tenure-${var.stage}-${each.key}"
  description         = each.value.description
  schedule_expression = each.value.schedule
}

resource "aws_cloudwatch_event_target" "schedule" {
  for_each = local.event_functions

  rule = aws_cloudwatch_event_rule.schedule[each.key].name
  arn  = aws_lambda_function.function[each.key].arn
}

# Only this schedule may invoke the function.
resource "aws_lambda_permission" "schedule" {
  for_each = local.event_functions

  statement_id  = "schedule"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.function[each.key].function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.schedule[each.key].arn
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
  maximum_event_age_in_seconds = 3600

  destination_config {
    on_failure {
      destination = aws_sqs_queue.event_dlq[each.key].arn
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "event_errors" {
  for_each = local.event_functions

  alarm_name          = "tenure-${var.stage}-${each.key}-errors"
  alarm_description   = "${each.key} failed at least once in the last hour (see its log group and dead-letter queue)."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = aws_lambda_function.function[each.key].function_name }
  statistic           = "Sum"
  period              = 3600
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
}
