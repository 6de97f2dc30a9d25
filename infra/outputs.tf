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
