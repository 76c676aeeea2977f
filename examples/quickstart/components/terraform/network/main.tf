variable "project" { type = string }
variable "stage" { type = string }
variable "cidr" { type = string }
variable "subnets" { type = number }

# terraform_data is built into Terraform: nothing to download, no cloud account.
resource "terraform_data" "network" {
  input = {
    name    = "${var.project}-${var.stage}"
    cidr    = var.cidr
    subnets = [for i in range(var.subnets) : cidrsubnet(var.cidr, 8, i)]
  }
}

output "name" { value = terraform_data.network.output.name }
output "subnets" { value = terraform_data.network.output.subnets }
