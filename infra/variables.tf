variable "region" {
  description = "AWS region of the stack."
  type        = string
  default     = "eu-west-1"
}

variable "stage" {
  description = "Deployment stage (dev, prod, ...); part of every resource name."
  type        = string
  default     = "dev"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,15}$", var.stage))
    error_message = "stage must be 2-16 lowercase letters, digits or dashes, starting with a letter."
  }
}

variable "jwt_public_keys" {
  description = "Ed25519 public keys that verify access tokens, as kid:base64url pairs separated by commas (TENURE_JWT_PUBLIC_KEYS; not secret). Keep the previous key listed while rotating."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]+:[A-Za-z0-9_-]+(,[A-Za-z0-9._-]+:[A-Za-z0-9_-]+)*$", var.jwt_public_keys))
    error_message = "jwt_public_keys must be kid:base64url pairs separated by commas."
  }
}

variable "jwt_kid" {
  description = "Key id (JWT kid) of the current signing key."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]+$", var.jwt_kid))
    error_message = "jwt_kid must be letters, digits, '.', '_' or '-'."
  }
}

variable "jwt_private_key_param" {
  description = "Name (starting with /) of the SSM SecureString parameter holding the Ed25519 signing key (base64 PKCS#8), encrypted with the aws/ssm key. Created out of band; only the auth function may read it."
  type        = string

  validation {
    condition     = can(regex("^/[A-Za-z0-9_./-]+$", var.jwt_private_key_param))
    error_message = "jwt_private_key_param must be an SSM parameter name starting with /."
  }
}

variable "cursor_key_param" {
  description = "Name (starting with /) of the SSM SecureString parameter holding the key pagination cursors are tagged with (at least 32 random bytes, base64), encrypted with the aws/ssm key. Created out of band; only the functions with list routes may read it."
  type        = string

  validation {
    condition     = can(regex("^/[A-Za-z0-9_./-]+$", var.cursor_key_param))
    error_message = "cursor_key_param must be an SSM parameter name starting with /."
  }
}

variable "bootstrap_admin_email" {
  description = "Email of the platform admin created when none exists (empty = no bootstrap)."
  type        = string
  default     = ""
}

variable "bootstrap_admin_password" {
  description = "Password of the bootstrapped platform admin (empty = no bootstrap). Apply again with an empty value once the admin exists."
  type        = string
  default     = ""
  sensitive   = true
}

variable "upload_allowed_origins" {
  description = "Browser origins allowed to PUT documents through presigned URLs (CORS). The presigned URL is the authorization; set the web app's origin in prod."
  type        = list(string)
  default     = ["*"]
}

variable "lambda_artifacts_dir" {
  description = "Directory holding <function>/bootstrap.zip as built by `cargo lambda build --release --arm64 --output-format zip`; empty means ../target/lambda."
  type        = string
  default     = ""
}

variable "log_retention_days" {
  description = "Retention of the functions' and the API's log groups."
  type        = number
  default     = 30
}
