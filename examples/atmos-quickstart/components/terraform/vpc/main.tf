variable "namespace" { type = string }
variable "stage" { type = string }
variable "cidr" { type = string }
variable "availability_zones" { type = list(string) }

# terraform_data is built into Terraform: nothing to download, no cloud account.
resource "terraform_data" "vpc" {
  input = {
    name    = "${var.namespace}-${var.stage}-vpc"
    cidr    = var.cidr
    subnets = [for i, az in var.availability_zones : { az = az, cidr = cidrsubnet(var.cidr, 8, i) }]
  }
}

output "name" { value = terraform_data.vpc.output.name }
