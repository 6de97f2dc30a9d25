# CloudWatch alarms, the same ones as template.yaml (tests/api/templates.rs
# checks): every alarm notifies aws_sns_topic.alarms when it fires and when
# it clears, and operators subscribe to that topic (output alarm_topic_arn).
#
# Every function of local.functions (lambda.tf) has an Errors and a
# Throttles alarm (AWS/Lambda, Sum > 0): HTTP functions over 5 minutes, event
# functions over an hour (the sweep runs hourly, and its Errors alarm is the
# sweep's failures, whose events also land in its dead-letter queue,
# events.tf). Each event function's dead-letter queue has an alarm on the
# messages waiting in it (AWS/SQS, Maximum > 0 over 5 minutes). The HTTP API
# has a 5xx alarm, which also catches a function's own 5xx answers (not
# Lambda errors).
#
# The topic is encrypted with a key of its own, not the AWS managed
# alias/aws/sns: CloudWatch publishes as its service principal, which needs
# kms:GenerateDataKey* and kms:Decrypt on the topic's key, and the aws/sns
# key's policy cannot grant that (the alarm would go off but its
# notification fail, with a KMS AccessDenied in the alarm's history).

data "aws_iam_policy_document" "alarm_topic_key" {
  # checkov:skip=CKV_AWS_109: a key policy: its "*" resource is this key alone, and kms:* to the account root is AWS's default key policy, which leaves who administers the key to the account's IAM policies.
  # checkov:skip=CKV_AWS_111: a key policy: its "*" resource is this key alone; the only service allowed to use it is CloudWatch, for GenerateDataKey and Decrypt.
  # checkov:skip=CKV_AWS_356: a key policy names no other resource than "*", which means this key alone.

  # The default key policy: the account's IAM policies govern the key.
  statement {
    sid       = "AccountIam"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  statement {
    sid       = "CloudWatchAlarmsPublish"
    actions   = ["kms:GenerateDataKey*", "kms:Decrypt"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }
  }
}

resource "aws_kms_key" "alarm_topic" {
  description         = "Encrypts the tenure-${var.stage}-alarms topic (CloudWatch alarm notifications)"
  enable_key_rotation = true
  policy              = data.aws_iam_policy_document.alarm_topic_key.json
}

resource "aws_sns_topic" "alarms" {
  name              = "tenure-${var.stage}-alarms"
  display_name      = "Tenure ${var.stage} alarms"
  kms_master_key_id = aws_kms_key.alarm_topic.arn
}

locals {
  # The seconds a function's alarms sum its metric over, by kind of function.
  function_alarm_period = {
    http  = 300
    event = 3600
  }

  # Each function's kind: "event" (local.event_functions) or "http".
  function_kind = {
    for name in keys(local.functions) : name => contains(keys(local.event_functions), name) ? "event" : "http"
  }
}

resource "aws_cloudwatch_metric_alarm" "errors" {
  for_each = local.functions

  alarm_name          = "tenure-${var.stage}-${each.key}-errors"
  alarm_description   = "${each.key} failed at least once in ${local.function_alarm_period[local.function_kind[each.key]] / 60} minutes (see its log group${local.function_kind[each.key] == "event" ? " and dead-letter queue" : ""})."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = aws_lambda_function.function[each.key].function_name }
  statistic           = "Sum"
  period              = local.function_alarm_period[local.function_kind[each.key]]
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}

# The event functions' Errors alarms were aws_cloudwatch_metric_alarm.event_errors (events.tf).
moved {
  from = aws_cloudwatch_metric_alarm.event_errors
  to   = aws_cloudwatch_metric_alarm.errors
}

resource "aws_cloudwatch_metric_alarm" "throttles" {
  for_each = local.functions

  alarm_name          = "tenure-${var.stage}-${each.key}-throttles"
  alarm_description   = "Lambda throttled ${each.key} at least once in ${local.function_alarm_period[local.function_kind[each.key]] / 60} minutes (concurrency limit reached; ${local.function_kind[each.key] == "event" ? "Lambda retries it until the event is too old" : "those requests failed"})."
  namespace           = "AWS/Lambda"
  metric_name         = "Throttles"
  dimensions          = { FunctionName = aws_lambda_function.function[each.key].function_name }
  statistic           = "Sum"
  period              = local.function_alarm_period[local.function_kind[each.key]]
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}

# Each event function's dead-letter queue (aws_sqs_queue.event_dlq,
# events.tf): the alarm fires while the queue holds an event that failed
# after Lambda's retries, and clears once its messages are deleted (or
# expire after 14 days). A queue with messages is active, so SQS keeps
# publishing the metric; an empty, unused one may publish none, which is
# not a breach.
resource "aws_cloudwatch_metric_alarm" "dead_letters" {
  for_each = local.event_functions

  alarm_name          = "tenure-${var.stage}-${each.key}-dead-letters"
  alarm_description   = "At least one failed ${each.key} event is waiting in its dead-letter queue tenure-${var.stage}-${each.key}-dlq (the event and its error; see the function's log group, then delete the messages)."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.event_dlq[each.key].name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}

# The API's own answers: 5xx from a function or from API Gateway itself (a
# function that failed, timed out or was throttled).
resource "aws_cloudwatch_metric_alarm" "api_5xx" {
  alarm_name        = "tenure-${var.stage}-api-5xx"
  alarm_description = "The HTTP API answered at least one request with a 5xx in 5 minutes (see its access log and the functions' log groups)."
  namespace         = "AWS/ApiGateway"
  metric_name       = "5xx"
  dimensions = {
    ApiId = aws_apigatewayv2_api.http.id
    Stage = aws_apigatewayv2_stage.default.name
  }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}

# Failed sign-ins with an email that has no account belong to no company, so
# no audit chain records them: the auth function logs each one as
# auth.unknown_account (without the email), this filter counts them, and the
# alarm fires on a flood (more than 100 in 5 minutes).
resource "aws_cloudwatch_log_metric_filter" "unknown_account_sign_ins" {
  name           = "tenure-${var.stage}-unknown-account-sign-ins"
  log_group_name = aws_cloudwatch_log_group.function["auth"].name
  pattern        = "{ $.fields.event = \"auth.unknown_account\" }"

  metric_transformation {
    namespace = "Tenure/${var.stage}"
    name      = "UnknownAccountSignIns"
    value     = "1"
  }
}

resource "aws_cloudwatch_metric_alarm" "unknown_account_sign_ins" {
  alarm_name          = "tenure-${var.stage}-unknown-account-sign-ins"
  alarm_description   = "More than 100 failed sign-ins with emails that have no account in 5 minutes (credential stuffing or enumeration; see the auth function's log group)."
  namespace           = "Tenure/${var.stage}"
  metric_name         = "UnknownAccountSignIns"
  dimensions          = {}
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 100
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}
