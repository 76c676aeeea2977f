variable "namespace" { type = string }
variable "stage" { type = string }
variable "replicas" { type = number }
variable "image" { type = string }

resource "terraform_data" "app" {
  input = {
    name     = "${var.namespace}-${var.stage}-app"
    replicas = var.replicas
    image    = var.image
  }
}

output "name" { value = terraform_data.app.output.name }
