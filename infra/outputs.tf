output "api_url" {
  description = "Base URL of the HTTP API"
  value       = aws_apigatewayv2_stage.default.invoke_url
}

output "table_name" {
  description = "The DynamoDB table"
  value       = aws_dynamodb_table.main.name
}

output "bucket_name" {
  description = "The documents bucket"
  value       = aws_s3_bucket.documents.bucket
}

output "event_dead_letter_queues" {
  description = "Failed invocations of each event function (function => queue URL)"
  value       = { for name, q in aws_sqs_queue.event_dlq : name => q.url }
}

output "alarm_topic_arn" {
  description = "SNS topic every alarm notifies (subscribe operators to it)"
  value       = aws_sns_topic.alarms.arn
}
