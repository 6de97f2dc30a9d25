# Tenure on AWS, described in Terraform: the same stack as ../template.yaml
# (SAM). Files by concern: dynamodb.tf, s3.tf, lambda.tf (the function tables:
# routes or schedule, DynamoDB actions, environment), iam.tf, apigateway.tf,
# events.tf (schedules, bucket notifications, dead-letter queues), alarms.tf
# (the alarm topic and every alarm), outputs.tf.
#
# Build the functions first, from the repository root:
#   cargo lambda build --release --arm64 --output-format zip
# then `terraform init && terraform apply` here.

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  account_id    = data.aws_caller_identity.current.account_id
  partition     = data.aws_partition.current.partition
  dns_suffix    = data.aws_partition.current.dns_suffix
  artifacts_dir = var.lambda_artifacts_dir != "" ? var.lambda_artifacts_dir : "${path.module}/../target/lambda"
}
