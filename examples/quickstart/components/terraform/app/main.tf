variable "project" { type = string }
variable "stage" { type = string }
variable "replicas" { type = number }
variable "image" { type = string }

resource "terraform_data" "app" {
  input = {
    name     = "${var.project}-${var.stage}-app"
    image    = var.image
    replicas = var.replicas
  }
}

output "url" { value = "https://${terraform_data.app.output.name}.example.com" }
output "replicas" { value = terraform_data.app.output.replicas }
