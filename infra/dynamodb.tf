# The single table. Key, index and TTL names come from
# shared/src/store/schema.rs; tests/api/templates.rs checks they agree.
#
# Encryption at rest uses the AWS managed key (alias/aws/dynamodb): every
# read and write is still KMS-encrypted and logged in CloudTrail, the key's
# policy lets only DynamoDB use it on behalf of this account, and no function
# role needs kms:* actions, so each role stays exactly the DynamoDB actions
# its code uses. A customer managed key would add key policy upkeep, a
# monthly cost and kms grants for no threat this stack faces.
resource "aws_dynamodb_table" "main" {
  # checkov:skip=CKV_AWS_119: AWS managed KMS key on purpose, see the comment above.
  name                        = "tenure-${var.stage}"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "pk"
  range_key                   = "sk"
  deletion_protection_enabled = true

  attribute {
    name = "pk"
    type = "S"
  }

  attribute {
    name = "sk"
    type = "S"
  }

  attribute {
    name = "gsi1pk"
    type = "S"
  }

  attribute {
    name = "gsi1sk"
    type = "S"
  }

  attribute {
    name = "gsi2pk"
    type = "S"
  }

  attribute {
    name = "gsi2sk"
    type = "S"
  }

  attribute {
    name = "gsi3pk"
    type = "S"
  }

  attribute {
    name = "gsi3sk"
    type = "S"
  }

  global_secondary_index {
    name            = "gsi1"
    hash_key        = "gsi1pk"
    range_key       = "gsi1sk"
    projection_type = "ALL"
  }

  # A company's leavers by leave date (the sweep's window).
  global_secondary_index {
    name            = "gsi2"
    hash_key        = "gsi2pk"
    range_key       = "gsi2sk"
    projection_type = "ALL"
  }

  # Every company's active leavers by leave date, sharded (the daily sweep
  # finds the companies with leavers in its window here).
  global_secondary_index {
    name            = "gsi3"
    hash_key        = "gsi3pk"
    range_key       = "gsi3sk"
    projection_type = "KEYS_ONLY"
  }

  ttl {
    attribute_name = "expires_at"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled = true # without kms_key_arn: the AWS managed key
  }

  lifecycle {
    prevent_destroy = true
  }
}
