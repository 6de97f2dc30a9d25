terraform {
  required_version = ">= 1.6.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "= 5.100.0"
    }
  }

  # State: configure a remote backend per environment at `terraform init`
  # time (for example `-backend-config=...` for an S3 backend with locking);
  # nothing account-specific is committed here.
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      project = "tenure"
      stage   = var.stage
    }
  }
}
