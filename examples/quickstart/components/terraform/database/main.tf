variable "project" { type = string }
variable "stage" { type = string }
variable "engine" { type = string }
variable "size" { type = string }

resource "terraform_data" "database" {
  input = {
    name   = "${var.project}-${var.stage}-db"
    engine = var.engine
    size   = var.size
  }
}

output "endpoint" { value = "${terraform_data.database.output.name}.internal:5432" }
