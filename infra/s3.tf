# Documents and import files (the documents and people functions; uploads
# notify document-uploaded, imports import-uploaded, see
# events.tf). SSE-KMS with the AWS managed key
# (alias/aws/s3) and an S3 Bucket Key: encrypted with KMS and logged, while
# presigned uploads and the upload trigger need no kms:* grants.
resource "aws_s3_bucket" "documents" {
  # checkov:skip=CKV_AWS_18: every download is audited by the API (and feeds leaver risk); server access logs would need a second bucket holding personal data.
  # checkov:skip=CKV_AWS_144: cross-region replication is a disaster-recovery decision not taken yet; versioning guards against deletes.
  bucket = "tenure-${var.stage}-documents-${data.aws_caller_identity.current.account_id}-${var.region}"

  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_s3_bucket_public_access_block" "documents" {
  bucket = aws_s3_bucket.documents.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "documents" {
  bucket = aws_s3_bucket.documents.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "documents" {
  bucket = aws_s3_bucket.documents.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "aws:kms" # without kms_master_key_id: the AWS managed key
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_versioning" "documents" {
  bucket = aws_s3_bucket.documents.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_cors_configuration" "documents" {
  bucket = aws_s3_bucket.documents.id

  cors_rule {
    id              = "browser-presigned-put"
    allowed_methods = ["PUT"]
    allowed_origins = var.upload_allowed_origins
    allowed_headers = ["content-type", "content-length", "content-md5", "x-amz-*"]
    expose_headers  = ["ETag"]
    max_age_seconds = 3000
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "documents" {
  bucket = aws_s3_bucket.documents.id

  # Noncurrent-version rules need versioning in place first.
  depends_on = [aws_s3_bucket_versioning.documents]

  # Uploads are never served: the upload trigger deletes each one once it
  # is checked; what it never saw (a document left pending) goes after two
  # days, and the versions a delete leaves behind after one.
  rule {
    id     = "expire-uploads"
    status = "Enabled"

    filter {
      prefix = "uploads/"
    }

    expiration {
      days = 2
    }

    noncurrent_version_expiration {
      noncurrent_days = 1
    }
  }

  # Import files and apply markers, likewise: the import function deletes
  # each once it is done with it.
  rule {
    id     = "expire-import-uploads"
    status = "Enabled"

    filter {
      prefix = "imports/"
    }

    expiration {
      days = 2
    }

    noncurrent_version_expiration {
      noncurrent_days = 1
    }
  }

  # The checked copy of an import file is kept 30 days (an import older
  # than that cannot be applied: POST /imports/{id}/apply says so).
  rule {
    id     = "expire-imported"
    status = "Enabled"

    filter {
      prefix = "imported/"
    }

    expiration {
      days = 30
    }

    noncurrent_version_expiration {
      noncurrent_days = 1
    }
  }

  rule {
    id     = "expire-noncurrent-versions"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = 30
    }

    expiration {
      expired_object_delete_marker = true
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

data "aws_iam_policy_document" "documents_tls_only" {
  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      aws_s3_bucket.documents.arn,
      "${aws_s3_bucket.documents.arn}/*",
    ]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "documents" {
  bucket = aws_s3_bucket.documents.id
  policy = data.aws_iam_policy_document.documents_tls_only.json

  # A bucket policy can only be put once public access is blocked.
  depends_on = [aws_s3_bucket_public_access_block.documents]
}
