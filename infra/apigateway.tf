# One HTTP API; every route in local.http_functions (lambda.tf) goes to its
# function through a Lambda proxy integration (payload format 2.0).
#
# No authorizer: the functions verify the JWTs themselves (kid, exp, iss,
# aud, algorithm allow-list) and public routes are public by design.

resource "aws_apigatewayv2_api" "http" {
  name          = "tenure-${var.stage}"
  protocol_type = "HTTP"
}

resource "aws_apigatewayv2_integration" "function" {
  for_each = local.http_functions

  api_id                 = aws_apigatewayv2_api.http.id
  integration_type       = "AWS_PROXY"
  integration_method     = "POST"
  integration_uri        = aws_lambda_function.function[each.key].invoke_arn
  payload_format_version = "2.0"
}

resource "aws_apigatewayv2_route" "route" {
  # checkov:skip=CKV_AWS_309: no API Gateway authorizer by design; the functions verify JWTs and some routes are public (status, docs, signup, login).
  for_each = local.routes

  api_id             = aws_apigatewayv2_api.http.id
  route_key          = each.key
  target             = "integrations/${aws_apigatewayv2_integration.function[each.value].id}"
  authorization_type = "NONE"
}

# Each route may invoke only its own function, and only through this API
# and that method and path ({params} become *); the $default route through
# $default.
resource "aws_lambda_permission" "route" {
  for_each = local.routes

  statement_id  = "api-${trim(replace(lower(each.key), "/[^a-z0-9]+/", "-"), "-")}"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.function[each.value].function_name
  principal     = "apigateway.amazonaws.com"
  source_arn = (each.key == "$default"
    ? "${aws_apigatewayv2_api.http.execution_arn}/*/$default"
    : "${aws_apigatewayv2_api.http.execution_arn}/*/${split(" ", each.key)[0]}${replace(split(" ", each.key)[1], "/\\{[^}]+\\}/", "*")}"
  )
}

resource "aws_cloudwatch_log_group" "api_access" {
  # checkov:skip=CKV_AWS_158: CloudWatch Logs encrypts at rest with its own keys; access logs hold no bodies or headers.
  # checkov:skip=CKV_AWS_338: 30 days is enough to investigate; the audit trail of record lives in the table.
  name              = "/aws/vendedlogs/tenure-${var.stage}/http-api-access"
  retention_in_days = var.log_retention_days
}

resource "aws_apigatewayv2_stage" "default" {
  api_id      = aws_apigatewayv2_api.http.id
  name        = "$default"
  auto_deploy = true

  default_route_settings {
    throttling_burst_limit = 200
    throttling_rate_limit  = 100
  }

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.api_access.arn
    # No headers, query strings or bodies: they can carry tokens and personal data.
    format = jsonencode({
      requestId          = "$context.requestId"
      ip                 = "$context.identity.sourceIp"
      requestTime        = "$context.requestTime"
      routeKey           = "$context.routeKey"
      status             = "$context.status"
      protocol           = "$context.protocol"
      responseLength     = "$context.responseLength"
      responseLatency    = "$context.responseLatency"
      integrationLatency = "$context.integrationLatency"
      integrationError   = "$context.integrationErrorMessage"
    })
  }
}
