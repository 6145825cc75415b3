// GENERATED from docs/openapi.json (the human-edited source of truth) — do not edit by hand.
// The document is embedded as a string because the PaystreamAPI target declares no resources (no Bundle.module).
// OpenAPIContractTests fails when this copy and docs/openapi.json differ. After editing docs/openapi.json, run
// from the repository root:
//   f=Sources/PaystreamAPI/OpenAPI/OpenAPIDocument.swift; { sed '/^enum OpenAPIDocument/q' $f; echo '    static let json = #"""'; cat docs/openapi.json; echo '"""#'; echo '}'; } > $f.new && mv $f.new $f

/// The OpenAPI 3.1 description of paystream-api, served at `GET /openapi.json`.
enum OpenAPIDocument {
    static let json = #"""
{
  "openapi": "3.1.0",
  "info": {
    "title": "Paystream API (paystream-api)",
    "version": "1.0.0",
    "description": "Recharges, scan-to-collect, withdrawals with review, refunds, red envelopes, push and the channels' notifies. Conventions: JSON in and out; **amounts are integers of fen** (`\"amountFen\": 1234` is 12.34 CNY), never floats (a fractional or exponent number is 400 `request.invalid_body`); one request moves at most 5,000,000 fen. Every error is `application/problem+json` (RFC 9457) with a stable `code`. Every response carries `X-Request-Id`. Clients and merchants sign every request with their API client's secret (security scheme `signature`); merchants and operators also send a login session (`session`, from `POST /v1/auth/login`). Every `POST /v1/…` but `POST /v1/auth/login` accepts `Idempotency-Key`. This file is the source of truth; `Sources/PaystreamAPI/OpenAPI/OpenAPIDocument.swift` is generated from it (see that file) and `OpenAPIContractTests` checks both against the router."
  },
  "servers": [
    {
      "url": "http://127.0.0.1:58080",
      "description": "Local (loopback by default)."
    }
  ],
  "tags": [
    {
      "name": "Operations"
    },
    {
      "name": "Accounts"
    },
    {
      "name": "Payments"
    },
    {
      "name": "Collections"
    },
    {
      "name": "Withdrawals"
    },
    {
      "name": "Cards"
    },
    {
      "name": "WeChat accounts",
      "description": "WeChat users bound by WeChat's web authorization: the only openids WeChat withdrawals may name."
    },
    {
      "name": "Back office"
    },
    {
      "name": "Refunds"
    },
    {
      "name": "Envelopes"
    },
    {
      "name": "Groups",
      "description": "Groups of users envelopes are sent to: only a group's members see and grab what is sent to it."
    },
    {
      "name": "Push"
    },
    {
      "name": "Channel notifies"
    }
  ],
  "paths": {
    "/healthz": {
      "get": {
        "operationId": "healthz",
        "tags": [
          "Operations"
        ],
        "summary": "Liveness",
        "description": "Answers `ok` while the process runs.",
        "responses": {
          "200": {
            "description": "Alive.",
            "content": {
              "text/plain": {
                "schema": {
                  "type": "string",
                  "const": "ok\n"
                }
              }
            }
          },
          "401": {
            "description": "This operation needs no identity, but a request that presents credentials must present valid ones: partial or invalid signature headers, or an invalid session, are refused. Codes: `auth.unsigned_identity`, `auth.signature_missing`, `auth.timestamp_skew`, `auth.nonce_invalid`, `auth.unknown_app`, `auth.signature_invalid`, `auth.nonce_reused`, `auth.session_invalid`, `auth.session_expired`, `auth.session_revoked`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.unsigned_identity",
                            "auth.signature_missing",
                            "auth.timestamp_skew",
                            "auth.nonce_invalid",
                            "auth.unknown_app",
                            "auth.signature_invalid",
                            "auth.nonce_reused",
                            "auth.session_invalid",
                            "auth.session_expired",
                            "auth.session_revoked"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.signature_missing",
                  "title": "Unauthorized",
                  "status": 401,
                  "code": "auth.signature_missing",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          }
        }
      }
    },
    "/openapi.json": {
      "get": {
        "operationId": "openapi",
        "tags": [
          "Operations"
        ],
        "summary": "This document",
        "description": "The OpenAPI 3.1 description of this API (`docs/openapi.json`, compiled into the server).",
        "parameters": [
          {
            "$ref": "#/components/parameters/RequestId"
          }
        ],
        "responses": {
          "200": {
            "description": "The OpenAPI document.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "type": "object"
                }
              }
            }
          },
          "401": {
            "description": "This operation needs no identity, but a request that presents credentials must present valid ones: partial or invalid signature headers, or an invalid session, are refused. Codes: `auth.unsigned_identity`, `auth.signature_missing`, `auth.timestamp_skew`, `auth.nonce_invalid`, `auth.unknown_app`, `auth.signature_invalid`, `auth.nonce_reused`, `auth.session_invalid`, `auth.session_expired`, `auth.session_revoked`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.unsigned_identity",
                            "auth.signature_missing",
                            "auth.timestamp_skew",
                            "auth.nonce_invalid",
                            "auth.unknown_app",
                            "auth.signature_invalid",
                            "auth.nonce_reused",
                            "auth.session_invalid",
                            "auth.session_expired",
                            "auth.session_revoked"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.signature_missing",
                  "title": "Unauthorized",
                  "status": 401,
                  "code": "auth.signature_missing",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          }
        }
      }
    },
    "/v1/balance": {
      "get": {
        "operationId": "getBalance",
        "tags": [
          "Accounts"
        ],
        "summary": "The caller's balance",
        "description": "`{\"account\",\"availableFen\",\"frozenFen\"}` of the calling account.",
        "parameters": [
          {
            "$ref": "#/components/parameters/RequestId"
          }
        ],
        "responses": {
          "200": {
            "description": "The balance.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Balance"
                }
              }
            }
          },
          "401": {
            "description": "Not authenticated (see the security schemes). Codes: `auth.missing`, `auth.signature_missing`, `auth.timestamp_skew`, `auth.nonce_invalid`, `auth.unknown_app`, `auth.signature_invalid`, `auth.nonce_reused`, `auth.unsigned_identity`, `auth.session_invalid`, `auth.session_expired`, `auth.session_revoked`, `auth.session_required`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.missing",
                            "auth.signature_missing",
                            "auth.timestamp_skew",
                            "auth.nonce_invalid",
                            "auth.unknown_app",
                            "auth.signature_invalid",
                            "auth.nonce_reused",
                            "auth.unsigned_identity",
                            "auth.session_invalid",
                            "auth.session_expired",
                            "auth.session_revoked",
                            "auth.session_required"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.missing",
                  "title": "Unauthorized",
                  "status": 401,
                  "code": "auth.missing",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "403": {
            "description": "An operator's session alone is not an account; a merchant session must be the signing account's. Codes: `auth.account_required`, `auth.session_mismatch`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.account_required",
                            "auth.session_mismatch"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.account_required",
                  "title": "Forbidden",
                  "status": 403,
                  "code": "auth.account_required",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "500": {
            "description": "Unexpected failure; whether the request took effect is not known. A retry with the same `Idempotency-Key` gets this answer again for 24 h, never a second effect: look the result up (`GET /v1/orders`, once the ledger has applied it) before trying again with a new key. Codes: `internal.error`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "internal.error"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/internal.error",
                  "title": "Internal Server Error",
                  "status": 500,
                  "code": "internal.error",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "503": {
            "description": "A service the API needs (PostgreSQL, Redis, Kafka) is not answering; retry later. Codes: `service.unavailable`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "service.unavailable"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/service.unavailable",
                  "title": "Service Unavailable",
                  "status": 503,
                  "code": "service.unavailable",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          }
        },
        "security": [
          {
            "signature": []
          }
        ]
      }
    },
    "/v1/orders": {
      "get": {
        "operationId": "listOrders",
        "tags": [
          "Accounts"
        ],
        "summary": "The caller's orders",
        "description": "The caller's orders, newest first.",
        "parameters": [
          {
            "name": "limit",
            "in": "query",
            "required": false,
            "description": "How many orders, 1…100 (default 20); otherwise 400 `request.invalid_limit`.",
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 100,
              "default": 20
            }
          },
          {
            "$ref": "#/components/parameters/RequestId"
          },
          {
            "name": "cursor",
            "in": "query",
            "required": false,
            "description": "The nextCursor of the previous page; absent for the first page.",
            "schema": {
              "type": "string",
              "maxLength": 200
            }
          }
        ],
        "responses": {
          "200": {
            "description": "A page of orders.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/OrderPage"
                }
              }
            }
          },
          "400": {
            "description": "`limit` is not 1…100 or `cursor` is not one this API returned. Codes: `request.invalid_limit`, `request.invalid_cursor`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "request.invalid_limit",
                            "request.invalid_cursor"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/request.invalid_limit",
                  "title": "Bad Request",
                  "status": 400,
                  "code": "request.invalid_limit",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "401": {
            "description": "Not authenticated (see the security schemes). Codes: `auth.missing`, `auth.signature_missing`, `auth.timestamp_skew`, `auth.nonce_invalid`, `auth.unknown_app`, `auth.signature_invalid`, `auth.nonce_reused`, `auth.unsigned_identity`, `auth.session_invalid`, `auth.session_expired`, `auth.session_revoked`, `auth.session_required`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.missing",
                            "auth.signature_missing",
                            "auth.timestamp_skew",
                            "auth.nonce_invalid",
                            "auth.unknown_app",
                            "auth.signature_invalid",
                            "auth.nonce_reused",
                            "auth.unsigned_identity",
                            "auth.session_invalid",
                            "auth.session_expired",
                            "auth.session_revoked",
                            "auth.session_required"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.missing",
                  "title": "Unauthorized",
                  "status": 401,
                  "code": "auth.missing",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "403": {
            "description": "An operator's session alone is not an account; a merchant session must be the signing account's. Codes: `auth.account_required`, `auth.session_mismatch`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.account_required",
                            "auth.session_mismatch"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.account_required",
                  "title": "Forbidden",
                  "status": 403,
                  "code": "auth.account_required",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "500": {
            "description": "Unexpected failure; whether the request took effect is not known. A retry with the same `Idempotency-Key` gets this answer again for 24 h, never a second effect: look the result up (`GET /v1/orders`, once the ledger has applied it) before trying again with a new key. Codes: `internal.error`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "internal.error"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/internal.error",
                  "title": "Internal Server Error",
                  "status": 500,
                  "code": "internal.error",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "503": {
            "description": "A service the API needs (PostgreSQL, Redis, Kafka) is not answering; retry later. Codes: `service.unavailable`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "service.unavailable"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/service.unavailable",
                  "title": "Service Unavailable",
                  "status": 503,
                  "code": "service.unavailable",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          }
        },
        "security": [
          {
            "signature": []
          }
        ]
      }
    },
    "/v1/orders/{orderId}": {
      "get": {
        "operationId": "getOrder",
        "tags": [
          "Accounts"
        ],
        "summary": "One order",
        "description": "The order, for its owner, its counterparty or an operator (with an operator's session). Others get 404.",
        "parameters": [
          {
            "$ref": "#/components/parameters/OrderId"
          },
          {
            "$ref": "#/components/parameters/RequestId"
          }
        ],
        "responses": {
          "200": {
            "description": "The order.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/OrderRecord"
                }
              }
            }
          },
          "401": {
            "description": "Not authenticated (see the security schemes). Codes: `auth.missing`, `auth.admin_required`, `auth.signature_missing`, `auth.timestamp_skew`, `auth.nonce_invalid`, `auth.unknown_app`, `auth.signature_invalid`, `auth.nonce_reused`, `auth.unsigned_identity`, `auth.session_invalid`, `auth.session_expired`, `auth.session_revoked`, `auth.session_required`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.missing",
                            "auth.admin_required",
                            "auth.signature_missing",
                            "auth.timestamp_skew",
                            "auth.nonce_invalid",
                            "auth.unknown_app",
                            "auth.signature_invalid",
                            "auth.nonce_reused",
                            "auth.unsigned_identity",
                            "auth.session_invalid",
                            "auth.session_expired",
                            "auth.session_revoked",
                            "auth.session_required"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.missing",
                  "title": "Unauthorized",
                  "status": 401,
                  "code": "auth.missing",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "404": {
            "description": "No such order for this caller. Codes: `order.not_found`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "order.not_found"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/order.not_found",
                  "title": "Not Found",
                  "status": 404,
                  "code": "order.not_found",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "500": {
            "description": "Unexpected failure; whether the request took effect is not known. A retry with the same `Idempotency-Key` gets this answer again for 24 h, never a second effect: look the result up (`GET /v1/orders`, once the ledger has applied it) before trying again with a new key. Codes: `internal.error`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "internal.error"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/internal.error",
                  "title": "Internal Server Error",
                  "status": 500,
                  "code": "internal.error",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "503": {
            "description": "A service the API needs (PostgreSQL, Redis, Kafka) is not answering; retry later. Codes: `service.unavailable`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "service.unavailable"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/service.unavailable",
                  "title": "Service Unavailable",
                  "status": 503,
                  "code": "service.unavailable",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          }
        },
        "security": [
          {
            "signature": []
          },
          {
            "session": []
          }
        ]
      }
    },
    "/v1/orders/{orderId}/qr.png": {
      "get": {
        "operationId": "getOrderQRCode",
        "tags": [
          "Accounts"
        ],
        "summary": "An order's QR code",
        "description": "The QR code (of `codeUrl`) the payer scans, as a PNG. Same visibility as the order.",
        "parameters": [
          {
            "$ref": "#/components/parameters/OrderId"
          },
          {
            "$ref": "#/components/parameters/RequestId"
          }
        ],
        "responses": {
          "200": {
            "description": "The QR code.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "image/png": {
                "schema": {
                  "type": "string",
                  "contentMediaType": "image/png"
                }
              }
            }
          },
          "401": {
            "description": "Not authenticated (see the security schemes). Codes: `auth.missing`, `auth.admin_required`, `auth.signature_missing`, `auth.timestamp_skew`, `auth.nonce_invalid`, `auth.unknown_app`, `auth.signature_invalid`, `auth.nonce_reused`, `auth.unsigned_identity`, `auth.session_invalid`, `auth.session_expired`, `auth.session_revoked`, `auth.session_required`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.missing",
                            "auth.admin_required",
                            "auth.signature_missing",
                            "auth.timestamp_skew",
                            "auth.nonce_invalid",
                            "auth.unknown_app",
                            "auth.signature_invalid",
                            "auth.nonce_reused",
                            "auth.unsigned_identity",
                            "auth.session_invalid",
                            "auth.session_expired",
                            "auth.session_revoked",
                            "auth.session_required"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.missing",
                  "title": "Unauthorized",
                  "status": 401,
                  "code": "auth.missing",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "404": {
            "description": "No such order for this caller, or it is paid at its `payUrl`. Codes: `order.not_found`, `order.no_qr_code`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "order.not_found",
                            "order.no_qr_code"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/order.not_found",
                  "title": "Not Found",
                  "status": 404,
                  "code": "order.not_found",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "500": {
            "description": "The QR code could not be rendered. Unexpected failure; whether the request took effect is not known. A retry with the same `Idempotency-Key` gets this answer again for 24 h, never a second effect: look the result up (`GET /v1/orders`, once the ledger has applied it) before trying again with a new key. Codes: `qr.render_failed`, `internal.error`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "qr.render_failed",
                            "internal.error"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/qr.render_failed",
                  "title": "Internal Server Error",
                  "status": 500,
                  "code": "qr.render_failed",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "503": {
            "description": "A service the API needs (PostgreSQL, Redis, Kafka) is not answering; retry later. Codes: `service.unavailable`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "service.unavailable"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/service.unavailable",
                  "title": "Service Unavailable",
                  "status": 503,
                  "code": "service.unavailable",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          }
        },
        "security": [
          {
            "signature": []
          },
          {
            "session": []
          }
        ]
      }
    },
    "/v1/recharges": {
      "post": {
        "operationId": "createRecharge",
        "tags": [
          "Payments"
        ],
        "summary": "Recharge a wallet",
        "description": "A user pays into their wallet by WeChat Pay (Native QR) or Alipay (precreate QR, or the cashier page with `mode: page`). 201 with the order (`created`) and its `codeUrl` or `payUrl`; the wallet is credited once the channel's notify is verified and applied (the order then reads `paid`).",
        "parameters": [
          {
            "$ref": "#/components/parameters/IdempotencyKey"
          },
          {
            "$ref": "#/components/parameters/RequestId"
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/RechargeRequest"
              },
              "example": {
                "amountFen": 1000,
                "channel": "wechat",
                "mode": "qr"
              }
            }
          }
        },
        "responses": {
          "201": {
            "description": "The order, status `created`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              },
              "Idempotent-Replayed": {
                "$ref": "#/components/headers/Idempotent-Replayed"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/OrderRecord"
                }
              }
            }
          },
          "400": {
            "description": "The body is not the documented JSON, or the channel or mode is not offered. Malformed `Idempotency-Key`. Codes: `request.invalid_body`, `request.missing_field`, `amount.out_of_range`, `channel.unsupported`, `recharge.mode_unsupported`, `idempotency.invalid_key`, `request.invalid_field`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "request.invalid_body",
                            "request.missing_field",
                            "amount.out_of_range",
                            "channel.unsupported",
                            "recharge.mode_unsupported",
                            "idempotency.invalid_key",
                            "request.invalid_field"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/request.invalid_body",
                  "title": "Bad Request",
                  "status": 400,
                  "code": "request.invalid_body",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "401": {
            "description": "Not authenticated (see the security schemes). Codes: `auth.missing`, `auth.signature_missing`, `auth.timestamp_skew`, `auth.nonce_invalid`, `auth.unknown_app`, `auth.signature_invalid`, `auth.nonce_reused`, `auth.unsigned_identity`, `auth.session_invalid`, `auth.session_expired`, `auth.session_revoked`, `auth.session_required`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.missing",
                            "auth.signature_missing",
                            "auth.timestamp_skew",
                            "auth.nonce_invalid",
                            "auth.unknown_app",
                            "auth.signature_invalid",
                            "auth.nonce_reused",
                            "auth.unsigned_identity",
                            "auth.session_invalid",
                            "auth.session_expired",
                            "auth.session_revoked",
                            "auth.session_required"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.missing",
                  "title": "Unauthorized",
                  "status": 401,
                  "code": "auth.missing",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "403": {
            "description": "Only users recharge. Codes: `recharge.users_only`, `auth.account_required`, `auth.session_mismatch`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "recharge.users_only",
                            "auth.account_required",
                            "auth.session_mismatch"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/recharge.users_only",
                  "title": "Forbidden",
                  "status": 403,
                  "code": "recharge.users_only",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "409": {
            "description": "A request with the same `Idempotency-Key` is still running. Codes: `idempotency.in_progress`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "idempotency.in_progress"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/idempotency.in_progress",
                  "title": "Conflict",
                  "status": 409,
                  "code": "idempotency.in_progress",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "422": {
            "description": "The `Idempotency-Key` was used for a different request. Codes: `idempotency.key_reused`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "idempotency.key_reused"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/idempotency.key_reused",
                  "title": "Unprocessable Content",
                  "status": 422,
                  "code": "idempotency.key_reused",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "500": {
            "description": "Unexpected failure; whether the request took effect is not known. A retry with the same `Idempotency-Key` gets this answer again for 24 h, never a second effect: look the result up (`GET /v1/orders`, once the ledger has applied it) before trying again with a new key. A first request with the key that never answered (its process stopped) gets `idempotency.outcome_unknown` from five minutes on, with the same meaning. Codes: `internal.error`, `idempotency.outcome_unknown`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "internal.error",
                            "idempotency.outcome_unknown"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/internal.error",
                  "title": "Internal Server Error",
                  "status": 500,
                  "code": "internal.error",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "502": {
            "description": "The channel did not create the order. Codes: `channel.unavailable`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "channel.unavailable"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/channel.unavailable",
                  "title": "Bad Gateway",
                  "status": 502,
                  "code": "channel.unavailable",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "503": {
            "description": "A service the API needs (PostgreSQL, Redis, Kafka) is not answering; retry later. Codes: `service.unavailable`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "service.unavailable"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/service.unavailable",
                  "title": "Service Unavailable",
                  "status": 503,
                  "code": "service.unavailable",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          }
        },
        "security": [
          {
            "signature": []
          }
        ]
      }
    },
    "/v1/collect-codes": {
      "post": {
        "operationId": "createCollectCode",
        "tags": [
          "Collections"
        ],
        "summary": "Create a static collection code",
        "description": "A merchant's permanent code; its QR (`GET /v1/collect-codes/{codeId}/qr.png`) encodes the payer's page `/v1/collect/{codeId}`.",
        "parameters": [
          {
            "$ref": "#/components/parameters/IdempotencyKey"
          },
          {
            "$ref": "#/components/parameters/RequestId"
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/CollectCodeRequest"
              },
              "example": {
                "description": "Noodle shop",
                "amountFen": 2800
              }
            }
          }
        },
        "responses": {
          "201": {
            "description": "The code.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              },
              "Idempotent-Replayed": {
                "$ref": "#/components/headers/Idempotent-Replayed"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/CollectCodeView"
                }
              }
            }
          },
          "400": {
            "description": "The body is not the documented JSON, or `description` is not 1…127 characters. Malformed `Idempotency-Key`. Codes: `request.invalid_body`, `request.missing_field`, `amount.out_of_range`, `request.invalid_field`, `idempotency.invalid_key`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "request.invalid_body",
                            "request.missing_field",
                            "amount.out_of_range",
                            "request.invalid_field",
                            "idempotency.invalid_key"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/request.invalid_body",
                  "title": "Bad Request",
                  "status": 400,
                  "code": "request.invalid_body",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "401": {
            "description": "Not authenticated (see the security schemes). Codes: `auth.missing`, `auth.signature_missing`, `auth.timestamp_skew`, `auth.nonce_invalid`, `auth.unknown_app`, `auth.signature_invalid`, `auth.nonce_reused`, `auth.unsigned_identity`, `auth.session_invalid`, `auth.session_expired`, `auth.session_revoked`, `auth.session_required`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.missing",
                            "auth.signature_missing",
                            "auth.timestamp_skew",
                            "auth.nonce_invalid",
                            "auth.unknown_app",
                            "auth.signature_invalid",
                            "auth.nonce_reused",
                            "auth.unsigned_identity",
                            "auth.session_invalid",
                            "auth.session_expired",
                            "auth.session_revoked",
                            "auth.session_required"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.missing",
                  "title": "Unauthorized",
                  "status": 401,
                  "code": "auth.missing",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "403": {
            "description": "Only merchants collect. Codes: `collect.merchants_only`, `auth.session_mismatch`, `auth.account_required`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "collect.merchants_only",
                            "auth.session_mismatch",
                            "auth.account_required"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/collect.merchants_only",
                  "title": "Forbidden",
                  "status": 403,
                  "code": "collect.merchants_only",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "409": {
            "description": "A request with the same `Idempotency-Key` is still running. Codes: `idempotency.in_progress`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "idempotency.in_progress"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/idempotency.in_progress",
                  "title": "Conflict",
                  "status": 409,
                  "code": "idempotency.in_progress",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "422": {
            "description": "The `Idempotency-Key` was used for a different request. Codes: `idempotency.key_reused`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "idempotency.key_reused"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/idempotency.key_reused",
                  "title": "Unprocessable Content",
                  "status": 422,
                  "code": "idempotency.key_reused",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "500": {
            "description": "Unexpected failure; whether the request took effect is not known. A retry with the same `Idempotency-Key` gets this answer again for 24 h, never a second effect: look the result up (`GET /v1/orders`, once the ledger has applied it) before trying again with a new key. A first request with the key that never answered (its process stopped) gets `idempotency.outcome_unknown` from five minutes on, with the same meaning. Codes: `internal.error`, `idempotency.outcome_unknown`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "internal.error",
                            "idempotency.outcome_unknown"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/internal.error",
                  "title": "Internal Server Error",
                  "status": 500,
                  "code": "internal.error",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "503": {
            "description": "A service the API needs (PostgreSQL, Redis, Kafka) is not answering; retry later. Codes: `service.unavailable`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "service.unavailable"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/service.unavailable",
                  "title": "Service Unavailable",
                  "status": 503,
                  "code": "service.unavailable",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          }
        },
        "security": [
          {
            "signature": [],
            "session": []
          }
        ]
      }
    },
    "/v1/collect-codes/{codeId}": {
      "get": {
        "operationId": "getCollectCode",
        "tags": [
          "Collections"
        ],
        "summary": "A collection code",
        "description": "The code, its payer page and QR path. No identity needed.",
        "parameters": [
          {
            "$ref": "#/components/parameters/CodeId"
          },
          {
            "$ref": "#/components/parameters/RequestId"
          }
        ],
        "responses": {
          "200": {
            "description": "The code.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/CollectCodeView"
                }
              }
            }
          },
          "401": {
            "description": "This operation needs no identity, but a request that presents credentials must present valid ones: partial or invalid signature headers, or an invalid session, are refused. Codes: `auth.unsigned_identity`, `auth.signature_missing`, `auth.timestamp_skew`, `auth.nonce_invalid`, `auth.unknown_app`, `auth.signature_invalid`, `auth.nonce_reused`, `auth.session_invalid`, `auth.session_expired`, `auth.session_revoked`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.unsigned_identity",
                            "auth.signature_missing",
                            "auth.timestamp_skew",
                            "auth.nonce_invalid",
                            "auth.unknown_app",
                            "auth.signature_invalid",
                            "auth.nonce_reused",
                            "auth.session_invalid",
                            "auth.session_expired",
                            "auth.session_revoked"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.signature_missing",
                  "title": "Unauthorized",
                  "status": 401,
                  "code": "auth.signature_missing",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "404": {
            "description": "No such code. Codes: `collect.code_not_found`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "collect.code_not_found"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/collect.code_not_found",
                  "title": "Not Found",
                  "status": 404,
                  "code": "collect.code_not_found",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "500": {
            "description": "Unexpected failure; whether the request took effect is not known. A retry with the same `Idempotency-Key` gets this answer again for 24 h, never a second effect: look the result up (`GET /v1/orders`, once the ledger has applied it) before trying again with a new key. Codes: `internal.error`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "internal.error"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/internal.error",
                  "title": "Internal Server Error",
                  "status": 500,
                  "code": "internal.error",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "503": {
            "description": "A service the API needs (PostgreSQL, Redis, Kafka) is not answering; retry later. Codes: `service.unavailable`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "service.unavailable"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/service.unavailable",
                  "title": "Service Unavailable",
                  "status": 503,
                  "code": "service.unavailable",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          }
        }
      },
      "delete": {
        "operationId": "disableCollectCode",
        "tags": [
          "Collections"
        ],
        "summary": "Disable a collection code",
        "description": "The merchant disables its code (a leaked or tampered print, a till closed): from then on the payer's route answers 410 `collect.code_disabled`. The code is kept (orders name it); disabling it again changes nothing.",
        "parameters": [
          {
            "name": "codeId",
            "in": "path",
            "required": true,
            "description": "The code (`QR…`).",
            "schema": {
              "type": "string"
            }
          },
          {
            "$ref": "#/components/parameters/RequestId"
          }
        ],
        "security": [
          {
            "signature": []
          }
        ],
        "responses": {
          "204": {
            "description": "Disabled.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            }
          },
          "401": {
            "description": "Not authenticated (see the security schemes). Codes: `auth.missing`, `auth.signature_missing`, `auth.timestamp_skew`, `auth.nonce_invalid`, `auth.unknown_app`, `auth.signature_invalid`, `auth.nonce_reused`, `auth.unsigned_identity`, `auth.session_invalid`, `auth.session_expired`, `auth.session_revoked`, `auth.session_required`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.missing",
                            "auth.signature_missing",
                            "auth.timestamp_skew",
                            "auth.nonce_invalid",
                            "auth.unknown_app",
                            "auth.signature_invalid",
                            "auth.nonce_reused",
                            "auth.unsigned_identity",
                            "auth.session_invalid",
                            "auth.session_expired",
                            "auth.session_revoked",
                            "auth.session_required"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.missing",
                  "title": "Unauthorized",
                  "status": 401,
                  "code": "auth.missing",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "403": {
            "description": "An operator's session is not an account; a merchant's session must be the signing merchant's. Codes: `auth.account_required`, `auth.session_mismatch`, `collect.merchants_only`. Only merchants have codes: `collect.merchants_only`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.account_required",
                            "auth.session_mismatch",
                            "collect.merchants_only"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.account_required",
                  "title": "Forbidden",
                  "status": 403,
                  "code": "auth.account_required",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "404": {
            "description": "The merchant has no code with this id. Codes: `collect.code_not_found`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "collect.code_not_found"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/collect.code_not_found",
                  "title": "Not Found",
                  "status": 404,
                  "code": "collect.code_not_found",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "500": {
            "description": "Unexpected failure; whether the request took effect is not known. A retry with the same `Idempotency-Key` gets this answer again for 24 h, never a second effect: look the result up (`GET /v1/orders`, once the ledger has applied it) before trying again with a new key. Codes: `internal.error`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "internal.error"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/internal.error",
                  "title": "Internal Server Error",
                  "status": 500,
                  "code": "internal.error",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "503": {
            "description": "A service the API needs (PostgreSQL, Redis, Kafka) is not answering; retry later. Codes: `service.unavailable`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "service.unavailable"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/service.unavailable",
                  "title": "Service Unavailable",
                  "status": 503,
                  "code": "service.unavailable",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          }
        }
      }
    },
    "/v1/collect-codes/{codeId}/qr.png": {
      "get": {
        "operationId": "getCollectCodeQRCode",
        "tags": [
          "Collections"
        ],
        "summary": "A collection code's QR image",
        "description": "A PNG QR code encoding the payer's page. No identity needed.",
        "parameters": [
          {
            "$ref": "#/components/parameters/CodeId"
          },
          {
            "$ref": "#/components/parameters/RequestId"
          }
        ],
        "responses": {
          "200": {
            "description": "The QR code.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "image/png": {
                "schema": {
                  "type": "string",
                  "contentMediaType": "image/png"
                }
              }
            }
          },
          "401": {
            "description": "This operation needs no identity, but a request that presents credentials must present valid ones: partial or invalid signature headers, or an invalid session, are refused. Codes: `auth.unsigned_identity`, `auth.signature_missing`, `auth.timestamp_skew`, `auth.nonce_invalid`, `auth.unknown_app`, `auth.signature_invalid`, `auth.nonce_reused`, `auth.session_invalid`, `auth.session_expired`, `auth.session_revoked`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.unsigned_identity",
                            "auth.signature_missing",
                            "auth.timestamp_skew",
                            "auth.nonce_invalid",
                            "auth.unknown_app",
                            "auth.signature_invalid",
                            "auth.nonce_reused",
                            "auth.session_invalid",
                            "auth.session_expired",
                            "auth.session_revoked"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.signature_missing",
                  "title": "Unauthorized",
                  "status": 401,
                  "code": "auth.signature_missing",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "404": {
            "description": "No such code. Codes: `collect.code_not_found`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "collect.code_not_found"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/collect.code_not_found",
                  "title": "Not Found",
                  "status": 404,
                  "code": "collect.code_not_found",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "500": {
            "description": "The QR code could not be rendered. Unexpected failure; whether the request took effect is not known. A retry with the same `Idempotency-Key` gets this answer again for 24 h, never a second effect: look the result up (`GET /v1/orders`, once the ledger has applied it) before trying again with a new key. Codes: `qr.render_failed`, `internal.error`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "qr.render_failed",
                            "internal.error"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/qr.render_failed",
                  "title": "Internal Server Error",
                  "status": 500,
                  "code": "qr.render_failed",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "503": {
            "description": "A service the API needs (PostgreSQL, Redis, Kafka) is not answering; retry later. Codes: `service.unavailable`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "service.unavailable"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/service.unavailable",
                  "title": "Service Unavailable",
                  "status": 503,
                  "code": "service.unavailable",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          }
        }
      }
    },
    "/v1/collect/{codeId}": {
      "post": {
        "operationId": "payCollectCode",
        "tags": [
          "Collections"
        ],
        "summary": "Pay a collection code",
        "description": "Called by the payer's page (the payer has no account): creates a collection order for the code's merchant and answers the channel's `codeUrl`. At most 60 orders a minute per code: each costs a channel order, and the route is public.",
        "parameters": [
          {
            "$ref": "#/components/parameters/CodeId"
          },
          {
            "$ref": "#/components/parameters/IdempotencyKey"
          },
          {
            "$ref": "#/components/parameters/RequestId"
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/CollectPayRequest"
              },
              "example": {
                "channel": "alipay",
                "amountFen": 1500
              }
            }
          }
        },
        "responses": {
          "201": {
            "description": "The collection order, status `created`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              },
              "Idempotent-Replayed": {
                "$ref": "#/components/headers/Idempotent-Replayed"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/OrderRecord"
                }
              }
            }
          },
          "400": {
            "description": "The body is not the documented JSON. Malformed `Idempotency-Key`. Codes: `request.invalid_body`, `request.missing_field`, `amount.out_of_range`, `channel.unsupported`, `idempotency.invalid_key`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "request.invalid_body",
                            "request.missing_field",
                            "amount.out_of_range",
                            "channel.unsupported",
                            "idempotency.invalid_key"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/request.invalid_body",
                  "title": "Bad Request",
                  "status": 400,
                  "code": "request.invalid_body",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "401": {
            "description": "This operation needs no identity, but a request that presents credentials must present valid ones: partial or invalid signature headers, or an invalid session, are refused. Codes: `auth.unsigned_identity`, `auth.signature_missing`, `auth.timestamp_skew`, `auth.nonce_invalid`, `auth.unknown_app`, `auth.signature_invalid`, `auth.nonce_reused`, `auth.session_invalid`, `auth.session_expired`, `auth.session_revoked`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.unsigned_identity",
                            "auth.signature_missing",
                            "auth.timestamp_skew",
                            "auth.nonce_invalid",
                            "auth.unknown_app",
                            "auth.signature_invalid",
                            "auth.nonce_reused",
                            "auth.session_invalid",
                            "auth.session_expired",
                            "auth.session_revoked"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.signature_missing",
                  "title": "Unauthorized",
                  "status": 401,
                  "code": "auth.signature_missing",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "404": {
            "description": "No such code. Codes: `collect.code_not_found`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "collect.code_not_found"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/collect.code_not_found",
                  "title": "Not Found",
                  "status": 404,
                  "code": "collect.code_not_found",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "409": {
            "description": "A request with the same `Idempotency-Key` is still running. Codes: `idempotency.in_progress`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "idempotency.in_progress"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/idempotency.in_progress",
                  "title": "Conflict",
                  "status": 409,
                  "code": "idempotency.in_progress",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "410": {
            "description": "Its merchant disabled this code. Codes: `collect.code_disabled`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "collect.code_disabled"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/collect.code_disabled",
                  "title": "Gone",
                  "status": 410,
                  "code": "collect.code_disabled",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "422": {
            "description": "The code fixes a different amount. The `Idempotency-Key` was used for a different request. Codes: `collect.amount_fixed`, `idempotency.key_reused`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "collect.amount_fixed",
                            "idempotency.key_reused"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/collect.amount_fixed",
                  "title": "Unprocessable Content",
                  "status": 422,
                  "code": "collect.amount_fixed",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "429": {
            "description": "This code started 60 payments within the current minute; `Retry-After` says when the minute ends. Codes: `collect.rate_limited`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              },
              "Retry-After": {
                "description": "Seconds until the window ends.",
                "schema": {
                  "type": "string"
                }
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "collect.rate_limited"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/collect.rate_limited",
                  "title": "Too Many Requests",
                  "status": 429,
                  "code": "collect.rate_limited",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "500": {
            "description": "The code names no merchant. Unexpected failure; whether the request took effect is not known. A retry with the same `Idempotency-Key` gets this answer again for 24 h, never a second effect: look the result up (`GET /v1/orders`, once the ledger has applied it) before trying again with a new key. A first request with the key that never answered (its process stopped) gets `idempotency.outcome_unknown` from five minutes on, with the same meaning. Codes: `store.corrupt`, `internal.error`, `idempotency.outcome_unknown`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "store.corrupt",
                            "internal.error",
                            "idempotency.outcome_unknown"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/store.corrupt",
                  "title": "Internal Server Error",
                  "status": 500,
                  "code": "store.corrupt",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "502": {
            "description": "The channel did not create the order. Codes: `channel.unavailable`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "channel.unavailable"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/channel.unavailable",
                  "title": "Bad Gateway",
                  "status": 502,
                  "code": "channel.unavailable",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "503": {
            "description": "A service the API needs (PostgreSQL, Redis, Kafka) is not answering; retry later. Codes: `service.unavailable`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "service.unavailable"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/service.unavailable",
                  "title": "Service Unavailable",
                  "status": 503,
                  "code": "service.unavailable",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          }
        }
      }
    },
    "/v1/collections": {
      "post": {
        "operationId": "createCollection",
        "tags": [
          "Collections"
        ],
        "summary": "Create a dynamic collection order",
        "description": "A merchant's one-off order for a fixed amount, with the channel's `codeUrl` (show `GET /v1/orders/{orderId}/qr.png` to the payer). The merchant's available balance rises once the notify is applied.",
        "parameters": [
          {
            "$ref": "#/components/parameters/IdempotencyKey"
          },
          {
            "$ref": "#/components/parameters/RequestId"
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/CollectionRequest"
              },
              "example": {
                "amountFen": 4200,
                "channel": "wechat",
                "description": "Table 7"
              }
            }
          }
        },
        "responses": {
          "201": {
            "description": "The collection order, status `created`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              },
              "Idempotent-Replayed": {
                "$ref": "#/components/headers/Idempotent-Replayed"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/OrderRecord"
                }
              }
            }
          },
          "400": {
            "description": "The body is not the documented JSON. Malformed `Idempotency-Key`. Codes: `request.invalid_body`, `request.missing_field`, `amount.out_of_range`, `channel.unsupported`, `idempotency.invalid_key`, `request.invalid_field`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "request.invalid_body",
                            "request.missing_field",
                            "amount.out_of_range",
                            "channel.unsupported",
                            "idempotency.invalid_key",
                            "request.invalid_field"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/request.invalid_body",
                  "title": "Bad Request",
                  "status": 400,
                  "code": "request.invalid_body",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "401": {
            "description": "Not authenticated (see the security schemes). Codes: `auth.missing`, `auth.signature_missing`, `auth.timestamp_skew`, `auth.nonce_invalid`, `auth.unknown_app`, `auth.signature_invalid`, `auth.nonce_reused`, `auth.unsigned_identity`, `auth.session_invalid`, `auth.session_expired`, `auth.session_revoked`, `auth.session_required`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.missing",
                            "auth.signature_missing",
                            "auth.timestamp_skew",
                            "auth.nonce_invalid",
                            "auth.unknown_app",
                            "auth.signature_invalid",
                            "auth.nonce_reused",
                            "auth.unsigned_identity",
                            "auth.session_invalid",
                            "auth.session_expired",
                            "auth.session_revoked",
                            "auth.session_required"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.missing",
                  "title": "Unauthorized",
                  "status": 401,
                  "code": "auth.missing",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "403": {
            "description": "Only merchants collect. Codes: `collect.merchants_only`, `auth.session_mismatch`, `auth.account_required`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "collect.merchants_only",
                            "auth.session_mismatch",
                            "auth.account_required"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/collect.merchants_only",
                  "title": "Forbidden",
                  "status": 403,
                  "code": "collect.merchants_only",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "409": {
            "description": "A request with the same `Idempotency-Key` is still running. Codes: `idempotency.in_progress`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "idempotency.in_progress"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/idempotency.in_progress",
                  "title": "Conflict",
                  "status": 409,
                  "code": "idempotency.in_progress",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "422": {
            "description": "The `Idempotency-Key` was used for a different request. Codes: `idempotency.key_reused`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "idempotency.key_reused"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/idempotency.key_reused",
                  "title": "Unprocessable Content",
                  "status": 422,
                  "code": "idempotency.key_reused",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "500": {
            "description": "Unexpected failure; whether the request took effect is not known. A retry with the same `Idempotency-Key` gets this answer again for 24 h, never a second effect: look the result up (`GET /v1/orders`, once the ledger has applied it) before trying again with a new key. A first request with the key that never answered (its process stopped) gets `idempotency.outcome_unknown` from five minutes on, with the same meaning. Codes: `internal.error`, `idempotency.outcome_unknown`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "internal.error",
                            "idempotency.outcome_unknown"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/internal.error",
                  "title": "Internal Server Error",
                  "status": 500,
                  "code": "internal.error",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "502": {
            "description": "The channel did not create the order. Codes: `channel.unavailable`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "channel.unavailable"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/channel.unavailable",
                  "title": "Bad Gateway",
                  "status": 502,
                  "code": "channel.unavailable",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "503": {
            "description": "A service the API needs (PostgreSQL, Redis, Kafka) is not answering; retry later. Codes: `service.unavailable`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "service.unavailable"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/service.unavailable",
                  "title": "Service Unavailable",
                  "status": 503,
                  "code": "service.unavailable",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          }
        },
        "security": [
          {
            "signature": [],
            "session": []
          }
        ]
      }
    },
    "/v1/withdrawals": {
      "post": {
        "operationId": "requestWithdrawal",
        "tags": [
          "Withdrawals"
        ],
        "summary": "Request a withdrawal",
        "description": "Balance pre-check, then the risk rules (every decision recorded), then the request; 202 and the worker freezes the amount (`requested`), for back-office review. A Bill99 withdrawal pays to a card the caller bound (`POST /v1/cards`); another account's card, an unbound or a removed one is 404 `card.not_found`. Needs a one-time token (`X-Paystream-Token`).",
        "parameters": [
          {
            "$ref": "#/components/parameters/OneTimeToken"
          },
          {
            "$ref": "#/components/parameters/IdempotencyKey"
          },
          {
            "$ref": "#/components/parameters/RequestId"
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/WithdrawalRequest"
              },
              "example": {
                "amountFen": 50000,
                "channel": "bill99",
                "cardId": "BC7GQ2M9XK4TBC3VHPQ2M9"
              }
            }
          },
          "description": "`cardId` (a bound card) for `bill99`, `openId` for `wechat` (e.g. `{\"amountFen\":50000,\"channel\":\"wechat\",\"openId\":\"o-abc\"}`)."
        },
        "responses": {
          "202": {
            "description": "The withdrawal, status `pending` until the worker froze it.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              },
              "Idempotent-Replayed": {
                "$ref": "#/components/headers/Idempotent-Replayed"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/WithdrawalRecord"
                }
              }
            }
          },
          "400": {
            "description": "The body is not the documented JSON, no card was named, the openId is not one WeChat takes, or the channel pays no withdrawals. Malformed `Idempotency-Key`. Codes: `request.invalid_body`, `request.missing_field`, `request.invalid_field`, `amount.out_of_range`, `withdraw.channel_unsupported`, `idempotency.invalid_key`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "request.invalid_body",
                            "request.missing_field",
                            "request.invalid_field",
                            "amount.out_of_range",
                            "withdraw.channel_unsupported",
                            "idempotency.invalid_key"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/request.invalid_body",
                  "title": "Bad Request",
                  "status": 400,
                  "code": "request.invalid_body",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "401": {
            "description": "Not authenticated (see the security schemes). Codes: `auth.missing`, `auth.signature_missing`, `auth.timestamp_skew`, `auth.nonce_invalid`, `auth.unknown_app`, `auth.signature_invalid`, `auth.nonce_reused`, `auth.unsigned_identity`, `auth.session_invalid`, `auth.session_expired`, `auth.session_revoked`, `auth.session_required`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.missing",
                            "auth.signature_missing",
                            "auth.timestamp_skew",
                            "auth.nonce_invalid",
                            "auth.unknown_app",
                            "auth.signature_invalid",
                            "auth.nonce_reused",
                            "auth.unsigned_identity",
                            "auth.session_invalid",
                            "auth.session_expired",
                            "auth.session_revoked",
                            "auth.session_required"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.missing",
                  "title": "Unauthorized",
                  "status": 401,
                  "code": "auth.missing",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "403": {
            "description": "Refused by a risk rule: the code is `risk.<rule id>` (rules in `deploy/risk/rules.yaml`). Codes: `risk.withdraw.daily_count`, `risk.withdraw.daily_amount`, `risk.withdraw.merchant_daily_count`, `risk.withdraw.merchant_daily_amount`, `risk.refused`; `risk.unlimited` when no rule of the file counts withdrawals of the caller's kind of account (refused rather than unlimited). A one-time token that is unknown, expired or another account's: `token.invalid`. An `openId` that is not a WeChat account bound to the caller (`POST /v1/wechat-accounts`): `withdraw.wechat_not_bound`. A card that is not in the name of the account's holder (bound before holders were kept): `withdraw.card_not_holders`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "pattern": "^((risk|auth|token)\\.|withdraw\\.wechat_not_bound$|withdraw\\.card_not_holders$)",
                          "examples": [
                            "risk.withdraw.daily_count",
                            "risk.withdraw.daily_amount",
                            "risk.withdraw.merchant_daily_count",
                            "risk.withdraw.merchant_daily_amount",
                            "risk.refused",
                            "risk.unlimited",
                            "auth.account_required",
                            "auth.session_mismatch",
                            "token.invalid",
                            "withdraw.wechat_not_bound",
                            "withdraw.card_not_holders"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/risk.withdraw.daily_count",
                  "title": "Forbidden",
                  "status": 403,
                  "code": "risk.withdraw.daily_count",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "404": {
            "description": "The `cardId` is not a bound card of the caller. Codes: `card.not_found`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "card.not_found"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/card.not_found",
                  "title": "Not Found",
                  "status": 404,
                  "code": "card.not_found",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "409": {
            "description": "The available balance is less than the amount, or a WeChat withdrawal of 2,000.00 CNY or more is asked by an account with no holder's name (no bank card bound yet). A request with the same `Idempotency-Key` is still running. Codes: `balance.insufficient_available`, `withdraw.payee_name_required`, `withdraw.payee_name_unsupported` (the holder's name is longer than WeChat Pay's 60 characters), `idempotency.in_progress`. A spent one-time token: `token.reused`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "balance.insufficient_available",
                            "withdraw.payee_name_required",
                            "withdraw.payee_name_unsupported",
                            "idempotency.in_progress",
                            "token.reused"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/balance.insufficient_available",
                  "title": "Conflict",
                  "status": 409,
                  "code": "balance.insufficient_available",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "422": {
            "description": "The `Idempotency-Key` was used for a different request. Codes: `idempotency.key_reused`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "idempotency.key_reused"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/idempotency.key_reused",
                  "title": "Unprocessable Content",
                  "status": 422,
                  "code": "idempotency.key_reused",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "428": {
            "description": "No one-time token in `X-Paystream-Token`. Code: `token.required`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "token.required"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/token.required",
                  "title": "Precondition Required",
                  "status": 428,
                  "code": "token.required",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "500": {
            "description": "Unexpected failure; whether the request took effect is not known. A retry with the same `Idempotency-Key` gets this answer again for 24 h, never a second effect: look the result up (`GET /v1/orders`, once the ledger has applied it) before trying again with a new key. A first request with the key that never answered (its process stopped) gets `idempotency.outcome_unknown` from five minutes on, with the same meaning. Codes: `internal.error`, `idempotency.outcome_unknown`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "internal.error",
                            "idempotency.outcome_unknown"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/internal.error",
                  "title": "Internal Server Error",
                  "status": 500,
                  "code": "internal.error",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "503": {
            "description": "A service the API needs (PostgreSQL, Redis, Kafka) is not answering; retry later. Codes: `service.unavailable`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "service.unavailable"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/service.unavailable",
                  "title": "Service Unavailable",
                  "status": 503,
                  "code": "service.unavailable",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          }
        },
        "security": [
          {
            "signature": []
          }
        ]
      }
    },
    "/v1/withdrawals/{orderId}": {
      "get": {
        "operationId": "getWithdrawal",
        "tags": [
          "Withdrawals"
        ],
        "summary": "One withdrawal",
        "description": "Its status, review, payout state and masked destination, for its owner or an operator.",
        "parameters": [
          {
            "$ref": "#/components/parameters/OrderId"
          },
          {
            "$ref": "#/components/parameters/RequestId"
          }
        ],
        "responses": {
          "200": {
            "description": "The withdrawal.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/WithdrawalRecord"
                }
              }
            }
          },
          "401": {
            "description": "Not authenticated (see the security schemes). Codes: `auth.missing`, `auth.admin_required`, `auth.signature_missing`, `auth.timestamp_skew`, `auth.nonce_invalid`, `auth.unknown_app`, `auth.signature_invalid`, `auth.nonce_reused`, `auth.unsigned_identity`, `auth.session_invalid`, `auth.session_expired`, `auth.session_revoked`, `auth.session_required`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.missing",
                            "auth.admin_required",
                            "auth.signature_missing",
                            "auth.timestamp_skew",
                            "auth.nonce_invalid",
                            "auth.unknown_app",
                            "auth.signature_invalid",
                            "auth.nonce_reused",
                            "auth.unsigned_identity",
                            "auth.session_invalid",
                            "auth.session_expired",
                            "auth.session_revoked",
                            "auth.session_required"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.missing",
                  "title": "Unauthorized",
                  "status": 401,
                  "code": "auth.missing",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "404": {
            "description": "No such withdrawal for this caller. Codes: `withdraw.not_found`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "withdraw.not_found"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/withdraw.not_found",
                  "title": "Not Found",
                  "status": 404,
                  "code": "withdraw.not_found",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "500": {
            "description": "Unexpected failure; whether the request took effect is not known. A retry with the same `Idempotency-Key` gets this answer again for 24 h, never a second effect: look the result up (`GET /v1/orders`, once the ledger has applied it) before trying again with a new key. Codes: `internal.error`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "internal.error"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/internal.error",
                  "title": "Internal Server Error",
                  "status": 500,
                  "code": "internal.error",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "503": {
            "description": "A service the API needs (PostgreSQL, Redis, Kafka) is not answering; retry later. Codes: `service.unavailable`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "service.unavailable"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/service.unavailable",
                  "title": "Service Unavailable",
                  "status": 503,
                  "code": "service.unavailable",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          }
        },
        "security": [
          {
            "signature": []
          },
          {
            "session": []
          }
        ]
      }
    },
    "/v1/admin/withdrawals": {
      "get": {
        "operationId": "listWithdrawalsForReview",
        "tags": [
          "Back office"
        ],
        "summary": "The withdrawal review queue",
        "description": "Withdrawals in a status (at most 100), for operators.",
        "parameters": [
          {
            "name": "status",
            "in": "query",
            "required": false,
            "description": "The ledger status to list (default `requested`: the review queue); another value is 400 `request.invalid_field`.",
            "schema": {
              "type": "string",
              "default": "requested",
              "enum": [
                "pending",
                "requested",
                "approved",
                "paidOut",
                "invalid"
              ]
            }
          },
          {
            "$ref": "#/components/parameters/RequestId"
          },
          {
            "name": "cursor",
            "in": "query",
            "required": false,
            "description": "The nextCursor of the previous page; absent for the first page.",
            "schema": {
              "type": "string",
              "maxLength": 200
            }
          },
          {
            "name": "limit",
            "in": "query",
            "required": false,
            "description": "Items per page, 1...100 (default 50).",
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 100,
              "default": 50
            }
          }
        ],
        "responses": {
          "200": {
            "description": "The withdrawals.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/WithdrawalPage"
                }
              }
            }
          },
          "400": {
            "description": "`limit` is not 1…100 or `cursor` is not one this API returned. Codes: `request.invalid_limit`, `request.invalid_cursor`, `request.invalid_field`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "request.invalid_limit",
                            "request.invalid_cursor",
                            "request.invalid_field"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/request.invalid_limit",
                  "title": "Bad Request",
                  "status": 400,
                  "code": "request.invalid_limit",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "401": {
            "description": "Not authenticated, or credentials were presented and are not valid (see the security schemes). Codes: `auth.admin_required`, `auth.session_invalid`, `auth.session_expired`, `auth.session_revoked`, `auth.unsigned_identity`, `auth.signature_missing`, `auth.timestamp_skew`, `auth.nonce_invalid`, `auth.unknown_app`, `auth.signature_invalid`, `auth.nonce_reused`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.admin_required",
                            "auth.session_invalid",
                            "auth.session_expired",
                            "auth.session_revoked",
                            "auth.unsigned_identity",
                            "auth.signature_missing",
                            "auth.timestamp_skew",
                            "auth.nonce_invalid",
                            "auth.unknown_app",
                            "auth.signature_invalid",
                            "auth.nonce_reused"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.admin_required",
                  "title": "Unauthorized",
                  "status": 401,
                  "code": "auth.admin_required",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "403": {
            "description": "A user's or merchant's identity on a back-office route. Codes: `auth.admin_required`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.admin_required"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.admin_required",
                  "title": "Forbidden",
                  "status": 403,
                  "code": "auth.admin_required",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "500": {
            "description": "Unexpected failure; whether the request took effect is not known. A retry with the same `Idempotency-Key` gets this answer again for 24 h, never a second effect: look the result up (`GET /v1/orders`, once the ledger has applied it) before trying again with a new key. Codes: `internal.error`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "internal.error"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/internal.error",
                  "title": "Internal Server Error",
                  "status": 500,
                  "code": "internal.error",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "503": {
            "description": "A service the API needs (PostgreSQL, Redis, Kafka) is not answering; retry later. Codes: `service.unavailable`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "service.unavailable"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/service.unavailable",
                  "title": "Service Unavailable",
                  "status": 503,
                  "code": "service.unavailable",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          }
        },
        "security": [
          {
            "session": []
          }
        ]
      }
    },
    "/v1/admin/withdrawals/{orderId}/approve": {
      "post": {
        "operationId": "approveWithdrawal",
        "tags": [
          "Back office"
        ],
        "summary": "Approve a withdrawal",
        "description": "Only a `requested` withdrawal, once. 202; the payout dispatcher then pays it out (`paidOut`) or it fails (`invalid`, unfrozen). No body.",
        "parameters": [
          {
            "$ref": "#/components/parameters/OrderId"
          },
          {
            "$ref": "#/components/parameters/IdempotencyKey"
          },
          {
            "$ref": "#/components/parameters/RequestId"
          }
        ],
        "responses": {
          "202": {
            "description": "The withdrawal.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              },
              "Idempotent-Replayed": {
                "$ref": "#/components/headers/Idempotent-Replayed"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/WithdrawalRecord"
                }
              }
            }
          },
          "400": {
            "description": "Malformed `Idempotency-Key`. Codes: `idempotency.invalid_key`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "idempotency.invalid_key"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/idempotency.invalid_key",
                  "title": "Bad Request",
                  "status": 400,
                  "code": "idempotency.invalid_key",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "401": {
            "description": "Not authenticated, or credentials were presented and are not valid (see the security schemes). Codes: `auth.admin_required`, `auth.session_invalid`, `auth.session_expired`, `auth.session_revoked`, `auth.unsigned_identity`, `auth.signature_missing`, `auth.timestamp_skew`, `auth.nonce_invalid`, `auth.unknown_app`, `auth.signature_invalid`, `auth.nonce_reused`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.admin_required",
                            "auth.session_invalid",
                            "auth.session_expired",
                            "auth.session_revoked",
                            "auth.unsigned_identity",
                            "auth.signature_missing",
                            "auth.timestamp_skew",
                            "auth.nonce_invalid",
                            "auth.unknown_app",
                            "auth.signature_invalid",
                            "auth.nonce_reused"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.admin_required",
                  "title": "Unauthorized",
                  "status": 401,
                  "code": "auth.admin_required",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "403": {
            "description": "A user's or merchant's identity on a back-office route. Codes: `auth.admin_required`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.admin_required"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.admin_required",
                  "title": "Forbidden",
                  "status": 403,
                  "code": "auth.admin_required",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "404": {
            "description": "No such withdrawal. Codes: `withdraw.not_found`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "withdraw.not_found"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/withdraw.not_found",
                  "title": "Not Found",
                  "status": 404,
                  "code": "withdraw.not_found",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "409": {
            "description": "Already reviewed (a second review is refused), or not `requested`, or it pays a card not in the name of the account's holder (requested before holders were kept; reject it), or a card or WeChat account its holder removed after requesting it (the API rejects it within seconds, unless its sweep is turned off). A request with the same `Idempotency-Key` is still running. Codes: `withdraw.already_reviewed`, `withdraw.not_reviewable`, `withdraw.card_not_holders`, `withdraw.destination_removed`, `idempotency.in_progress`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "withdraw.already_reviewed",
                            "withdraw.not_reviewable",
                            "withdraw.card_not_holders",
                            "withdraw.destination_removed",
                            "idempotency.in_progress"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/withdraw.already_reviewed",
                  "title": "Conflict",
                  "status": 409,
                  "code": "withdraw.already_reviewed",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "422": {
            "description": "The `Idempotency-Key` was used for a different request. Codes: `idempotency.key_reused`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "idempotency.key_reused"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/idempotency.key_reused",
                  "title": "Unprocessable Content",
                  "status": 422,
                  "code": "idempotency.key_reused",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "500": {
            "description": "Unexpected failure; whether the request took effect is not known. A retry with the same `Idempotency-Key` gets this answer again for 24 h, never a second effect: look the result up (`GET /v1/orders`, once the ledger has applied it) before trying again with a new key. A first request with the key that never answered (its process stopped) gets `idempotency.outcome_unknown` from five minutes on, with the same meaning. Codes: `internal.error`, `idempotency.outcome_unknown`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "internal.error",
                            "idempotency.outcome_unknown"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/internal.error",
                  "title": "Internal Server Error",
                  "status": 500,
                  "code": "internal.error",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "503": {
            "description": "A service the API needs (PostgreSQL, Redis, Kafka) is not answering; retry later. Codes: `service.unavailable`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "service.unavailable"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/service.unavailable",
                  "title": "Service Unavailable",
                  "status": 503,
                  "code": "service.unavailable",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          }
        },
        "security": [
          {
            "session": []
          }
        ]
      }
    },
    "/v1/admin/withdrawals/{orderId}/reject": {
      "post": {
        "operationId": "rejectWithdrawal",
        "tags": [
          "Back office"
        ],
        "summary": "Reject a withdrawal",
        "description": "Only a `requested` withdrawal, once. 202; the amount is unfrozen and the order `invalid`.",
        "parameters": [
          {
            "$ref": "#/components/parameters/OrderId"
          },
          {
            "$ref": "#/components/parameters/IdempotencyKey"
          },
          {
            "$ref": "#/components/parameters/RequestId"
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/RejectRequest"
              },
              "example": {
                "reason": "card holder does not match the account"
              }
            }
          }
        },
        "responses": {
          "202": {
            "description": "The withdrawal.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              },
              "Idempotent-Replayed": {
                "$ref": "#/components/headers/Idempotent-Replayed"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/WithdrawalRecord"
                }
              }
            }
          },
          "400": {
            "description": "The body is not the documented JSON, or `reason` is not 1…200 characters. Malformed `Idempotency-Key`. Codes: `request.invalid_body`, `request.invalid_field`, `idempotency.invalid_key`, `request.missing_field`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "request.invalid_body",
                            "request.invalid_field",
                            "idempotency.invalid_key",
                            "request.missing_field"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/request.invalid_body",
                  "title": "Bad Request",
                  "status": 400,
                  "code": "request.invalid_body",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "401": {
            "description": "Not authenticated, or credentials were presented and are not valid (see the security schemes). Codes: `auth.admin_required`, `auth.session_invalid`, `auth.session_expired`, `auth.session_revoked`, `auth.unsigned_identity`, `auth.signature_missing`, `auth.timestamp_skew`, `auth.nonce_invalid`, `auth.unknown_app`, `auth.signature_invalid`, `auth.nonce_reused`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.admin_required",
                            "auth.session_invalid",
                            "auth.session_expired",
                            "auth.session_revoked",
                            "auth.unsigned_identity",
                            "auth.signature_missing",
                            "auth.timestamp_skew",
                            "auth.nonce_invalid",
                            "auth.unknown_app",
                            "auth.signature_invalid",
                            "auth.nonce_reused"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.admin_required",
                  "title": "Unauthorized",
                  "status": 401,
                  "code": "auth.admin_required",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "403": {
            "description": "A user's or merchant's identity on a back-office route. Codes: `auth.admin_required`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.admin_required"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.admin_required",
                  "title": "Forbidden",
                  "status": 403,
                  "code": "auth.admin_required",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "404": {
            "description": "No such withdrawal. Codes: `withdraw.not_found`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "withdraw.not_found"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/withdraw.not_found",
                  "title": "Not Found",
                  "status": 404,
                  "code": "withdraw.not_found",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "409": {
            "description": "Already reviewed (a second review is refused), or not `requested`. A request with the same `Idempotency-Key` is still running. Codes: `withdraw.already_reviewed`, `withdraw.not_reviewable`, `idempotency.in_progress`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "withdraw.already_reviewed",
                            "withdraw.not_reviewable",
                            "idempotency.in_progress"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/withdraw.already_reviewed",
                  "title": "Conflict",
                  "status": 409,
                  "code": "withdraw.already_reviewed",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "422": {
            "description": "The `Idempotency-Key` was used for a different request. Codes: `idempotency.key_reused`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "idempotency.key_reused"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/idempotency.key_reused",
                  "title": "Unprocessable Content",
                  "status": 422,
                  "code": "idempotency.key_reused",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "500": {
            "description": "Unexpected failure; whether the request took effect is not known. A retry with the same `Idempotency-Key` gets this answer again for 24 h, never a second effect: look the result up (`GET /v1/orders`, once the ledger has applied it) before trying again with a new key. A first request with the key that never answered (its process stopped) gets `idempotency.outcome_unknown` from five minutes on, with the same meaning. Codes: `internal.error`, `idempotency.outcome_unknown`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "internal.error",
                            "idempotency.outcome_unknown"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/internal.error",
                  "title": "Internal Server Error",
                  "status": 500,
                  "code": "internal.error",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "503": {
            "description": "A service the API needs (PostgreSQL, Redis, Kafka) is not answering; retry later. Codes: `service.unavailable`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "service.unavailable"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/service.unavailable",
                  "title": "Service Unavailable",
                  "status": 503,
                  "code": "service.unavailable",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          }
        },
        "security": [
          {
            "session": []
          }
        ]
      }
    },
    "/v1/admin/withdrawals/{orderId}/resolve": {
      "post": {
        "operationId": "resolveWithdrawal",
        "tags": [
          "Back office"
        ],
        "summary": "Resolve a held withdrawal",
        "description": "A withdrawal the payout dispatcher holds frozen (`approved`, its payout reported by the channel and still `processing`, `failureReason` set: a report contradicting an earlier one, another amount than the withdrawal's), resolved by an operator after checking with the channel. A refusal the channel has not confirmed is not held (the dispatcher settles it), and a WeChat transfer awaiting the user's confirmation can only be resolved `paidOut`: `paidOut` settles it (the frozen amount leaves the wallet; `channelReference`, or the order number, is the paid-out transaction), `failed` unfreezes it (the order becomes `invalid`). Once; the operator and the reason are kept (`resolvedBy`, `resolutionReason`, `resolvedAt`). 200 with the withdrawal; the worker applies the event.",
        "parameters": [
          {
            "$ref": "#/components/parameters/OrderId"
          },
          {
            "$ref": "#/components/parameters/IdempotencyKey"
          },
          {
            "$ref": "#/components/parameters/RequestId"
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/ResolveWithdrawalRequest"
              },
              "example": {
                "outcome": "paidOut",
                "reason": "Bill99 statement of 2026-11-28 shows it paid",
                "channelReference": "D20261128000123"
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "The withdrawal, resolved.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              },
              "Idempotent-Replayed": {
                "$ref": "#/components/headers/Idempotent-Replayed"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/WithdrawalRecord"
                }
              }
            }
          },
          "400": {
            "description": "The body is not the documented JSON, `outcome` is not `paidOut` or `failed`, `reason` is not 1…200 characters, or `channelReference` is not 1…64 letters, digits or `_-|*`. Malformed `Idempotency-Key`. Codes: `request.invalid_body`, `request.invalid_field`, `idempotency.invalid_key`, `request.missing_field`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "request.invalid_body",
                            "request.invalid_field",
                            "idempotency.invalid_key",
                            "request.missing_field"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/request.invalid_body",
                  "title": "Bad Request",
                  "status": 400,
                  "code": "request.invalid_body",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "401": {
            "description": "Not authenticated, or credentials were presented and are not valid (see the security schemes). Codes: `auth.admin_required`, `auth.session_invalid`, `auth.session_expired`, `auth.session_revoked`, `auth.unsigned_identity`, `auth.signature_missing`, `auth.timestamp_skew`, `auth.nonce_invalid`, `auth.unknown_app`, `auth.signature_invalid`, `auth.nonce_reused`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.admin_required",
                            "auth.session_invalid",
                            "auth.session_expired",
                            "auth.session_revoked",
                            "auth.unsigned_identity",
                            "auth.signature_missing",
                            "auth.timestamp_skew",
                            "auth.nonce_invalid",
                            "auth.unknown_app",
                            "auth.signature_invalid",
                            "auth.nonce_reused"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.admin_required",
                  "title": "Unauthorized",
                  "status": 401,
                  "code": "auth.admin_required",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "403": {
            "description": "A user's or merchant's identity on a back-office route. Codes: `auth.admin_required`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.admin_required"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.admin_required",
                  "title": "Forbidden",
                  "status": 403,
                  "code": "auth.admin_required",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "404": {
            "description": "No such withdrawal. Codes: `withdraw.not_found`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "withdraw.not_found"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/withdraw.not_found",
                  "title": "Not Found",
                  "status": 404,
                  "code": "withdraw.not_found",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "409": {
            "description": "Not a held payout (not `approved`, its payout final or never reported by the channel, nothing holds it, or `failed` asked for a transfer awaiting the user's confirmation), or resolved already. A request with the same `Idempotency-Key` is still running. Codes: `withdraw.not_resolvable`, `idempotency.in_progress`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "withdraw.not_resolvable",
                            "idempotency.in_progress"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/withdraw.not_resolvable",
                  "title": "Conflict",
                  "status": 409,
                  "code": "withdraw.not_resolvable",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "422": {
            "description": "The `Idempotency-Key` was used for a different request. Codes: `idempotency.key_reused`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "idempotency.key_reused"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/idempotency.key_reused",
                  "title": "Unprocessable Content",
                  "status": 422,
                  "code": "idempotency.key_reused",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "500": {
            "description": "Unexpected failure; whether the request took effect is not known. A retry with the same `Idempotency-Key` gets this answer again for 24 h, never a second effect: look the result up (`GET /v1/orders`, once the ledger has applied it) before trying again with a new key. A first request with the key that never answered (its process stopped) gets `idempotency.outcome_unknown` from five minutes on, with the same meaning. Codes: `internal.error`, `idempotency.outcome_unknown`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "internal.error",
                            "idempotency.outcome_unknown"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/internal.error",
                  "title": "Internal Server Error",
                  "status": 500,
                  "code": "internal.error",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "503": {
            "description": "A service the API needs (PostgreSQL, Redis, Kafka) is not answering; retry later. Codes: `service.unavailable`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "service.unavailable"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/service.unavailable",
                  "title": "Service Unavailable",
                  "status": 503,
                  "code": "service.unavailable",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          }
        },
        "security": [
          {
            "session": []
          }
        ]
      }
    },
    "/v1/cards": {
      "get": {
        "operationId": "listCards",
        "tags": [
          "Cards"
        ],
        "summary": "The caller's bank cards",
        "description": "The caller's bound cards, masked, oldest first.",
        "parameters": [
          {
            "$ref": "#/components/parameters/RequestId"
          }
        ],
        "security": [
          {
            "signature": []
          }
        ],
        "responses": {
          "200": {
            "description": "The bound cards.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/BankCardList"
                }
              }
            }
          },
          "401": {
            "description": "Not authenticated (see the security schemes). Codes: `auth.missing`, `auth.signature_missing`, `auth.timestamp_skew`, `auth.nonce_invalid`, `auth.unknown_app`, `auth.signature_invalid`, `auth.nonce_reused`, `auth.unsigned_identity`, `auth.session_invalid`, `auth.session_expired`, `auth.session_revoked`, `auth.session_required`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.missing",
                            "auth.signature_missing",
                            "auth.timestamp_skew",
                            "auth.nonce_invalid",
                            "auth.unknown_app",
                            "auth.signature_invalid",
                            "auth.nonce_reused",
                            "auth.unsigned_identity",
                            "auth.session_invalid",
                            "auth.session_expired",
                            "auth.session_revoked",
                            "auth.session_required"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.missing",
                  "title": "Unauthorized",
                  "status": 401,
                  "code": "auth.missing",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "403": {
            "description": "An operator's session is not an account; a merchant's session must be the signing merchant's. Codes: `auth.account_required`, `auth.session_mismatch`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.account_required",
                            "auth.session_mismatch"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.account_required",
                  "title": "Forbidden",
                  "status": 403,
                  "code": "auth.account_required",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "500": {
            "description": "Unexpected failure; whether the request took effect is not known. A retry with the same `Idempotency-Key` gets this answer again for 24 h, never a second effect: look the result up (`GET /v1/orders`, once the ledger has applied it) before trying again with a new key. Codes: `internal.error`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "internal.error"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/internal.error",
                  "title": "Internal Server Error",
                  "status": 500,
                  "code": "internal.error",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "503": {
            "description": "A service the API needs (PostgreSQL, Redis, Kafka) is not answering; retry later. Codes: `service.unavailable`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "service.unavailable"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/service.unavailable",
                  "title": "Service Unavailable",
                  "status": 503,
                  "code": "service.unavailable",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          }
        }
      },
      "post": {
        "operationId": "bindCard",
        "tags": [
          "Cards"
        ],
        "summary": "Start binding a bank card",
        "description": "The four elements are verified at Bill99 (four-element verification); when they belong together the card is kept `pending` (sealed) and a 6-digit code is sent by SMS to the phone: valid 5 minutes, 5 attempts. A phone gets at most one code per 60 s and five per hour (429 `sms.rate_limited`, `Retry-After`). An account may ask for 10 verifications an hour (429 `card.verification_rate_limited`). A refused verification stores nothing.",
        "parameters": [
          {
            "$ref": "#/components/parameters/IdempotencyKey"
          },
          {
            "$ref": "#/components/parameters/RequestId"
          }
        ],
        "security": [
          {
            "signature": []
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/CardBindingRequest"
              },
              "example": {
                "cardNumber": "6222020200112233445",
                "realName": "张三",
                "idNumber": "110101199003071233",
                "phone": "13800000000"
              }
            }
          }
        },
        "responses": {
          "202": {
            "description": "Verified; the code is sent. Confirm with `POST /v1/cards/{cardId}/confirm`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              },
              "Idempotent-Replayed": {
                "$ref": "#/components/headers/Idempotent-Replayed"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/CardBinding"
                }
              }
            }
          },
          "400": {
            "description": "The body is not the documented JSON or an element is malformed. Malformed `Idempotency-Key`. Codes: `request.invalid_body`, `request.missing_field`, `request.invalid_field`, `card.invalid_number`, `card.invalid_id_number`, `card.invalid_phone`, `idempotency.invalid_key`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "request.invalid_body",
                            "request.missing_field",
                            "request.invalid_field",
                            "card.invalid_number",
                            "card.invalid_id_number",
                            "card.invalid_phone",
                            "idempotency.invalid_key"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/request.invalid_body",
                  "title": "Bad Request",
                  "status": 400,
                  "code": "request.invalid_body",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "401": {
            "description": "Not authenticated (see the security schemes). Codes: `auth.missing`, `auth.signature_missing`, `auth.timestamp_skew`, `auth.nonce_invalid`, `auth.unknown_app`, `auth.signature_invalid`, `auth.nonce_reused`, `auth.unsigned_identity`, `auth.session_invalid`, `auth.session_expired`, `auth.session_revoked`, `auth.session_required`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.missing",
                            "auth.signature_missing",
                            "auth.timestamp_skew",
                            "auth.nonce_invalid",
                            "auth.unknown_app",
                            "auth.signature_invalid",
                            "auth.nonce_reused",
                            "auth.unsigned_identity",
                            "auth.session_invalid",
                            "auth.session_expired",
                            "auth.session_revoked",
                            "auth.session_required"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.missing",
                  "title": "Unauthorized",
                  "status": 401,
                  "code": "auth.missing",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "403": {
            "description": "An operator's session is not an account; a merchant's session must be the signing merchant's. Codes: `auth.account_required`, `auth.session_mismatch`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.account_required",
                            "auth.session_mismatch"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.account_required",
                  "title": "Forbidden",
                  "status": 403,
                  "code": "auth.account_required",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "409": {
            "description": "The card is already bound to this account, or the account has 10 bound cards, or the card is another person's than the account's holder (the person of its first confirmed card). A request with the same `Idempotency-Key` is still running. Codes: `card.already_bound`, `card.limit_reached`, `card.holder_mismatch`, `idempotency.in_progress`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "card.already_bound",
                            "card.limit_reached",
                            "card.holder_mismatch",
                            "idempotency.in_progress"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/card.already_bound",
                  "title": "Conflict",
                  "status": 409,
                  "code": "card.already_bound",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "422": {
            "description": "The bank says the four elements do not belong together (or the card does not exist); nothing is stored. The `Idempotency-Key` was used for a different request. Codes: `card.verification_failed`, `idempotency.key_reused`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "card.verification_failed",
                            "idempotency.key_reused"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/card.verification_failed",
                  "title": "Unprocessable Content",
                  "status": 422,
                  "code": "card.verification_failed",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "429": {
            "description": "This phone had a code within the last 60 s, or five within the hour; or this account asked for 10 card verifications within the hour. `Retry-After` says when to try again. Codes: `sms.rate_limited`, `card.verification_rate_limited`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              },
              "Retry-After": {
                "description": "Seconds until this phone may get another code, or this account may ask for another verification.",
                "schema": {
                  "type": "string"
                }
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "sms.rate_limited",
                            "card.verification_rate_limited"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/sms.rate_limited",
                  "title": "Too Many Requests",
                  "status": 429,
                  "code": "sms.rate_limited",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "500": {
            "description": "Unexpected failure; whether the request took effect is not known. A retry with the same `Idempotency-Key` gets this answer again for 24 h, never a second effect: look the result up (`GET /v1/orders`, once the ledger has applied it) before trying again with a new key. A first request with the key that never answered (its process stopped) gets `idempotency.outcome_unknown` from five minutes on, with the same meaning. Codes: `internal.error`, `idempotency.outcome_unknown`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "internal.error",
                            "idempotency.outcome_unknown"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/internal.error",
                  "title": "Internal Server Error",
                  "status": 500,
                  "code": "internal.error",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "503": {
            "description": "A service the API needs (PostgreSQL, Redis, the card verification, the SMS gateway) is not answering; retry later. Codes: `service.unavailable`, `card.verification_unavailable`, `sms.unavailable`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "service.unavailable",
                            "card.verification_unavailable",
                            "sms.unavailable"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/service.unavailable",
                  "title": "Service Unavailable",
                  "status": 503,
                  "code": "service.unavailable",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          }
        }
      }
    },
    "/v1/cards/{cardId}/confirm": {
      "post": {
        "operationId": "confirmCard",
        "tags": [
          "Cards"
        ],
        "summary": "Confirm a binding with its SMS code",
        "description": "The code sent by `POST /v1/cards`. A wrong code counts; after 5 wrong codes even the right one is refused (`sms.too_many_attempts`); after 5 minutes the code is expired. Either way, start again with `POST /v1/cards`. A confirmed code is used up.",
        "parameters": [
          {
            "name": "cardId",
            "in": "path",
            "required": true,
            "description": "The binding (`BC…`, the `bindingId` of `POST /v1/cards`), which becomes the card.",
            "schema": {
              "type": "string"
            }
          },
          {
            "$ref": "#/components/parameters/IdempotencyKey"
          },
          {
            "$ref": "#/components/parameters/RequestId"
          }
        ],
        "security": [
          {
            "signature": []
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/CardConfirmRequest"
              },
              "example": {
                "code": "042137"
              }
            }
          }
        },
        "responses": {
          "201": {
            "description": "The card, bound.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              },
              "Idempotent-Replayed": {
                "$ref": "#/components/headers/Idempotent-Replayed"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/BankCard"
                }
              }
            }
          },
          "400": {
            "description": "The code is wrong (it counts as an attempt), or not 6 digits. Malformed body or `Idempotency-Key`. Codes: `sms.code_invalid`, `request.invalid_field`, `request.invalid_body`, `idempotency.invalid_key`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "sms.code_invalid",
                            "request.invalid_field",
                            "request.invalid_body",
                            "idempotency.invalid_key"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/sms.code_invalid",
                  "title": "Bad Request",
                  "status": 400,
                  "code": "sms.code_invalid",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "401": {
            "description": "Not authenticated (see the security schemes). Codes: `auth.missing`, `auth.signature_missing`, `auth.timestamp_skew`, `auth.nonce_invalid`, `auth.unknown_app`, `auth.signature_invalid`, `auth.nonce_reused`, `auth.unsigned_identity`, `auth.session_invalid`, `auth.session_expired`, `auth.session_revoked`, `auth.session_required`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.missing",
                            "auth.signature_missing",
                            "auth.timestamp_skew",
                            "auth.nonce_invalid",
                            "auth.unknown_app",
                            "auth.signature_invalid",
                            "auth.nonce_reused",
                            "auth.unsigned_identity",
                            "auth.session_invalid",
                            "auth.session_expired",
                            "auth.session_revoked",
                            "auth.session_required"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.missing",
                  "title": "Unauthorized",
                  "status": 401,
                  "code": "auth.missing",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "403": {
            "description": "Five wrong codes were given: this binding cannot be confirmed any more. An operator's session is not an account; a merchant's session must be the signing merchant's. Codes: `sms.too_many_attempts`, `auth.account_required`, `auth.session_mismatch`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "sms.too_many_attempts",
                            "auth.account_required",
                            "auth.session_mismatch"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/sms.too_many_attempts",
                  "title": "Forbidden",
                  "status": 403,
                  "code": "sms.too_many_attempts",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "404": {
            "description": "No pending binding of the caller has this id. Codes: `card.not_found`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "card.not_found"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/card.not_found",
                  "title": "Not Found",
                  "status": 404,
                  "code": "card.not_found",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "409": {
            "description": "The binding is already confirmed, or the same card was bound meanwhile, or the account reached 10 bound cards meanwhile (bindings started while it had room), or the card is another person's than the account's holder (a card of another person was confirmed first; checked before the code is spent, except when the two confirmations meet). A request with the same `Idempotency-Key` is still running. Codes: `card.already_bound`, `card.limit_reached`, `card.holder_mismatch`, `idempotency.in_progress`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "card.already_bound",
                            "card.limit_reached",
                            "card.holder_mismatch",
                            "idempotency.in_progress"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/card.already_bound",
                  "title": "Conflict",
                  "status": 409,
                  "code": "card.already_bound",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "410": {
            "description": "The code expired (5 minutes). Codes: `sms.code_expired`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "sms.code_expired"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/sms.code_expired",
                  "title": "Gone",
                  "status": 410,
                  "code": "sms.code_expired",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "422": {
            "description": "The `Idempotency-Key` was used for a different request. Codes: `idempotency.key_reused`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "idempotency.key_reused"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/idempotency.key_reused",
                  "title": "Unprocessable Content",
                  "status": 422,
                  "code": "idempotency.key_reused",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "500": {
            "description": "Unexpected failure; whether the request took effect is not known. A retry with the same `Idempotency-Key` gets this answer again for 24 h, never a second effect: look the result up (`GET /v1/orders`, once the ledger has applied it) before trying again with a new key. A first request with the key that never answered (its process stopped) gets `idempotency.outcome_unknown` from five minutes on, with the same meaning. Codes: `internal.error`, `idempotency.outcome_unknown`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "internal.error",
                            "idempotency.outcome_unknown"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/internal.error",
                  "title": "Internal Server Error",
                  "status": 500,
                  "code": "internal.error",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "503": {
            "description": "A service the API needs (PostgreSQL, Redis, Kafka) is not answering; retry later. Codes: `service.unavailable`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "service.unavailable"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/service.unavailable",
                  "title": "Service Unavailable",
                  "status": 503,
                  "code": "service.unavailable",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          }
        }
      }
    },
    "/v1/cards/{cardId}": {
      "delete": {
        "operationId": "removeCard",
        "tags": [
          "Cards"
        ],
        "summary": "Remove a bound card",
        "description": "The card can no longer be withdrawn to; past withdrawals keep their destination. Withdrawals to it that were not sent to Bill99 are stopped: one waiting for review is rejected at once (`reviewedBy` the account, `reviewReason` \"the card was removed by its holder\") and its money comes back to the available balance; one approved is not sent again, and fails (unfrozen) once Bill99 confirms it holds no such payout (an earlier try whose answer was lost goes on to its end); one frozen after the removal cannot be approved, and the API rejects it within seconds as the removal would have (unless its sweep is turned off, `--removed-destination-sweep-seconds 0`: then an operator rejects it). A payout already sent goes on.",
        "parameters": [
          {
            "name": "cardId",
            "in": "path",
            "required": true,
            "description": "The card (`BC…`).",
            "schema": {
              "type": "string"
            }
          },
          {
            "$ref": "#/components/parameters/RequestId"
          }
        ],
        "security": [
          {
            "signature": []
          }
        ],
        "responses": {
          "204": {
            "description": "Removed.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            }
          },
          "401": {
            "description": "Not authenticated (see the security schemes). Codes: `auth.missing`, `auth.signature_missing`, `auth.timestamp_skew`, `auth.nonce_invalid`, `auth.unknown_app`, `auth.signature_invalid`, `auth.nonce_reused`, `auth.unsigned_identity`, `auth.session_invalid`, `auth.session_expired`, `auth.session_revoked`, `auth.session_required`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.missing",
                            "auth.signature_missing",
                            "auth.timestamp_skew",
                            "auth.nonce_invalid",
                            "auth.unknown_app",
                            "auth.signature_invalid",
                            "auth.nonce_reused",
                            "auth.unsigned_identity",
                            "auth.session_invalid",
                            "auth.session_expired",
                            "auth.session_revoked",
                            "auth.session_required"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.missing",
                  "title": "Unauthorized",
                  "status": 401,
                  "code": "auth.missing",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "403": {
            "description": "An operator's session is not an account; a merchant's session must be the signing merchant's. Codes: `auth.account_required`, `auth.session_mismatch`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.account_required",
                            "auth.session_mismatch"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.account_required",
                  "title": "Forbidden",
                  "status": 403,
                  "code": "auth.account_required",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "404": {
            "description": "No bound card of the caller has this id. Codes: `card.not_found`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "card.not_found"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/card.not_found",
                  "title": "Not Found",
                  "status": 404,
                  "code": "card.not_found",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "500": {
            "description": "Unexpected failure; whether the request took effect is not known. A retry with the same `Idempotency-Key` gets this answer again for 24 h, never a second effect: look the result up (`GET /v1/orders`, once the ledger has applied it) before trying again with a new key. Codes: `internal.error`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "internal.error"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/internal.error",
                  "title": "Internal Server Error",
                  "status": 500,
                  "code": "internal.error",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "503": {
            "description": "A service the API needs (PostgreSQL, Redis, Kafka) is not answering; retry later. Codes: `service.unavailable`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "service.unavailable"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/service.unavailable",
                  "title": "Service Unavailable",
                  "status": 503,
                  "code": "service.unavailable",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          }
        }
      }
    },
    "/v1/wechat-accounts": {
      "get": {
        "operationId": "listWeChatAccounts",
        "tags": [
          "WeChat accounts"
        ],
        "summary": "The caller's WeChat accounts",
        "description": "The WeChat accounts bound to the caller, oldest first: the openids its WeChat withdrawals may name.",
        "parameters": [
          {
            "$ref": "#/components/parameters/RequestId"
          }
        ],
        "security": [
          {
            "signature": []
          }
        ],
        "responses": {
          "200": {
            "description": "The bindings.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/WeChatAccountList"
                }
              }
            }
          },
          "401": {
            "description": "Not authenticated (see the security schemes). Codes: `auth.missing`, `auth.signature_missing`, `auth.timestamp_skew`, `auth.nonce_invalid`, `auth.unknown_app`, `auth.signature_invalid`, `auth.nonce_reused`, `auth.unsigned_identity`, `auth.session_invalid`, `auth.session_expired`, `auth.session_revoked`, `auth.session_required`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.missing",
                            "auth.signature_missing",
                            "auth.timestamp_skew",
                            "auth.nonce_invalid",
                            "auth.unknown_app",
                            "auth.signature_invalid",
                            "auth.nonce_reused",
                            "auth.unsigned_identity",
                            "auth.session_invalid",
                            "auth.session_expired",
                            "auth.session_revoked",
                            "auth.session_required"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.missing",
                  "title": "Unauthorized",
                  "status": 401,
                  "code": "auth.missing",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "403": {
            "description": "An operator's session is not an account; a merchant's session must be the signing merchant's. Codes: `auth.account_required`, `auth.session_mismatch`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.account_required",
                            "auth.session_mismatch"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.account_required",
                  "title": "Forbidden",
                  "status": 403,
                  "code": "auth.account_required",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "500": {
            "description": "Unexpected failure; whether the request took effect is not known. A retry with the same `Idempotency-Key` gets this answer again for 24 h, never a second effect: look the result up (`GET /v1/orders`, once the ledger has applied it) before trying again with a new key. Codes: `internal.error`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "internal.error"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/internal.error",
                  "title": "Internal Server Error",
                  "status": 500,
                  "code": "internal.error",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "503": {
            "description": "A service the API needs (PostgreSQL, Redis, Kafka) is not answering; retry later. Codes: `service.unavailable`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "service.unavailable"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/service.unavailable",
                  "title": "Service Unavailable",
                  "status": 503,
                  "code": "service.unavailable",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          }
        }
      },
      "post": {
        "operationId": "bindWeChatAccount",
        "tags": [
          "WeChat accounts"
        ],
        "summary": "Bind a WeChat account",
        "description": "The user authorizes the official account in WeChat (web authorization, scope `snsapi_base`); WeChat gives their browser a `code`, valid 5 minutes and once. The API exchanges it at WeChat (`sns/oauth2/access_token`) for the openid of the WeChat user who authorized, and binds it to the caller. An openid is never taken from the client's word: a WeChat withdrawal may name only an openid bound so. One WeChat user is bound to one account at a time; an account binds at most 5.",
        "parameters": [
          {
            "$ref": "#/components/parameters/IdempotencyKey"
          },
          {
            "$ref": "#/components/parameters/RequestId"
          }
        ],
        "security": [
          {
            "signature": []
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/WeChatAccountBindingRequest"
              },
              "example": {
                "code": "061Xc8Ga1kzkzL0XxXFa1NvLiH1Xc8GS"
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "This WeChat user was already bound to the caller: that binding.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              },
              "Idempotent-Replayed": {
                "$ref": "#/components/headers/Idempotent-Replayed"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/WeChatAccount"
                }
              }
            }
          },
          "201": {
            "description": "Bound.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              },
              "Idempotent-Replayed": {
                "$ref": "#/components/headers/Idempotent-Replayed"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/WeChatAccount"
                }
              }
            }
          },
          "400": {
            "description": "The body is not the documented JSON, or the code is missing or malformed. Malformed `Idempotency-Key`. Codes: `request.invalid_body`, `request.missing_field`, `request.invalid_field`, `idempotency.invalid_key`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "request.invalid_body",
                            "request.missing_field",
                            "request.invalid_field",
                            "idempotency.invalid_key"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/request.invalid_body",
                  "title": "Bad Request",
                  "status": 400,
                  "code": "request.invalid_body",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "401": {
            "description": "Not authenticated (see the security schemes). Codes: `auth.missing`, `auth.signature_missing`, `auth.timestamp_skew`, `auth.nonce_invalid`, `auth.unknown_app`, `auth.signature_invalid`, `auth.nonce_reused`, `auth.unsigned_identity`, `auth.session_invalid`, `auth.session_expired`, `auth.session_revoked`, `auth.session_required`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.missing",
                            "auth.signature_missing",
                            "auth.timestamp_skew",
                            "auth.nonce_invalid",
                            "auth.unknown_app",
                            "auth.signature_invalid",
                            "auth.nonce_reused",
                            "auth.unsigned_identity",
                            "auth.session_invalid",
                            "auth.session_expired",
                            "auth.session_revoked",
                            "auth.session_required"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.missing",
                  "title": "Unauthorized",
                  "status": 401,
                  "code": "auth.missing",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "403": {
            "description": "An operator's session is not an account; a merchant's session must be the signing merchant's. Codes: `auth.account_required`, `auth.session_mismatch`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.account_required",
                            "auth.session_mismatch"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.account_required",
                  "title": "Forbidden",
                  "status": 403,
                  "code": "auth.account_required",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "409": {
            "description": "The WeChat user is bound to another account, or the caller has 5 bound WeChat accounts. A request with the same `Idempotency-Key` is still running. Codes: `wechat.bound_elsewhere`, `wechat.limit_reached`, `idempotency.in_progress`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "wechat.bound_elsewhere",
                            "wechat.limit_reached",
                            "idempotency.in_progress"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/wechat.bound_elsewhere",
                  "title": "Conflict",
                  "status": 409,
                  "code": "wechat.bound_elsewhere",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "422": {
            "description": "WeChat refused the code (used, expired or unknown): the user authorizes again. The `Idempotency-Key` was used for a different request. Codes: `wechat.code_refused`, `idempotency.key_reused`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "wechat.code_refused",
                            "idempotency.key_reused"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/wechat.code_refused",
                  "title": "Unprocessable Content",
                  "status": 422,
                  "code": "wechat.code_refused",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "500": {
            "description": "Unexpected failure; whether the request took effect is not known. A retry with the same `Idempotency-Key` gets this answer again for 24 h, never a second effect: look the result up (`GET /v1/orders`, once the ledger has applied it) before trying again with a new key. A first request with the key that never answered (its process stopped) gets `idempotency.outcome_unknown` from five minutes on, with the same meaning. Codes: `internal.error`, `idempotency.outcome_unknown`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "internal.error",
                            "idempotency.outcome_unknown"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/internal.error",
                  "title": "Internal Server Error",
                  "status": 500,
                  "code": "internal.error",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "503": {
            "description": "A service the API needs (PostgreSQL, Redis, WeChat's authorization) is not answering, or no AppSecret is configured; retry later. Codes: `service.unavailable`, `wechat.unavailable`, `wechat.binding_unavailable`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "service.unavailable",
                            "wechat.unavailable",
                            "wechat.binding_unavailable"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/service.unavailable",
                  "title": "Service Unavailable",
                  "status": 503,
                  "code": "service.unavailable",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          }
        }
      }
    },
    "/v1/wechat-accounts/{bindingId}": {
      "delete": {
        "operationId": "removeWeChatAccount",
        "tags": [
          "WeChat accounts"
        ],
        "summary": "Remove a bound WeChat account",
        "description": "Its openid can no longer be named by new withdrawals; past withdrawals keep their destination. The WeChat user may then be bound again, by any account. Unbinding stops the WeChat withdrawals to this openid that were not sent, as removing a card does (`DELETE /v1/cards/{cardId}`): one waiting for review is rejected at once, one approved is not sent again and fails once WeChat confirms it holds no such transfer, one frozen after the unbinding cannot be approved and is rejected by the API within seconds (unless its sweep is turned off). A transfer already waiting for the user's confirmation is cancelled at WeChat and unfrozen; its `packageInfo` is no longer answered meanwhile. Binding the same WeChat user again before the dispatcher has stopped an approved withdrawal lets it go on.",
        "parameters": [
          {
            "name": "bindingId",
            "in": "path",
            "required": true,
            "description": "The binding (`WX…`).",
            "schema": {
              "type": "string"
            }
          },
          {
            "$ref": "#/components/parameters/RequestId"
          }
        ],
        "security": [
          {
            "signature": []
          }
        ],
        "responses": {
          "204": {
            "description": "Removed.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            }
          },
          "401": {
            "description": "Not authenticated (see the security schemes). Codes: `auth.missing`, `auth.signature_missing`, `auth.timestamp_skew`, `auth.nonce_invalid`, `auth.unknown_app`, `auth.signature_invalid`, `auth.nonce_reused`, `auth.unsigned_identity`, `auth.session_invalid`, `auth.session_expired`, `auth.session_revoked`, `auth.session_required`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.missing",
                            "auth.signature_missing",
                            "auth.timestamp_skew",
                            "auth.nonce_invalid",
                            "auth.unknown_app",
                            "auth.signature_invalid",
                            "auth.nonce_reused",
                            "auth.unsigned_identity",
                            "auth.session_invalid",
                            "auth.session_expired",
                            "auth.session_revoked",
                            "auth.session_required"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.missing",
                  "title": "Unauthorized",
                  "status": 401,
                  "code": "auth.missing",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "403": {
            "description": "An operator's session is not an account; a merchant's session must be the signing merchant's. Codes: `auth.account_required`, `auth.session_mismatch`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.account_required",
                            "auth.session_mismatch"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.account_required",
                  "title": "Forbidden",
                  "status": 403,
                  "code": "auth.account_required",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "404": {
            "description": "No WeChat account of the caller has this binding id. Codes: `wechat.not_found`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "wechat.not_found"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/wechat.not_found",
                  "title": "Not Found",
                  "status": 404,
                  "code": "wechat.not_found",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "500": {
            "description": "Unexpected failure; whether the request took effect is not known. A retry with the same `Idempotency-Key` gets this answer again for 24 h, never a second effect: look the result up (`GET /v1/orders`, once the ledger has applied it) before trying again with a new key. Codes: `internal.error`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "internal.error"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/internal.error",
                  "title": "Internal Server Error",
                  "status": 500,
                  "code": "internal.error",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "503": {
            "description": "A service the API needs (PostgreSQL, Redis, Kafka) is not answering; retry later. Codes: `service.unavailable`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "service.unavailable"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/service.unavailable",
                  "title": "Service Unavailable",
                  "status": 503,
                  "code": "service.unavailable",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          }
        }
      }
    },
    "/v1/refunds": {
      "post": {
        "operationId": "requestRefund",
        "tags": [
          "Refunds"
        ],
        "summary": "Refund a paid order",
        "description": "By the owner of a paid recharge or collection, full or partial, back through its channel. 202; the worker takes the amount from the owner's available balance and the refund dispatcher follows the channel's refund. Needs a one-time token (`X-Paystream-Token`).",
        "parameters": [
          {
            "$ref": "#/components/parameters/OneTimeToken"
          },
          {
            "$ref": "#/components/parameters/IdempotencyKey"
          },
          {
            "$ref": "#/components/parameters/RequestId"
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/RefundRequest"
              },
              "example": {
                "orderId": "RC20250101120000ABCDEFGH23",
                "amountFen": 500,
                "reason": "customer returned the goods"
              }
            }
          }
        },
        "responses": {
          "202": {
            "description": "The refund, status `pending` until the worker applied it.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              },
              "Idempotent-Replayed": {
                "$ref": "#/components/headers/Idempotent-Replayed"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/RefundRecord"
                }
              }
            }
          },
          "400": {
            "description": "The body is not the documented JSON. Malformed `Idempotency-Key`. Codes: `request.invalid_body`, `request.missing_field`, `amount.out_of_range`, `idempotency.invalid_key`, `request.invalid_field`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "request.invalid_body",
                            "request.missing_field",
                            "amount.out_of_range",
                            "idempotency.invalid_key",
                            "request.invalid_field"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/request.invalid_body",
                  "title": "Bad Request",
                  "status": 400,
                  "code": "request.invalid_body",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "401": {
            "description": "Not authenticated (see the security schemes). Codes: `auth.missing`, `auth.signature_missing`, `auth.timestamp_skew`, `auth.nonce_invalid`, `auth.unknown_app`, `auth.signature_invalid`, `auth.nonce_reused`, `auth.unsigned_identity`, `auth.session_invalid`, `auth.session_expired`, `auth.session_revoked`, `auth.session_required`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.missing",
                            "auth.signature_missing",
                            "auth.timestamp_skew",
                            "auth.nonce_invalid",
                            "auth.unknown_app",
                            "auth.signature_invalid",
                            "auth.nonce_reused",
                            "auth.unsigned_identity",
                            "auth.session_invalid",
                            "auth.session_expired",
                            "auth.session_revoked",
                            "auth.session_required"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.missing",
                  "title": "Unauthorized",
                  "status": 401,
                  "code": "auth.missing",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "403": {
            "description": "An operator's session alone is not an account; a merchant session must be the signing account's. Codes: `auth.account_required`, `auth.session_mismatch`. A one-time token that is unknown, expired or another account's: `token.invalid`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.account_required",
                            "auth.session_mismatch",
                            "token.invalid"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.account_required",
                  "title": "Forbidden",
                  "status": 403,
                  "code": "auth.account_required",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "404": {
            "description": "No such order of the caller's. Codes: `order.not_found`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "order.not_found"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/order.not_found",
                  "title": "Not Found",
                  "status": 404,
                  "code": "order.not_found",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "409": {
            "description": "Not a paid recharge or collection, paid longer ago than its channel takes refunds (WeChat Pay 365 days, Alipay 90, `paystream-api --refund-window-days-*`), more than is left to refund, or more than the available balance. A request with the same `Idempotency-Key` is still running. Codes: `refund.not_refundable`, `refund.window_closed`, `refund.exceeds_original`, `balance.insufficient_available`, `idempotency.in_progress`. A spent one-time token: `token.reused`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "refund.not_refundable",
                            "refund.window_closed",
                            "refund.exceeds_original",
                            "balance.insufficient_available",
                            "idempotency.in_progress",
                            "token.reused"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/refund.not_refundable",
                  "title": "Conflict",
                  "status": 409,
                  "code": "refund.not_refundable",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "422": {
            "description": "The `Idempotency-Key` was used for a different request. Codes: `idempotency.key_reused`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "idempotency.key_reused"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/idempotency.key_reused",
                  "title": "Unprocessable Content",
                  "status": 422,
                  "code": "idempotency.key_reused",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "428": {
            "description": "No one-time token in `X-Paystream-Token`. Code: `token.required`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "token.required"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/token.required",
                  "title": "Precondition Required",
                  "status": 428,
                  "code": "token.required",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "500": {
            "description": "Unexpected failure; whether the request took effect is not known. A retry with the same `Idempotency-Key` gets this answer again for 24 h, never a second effect: look the result up (`GET /v1/orders`, once the ledger has applied it) before trying again with a new key. A first request with the key that never answered (its process stopped) gets `idempotency.outcome_unknown` from five minutes on, with the same meaning. Codes: `internal.error`, `idempotency.outcome_unknown`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "internal.error",
                            "idempotency.outcome_unknown"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/internal.error",
                  "title": "Internal Server Error",
                  "status": 500,
                  "code": "internal.error",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "503": {
            "description": "A service the API needs (PostgreSQL, Redis, Kafka) is not answering; retry later. Codes: `service.unavailable`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "service.unavailable"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/service.unavailable",
                  "title": "Service Unavailable",
                  "status": 503,
                  "code": "service.unavailable",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          }
        },
        "security": [
          {
            "signature": []
          }
        ]
      }
    },
    "/v1/refunds/{refundOrderId}": {
      "get": {
        "operationId": "getRefund",
        "tags": [
          "Refunds"
        ],
        "summary": "One refund",
        "description": "The ledger status and the channel's refund state, for the payer or an operator.",
        "parameters": [
          {
            "$ref": "#/components/parameters/RefundOrderId"
          },
          {
            "$ref": "#/components/parameters/RequestId"
          }
        ],
        "responses": {
          "200": {
            "description": "The refund.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/RefundRecord"
                }
              }
            }
          },
          "401": {
            "description": "Not authenticated (see the security schemes). Codes: `auth.missing`, `auth.admin_required`, `auth.signature_missing`, `auth.timestamp_skew`, `auth.nonce_invalid`, `auth.unknown_app`, `auth.signature_invalid`, `auth.nonce_reused`, `auth.unsigned_identity`, `auth.session_invalid`, `auth.session_expired`, `auth.session_revoked`, `auth.session_required`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.missing",
                            "auth.admin_required",
                            "auth.signature_missing",
                            "auth.timestamp_skew",
                            "auth.nonce_invalid",
                            "auth.unknown_app",
                            "auth.signature_invalid",
                            "auth.nonce_reused",
                            "auth.unsigned_identity",
                            "auth.session_invalid",
                            "auth.session_expired",
                            "auth.session_revoked",
                            "auth.session_required"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.missing",
                  "title": "Unauthorized",
                  "status": 401,
                  "code": "auth.missing",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "404": {
            "description": "No such refund for this caller. Codes: `refund.not_found`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "refund.not_found"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/refund.not_found",
                  "title": "Not Found",
                  "status": 404,
                  "code": "refund.not_found",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "500": {
            "description": "Unexpected failure; whether the request took effect is not known. A retry with the same `Idempotency-Key` gets this answer again for 24 h, never a second effect: look the result up (`GET /v1/orders`, once the ledger has applied it) before trying again with a new key. Codes: `internal.error`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "internal.error"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/internal.error",
                  "title": "Internal Server Error",
                  "status": 500,
                  "code": "internal.error",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "503": {
            "description": "A service the API needs (PostgreSQL, Redis, Kafka) is not answering; retry later. Codes: `service.unavailable`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "service.unavailable"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/service.unavailable",
                  "title": "Service Unavailable",
                  "status": 503,
                  "code": "service.unavailable",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          }
        },
        "security": [
          {
            "signature": []
          },
          {
            "session": []
          }
        ]
      }
    },
    "/v1/admin/refunds/held": {
      "get": {
        "operationId": "listHeldRefunds",
        "tags": [
          "Back office"
        ],
        "summary": "Refunds held for an operator",
        "description": "The refunds the refund dispatcher holds for an operator and no one has resolved yet, oldest hold first, each with `heldReason` and `heldSince` (see `POST /v1/admin/refunds/{refundOrderId}/resolve`).",
        "parameters": [
          {
            "$ref": "#/components/parameters/RequestId"
          },
          {
            "name": "limit",
            "in": "query",
            "required": false,
            "description": "At most this many, 1...500 (default 100); another value is 400 `request.invalid_field`.",
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 500,
              "default": 100
            }
          }
        ],
        "responses": {
          "200": {
            "description": "The held refunds.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/HeldRefunds"
                }
              }
            }
          },
          "400": {
            "description": "`limit` is not 1...500. Codes: `request.invalid_field`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "request.invalid_field"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/request.invalid_field",
                  "title": "Bad Request",
                  "status": 400,
                  "code": "request.invalid_field",
                  "detail": "limit is 1...500",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "401": {
            "description": "Not authenticated, or credentials were presented and are not valid (see the security schemes). Codes: `auth.admin_required`, `auth.session_invalid`, `auth.session_expired`, `auth.session_revoked`, `auth.unsigned_identity`, `auth.signature_missing`, `auth.timestamp_skew`, `auth.nonce_invalid`, `auth.unknown_app`, `auth.signature_invalid`, `auth.nonce_reused`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.admin_required",
                            "auth.session_invalid",
                            "auth.session_expired",
                            "auth.session_revoked",
                            "auth.unsigned_identity",
                            "auth.signature_missing",
                            "auth.timestamp_skew",
                            "auth.nonce_invalid",
                            "auth.unknown_app",
                            "auth.signature_invalid",
                            "auth.nonce_reused"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.admin_required",
                  "title": "Unauthorized",
                  "status": 401,
                  "code": "auth.admin_required",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "403": {
            "description": "A user's or merchant's identity on a back-office route. Codes: `auth.admin_required`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.admin_required"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.admin_required",
                  "title": "Forbidden",
                  "status": 403,
                  "code": "auth.admin_required",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "500": {
            "description": "Unexpected failure; whether the request took effect is not known. A retry with the same `Idempotency-Key` gets this answer again for 24 h, never a second effect: look the result up (`GET /v1/orders`, once the ledger has applied it) before trying again with a new key. Codes: `internal.error`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "internal.error"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/internal.error",
                  "title": "Internal Server Error",
                  "status": 500,
                  "code": "internal.error",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "503": {
            "description": "A service the API needs (PostgreSQL, Redis, Kafka) is not answering; retry later. Codes: `service.unavailable`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "service.unavailable"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/service.unavailable",
                  "title": "Service Unavailable",
                  "status": 503,
                  "code": "service.unavailable",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          }
        },
        "security": [
          {
            "session": []
          }
        ]
      }
    },
    "/v1/admin/refunds/{refundOrderId}/resolve": {
      "post": {
        "operationId": "resolveRefund",
        "tags": [
          "Back office"
        ],
        "summary": "Resolve a held refund",
        "description": "A refund the refund dispatcher holds for an operator (`heldReason` set, not settled by the channel, not resolved: abnormal at the channel, reported for another amount, or accepted and then unknown to the channel), resolved after checking with the channel: `succeeded` records it paid (nothing moves: the money left the wallet when the refund was applied); `returned` sends the money back to the payer's wallet (the refund order becomes `failed`; for an expired envelope's rest, to the sender's). Once; the operator and the reason are kept (`resolution`, `resolvedBy`, `resolutionReason`, `resolvedAt`) and written to the audit trail. Afterwards the channel is no longer asked about it, and a later report of the channel that contradicts the resolution is logged as critical. 200 with the refund (operator view).",
        "parameters": [
          {
            "$ref": "#/components/parameters/RefundOrderId"
          },
          {
            "$ref": "#/components/parameters/IdempotencyKey"
          },
          {
            "$ref": "#/components/parameters/RequestId"
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/ResolveRefundRequest"
              },
              "example": {
                "outcome": "succeeded",
                "reason": "SUCCESS in the WeChat Pay merchant platform",
                "channelReference": "50300000002026112800000000001"
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "The refund, resolved.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              },
              "Idempotent-Replayed": {
                "$ref": "#/components/headers/Idempotent-Replayed"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/RefundRecord"
                }
              }
            }
          },
          "400": {
            "description": "The body is not the documented JSON, `outcome` is not `succeeded` or `returned`, `reason` is not 1…200 characters, or `channelReference` is not 1…64 letters, digits or `_-|*`. Malformed `Idempotency-Key`. Codes: `request.invalid_body`, `request.invalid_field`, `idempotency.invalid_key`, `request.missing_field`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "request.invalid_body",
                            "request.invalid_field",
                            "idempotency.invalid_key",
                            "request.missing_field"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/request.invalid_body",
                  "title": "Bad Request",
                  "status": 400,
                  "code": "request.invalid_body",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "401": {
            "description": "Not authenticated, or credentials were presented and are not valid (see the security schemes). Codes: `auth.admin_required`, `auth.session_invalid`, `auth.session_expired`, `auth.session_revoked`, `auth.unsigned_identity`, `auth.signature_missing`, `auth.timestamp_skew`, `auth.nonce_invalid`, `auth.unknown_app`, `auth.signature_invalid`, `auth.nonce_reused`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.admin_required",
                            "auth.session_invalid",
                            "auth.session_expired",
                            "auth.session_revoked",
                            "auth.unsigned_identity",
                            "auth.signature_missing",
                            "auth.timestamp_skew",
                            "auth.nonce_invalid",
                            "auth.unknown_app",
                            "auth.signature_invalid",
                            "auth.nonce_reused"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.admin_required",
                  "title": "Unauthorized",
                  "status": 401,
                  "code": "auth.admin_required",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "403": {
            "description": "A user's or merchant's identity on a back-office route. Codes: `auth.admin_required`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.admin_required"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.admin_required",
                  "title": "Forbidden",
                  "status": 403,
                  "code": "auth.admin_required",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "404": {
            "description": "No such refund. Codes: `refund.not_found`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "refund.not_found"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/refund.not_found",
                  "title": "Not Found",
                  "status": 404,
                  "code": "refund.not_found",
                  "detail": "No such refund",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "409": {
            "description": "Not a held refund (never held, settled by the channel, given up, or resolved already). A request with the same `Idempotency-Key` is still running. Codes: `refund.not_resolvable`, `idempotency.in_progress`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "refund.not_resolvable",
                            "idempotency.in_progress"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/refund.not_resolvable",
                  "title": "Conflict",
                  "status": 409,
                  "code": "refund.not_resolvable",
                  "detail": "Not a held refund (never held, settled by the channel, given up, or resolved already). A request with the same `Idempotency-Key` is still running",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "422": {
            "description": "The `Idempotency-Key` was used for a different request. Codes: `idempotency.key_reused`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "idempotency.key_reused"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/idempotency.key_reused",
                  "title": "Unprocessable Content",
                  "status": 422,
                  "code": "idempotency.key_reused",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "500": {
            "description": "Unexpected failure; whether the request took effect is not known. A retry with the same `Idempotency-Key` gets this answer again for 24 h, never a second effect: look the result up (`GET /v1/orders`, once the ledger has applied it) before trying again with a new key. A first request with the key that never answered (its process stopped) gets `idempotency.outcome_unknown` from five minutes on, with the same meaning. Codes: `internal.error`, `idempotency.outcome_unknown`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "internal.error",
                            "idempotency.outcome_unknown"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/internal.error",
                  "title": "Internal Server Error",
                  "status": 500,
                  "code": "internal.error",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "503": {
            "description": "A service the API needs (PostgreSQL, Redis, Kafka) is not answering; retry later. Codes: `service.unavailable`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "service.unavailable"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/service.unavailable",
                  "title": "Service Unavailable",
                  "status": 503,
                  "code": "service.unavailable",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          }
        },
        "security": [
          {
            "session": []
          }
        ]
      }
    },
    "/v1/envelopes": {
      "post": {
        "operationId": "sendEnvelope",
        "tags": [
          "Envelopes"
        ],
        "summary": "Send a red envelope",
        "description": "The split is decided now. Paid by channel: 201 with `codeUrl` (status `created`; the notify funds it). From the wallet: 201 once its funding is queued. It goes to exactly one of a group the sender is a member of (`POST /v1/groups`) and one other user (`receiver`): only they may grab it. Once funded, the shares are loaded into Redis and `envelope.available` is pushed to the group's members or the receiver. Needs a one-time token (`X-Paystream-Token`).",
        "parameters": [
          {
            "$ref": "#/components/parameters/OneTimeToken"
          },
          {
            "$ref": "#/components/parameters/IdempotencyKey"
          },
          {
            "$ref": "#/components/parameters/RequestId"
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/EnvelopeRequest"
              },
              "example": {
                "totalFen": 10000,
                "shares": 5,
                "mode": "random",
                "greeting": "新年快乐",
                "groupId": "GR20260101120000K7M2Q9XW4T",
                "payWith": "wallet"
              }
            }
          }
        },
        "responses": {
          "201": {
            "description": "The envelope.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              },
              "Idempotent-Replayed": {
                "$ref": "#/components/headers/Idempotent-Replayed"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/EnvelopeRecord"
                }
              }
            }
          },
          "400": {
            "description": "The body is not the documented JSON, or the split, expiry, payment or audience is invalid (exactly one of `groupId` and `receiver`; the receiver another user, and then one share). Malformed `Idempotency-Key`. Codes: `request.invalid_body`, `request.missing_field`, `amount.out_of_range`, `envelope.invalid_shares`, `envelope.total_too_small`, `envelope.invalid_expiry`, `envelope.invalid_payment`, `envelope.audience_required`, `envelope.invalid_receiver`, `idempotency.invalid_key`, `request.invalid_field`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "request.invalid_body",
                            "request.missing_field",
                            "amount.out_of_range",
                            "envelope.invalid_shares",
                            "envelope.total_too_small",
                            "envelope.invalid_expiry",
                            "envelope.invalid_payment",
                            "idempotency.invalid_key",
                            "request.invalid_field",
                            "envelope.audience_required",
                            "envelope.invalid_receiver"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/request.invalid_body",
                  "title": "Bad Request",
                  "status": 400,
                  "code": "request.invalid_body",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "401": {
            "description": "Not authenticated (see the security schemes). Codes: `auth.missing`, `auth.signature_missing`, `auth.timestamp_skew`, `auth.nonce_invalid`, `auth.unknown_app`, `auth.signature_invalid`, `auth.nonce_reused`, `auth.unsigned_identity`, `auth.session_invalid`, `auth.session_expired`, `auth.session_revoked`, `auth.session_required`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.missing",
                            "auth.signature_missing",
                            "auth.timestamp_skew",
                            "auth.nonce_invalid",
                            "auth.unknown_app",
                            "auth.signature_invalid",
                            "auth.nonce_reused",
                            "auth.unsigned_identity",
                            "auth.session_invalid",
                            "auth.session_expired",
                            "auth.session_revoked",
                            "auth.session_required"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.missing",
                  "title": "Unauthorized",
                  "status": 401,
                  "code": "auth.missing",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "403": {
            "description": "Only users send envelopes. Codes: `envelope.users_only`, `auth.account_required`, `auth.session_mismatch`. A one-time token that is unknown, expired or another account's: `token.invalid`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "envelope.users_only",
                            "auth.account_required",
                            "auth.session_mismatch",
                            "token.invalid"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/envelope.users_only",
                  "title": "Forbidden",
                  "status": 403,
                  "code": "envelope.users_only",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "404": {
            "description": "The sender is not a member of `groupId` (or there is no such group). Codes: `group.not_found`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "group.not_found"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/group.not_found",
                  "title": "Not Found",
                  "status": 404,
                  "code": "group.not_found",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "409": {
            "description": "Paid from the wallet: the available balance is less than the total. A request with the same `Idempotency-Key` is still running. Codes: `balance.insufficient_available`, `idempotency.in_progress`. A spent one-time token: `token.reused`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "balance.insufficient_available",
                            "idempotency.in_progress",
                            "token.reused"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/balance.insufficient_available",
                  "title": "Conflict",
                  "status": 409,
                  "code": "balance.insufficient_available",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "422": {
            "description": "The `Idempotency-Key` was used for a different request. Codes: `idempotency.key_reused`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "idempotency.key_reused"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/idempotency.key_reused",
                  "title": "Unprocessable Content",
                  "status": 422,
                  "code": "idempotency.key_reused",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "428": {
            "description": "No one-time token in `X-Paystream-Token`. Code: `token.required`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "token.required"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/token.required",
                  "title": "Precondition Required",
                  "status": 428,
                  "code": "token.required",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "500": {
            "description": "Unexpected failure; whether the request took effect is not known. A retry with the same `Idempotency-Key` gets this answer again for 24 h, never a second effect: look the result up (`GET /v1/orders`, once the ledger has applied it) before trying again with a new key. A first request with the key that never answered (its process stopped) gets `idempotency.outcome_unknown` from five minutes on, with the same meaning. Codes: `internal.error`, `idempotency.outcome_unknown`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "internal.error",
                            "idempotency.outcome_unknown"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/internal.error",
                  "title": "Internal Server Error",
                  "status": 500,
                  "code": "internal.error",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "502": {
            "description": "The channel did not create the order. Codes: `channel.unavailable`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "channel.unavailable"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/channel.unavailable",
                  "title": "Bad Gateway",
                  "status": 502,
                  "code": "channel.unavailable",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "503": {
            "description": "A service the API needs (PostgreSQL, Redis, Kafka) is not answering; retry later. Codes: `service.unavailable`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "service.unavailable"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/service.unavailable",
                  "title": "Service Unavailable",
                  "status": 503,
                  "code": "service.unavailable",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          }
        },
        "security": [
          {
            "signature": []
          }
        ]
      }
    },
    "/v1/envelopes/{envelopeId}/grab": {
      "post": {
        "operationId": "grabEnvelope",
        "tags": [
          "Envelopes"
        ],
        "summary": "Grab a share",
        "description": "One atomic Redis script (the envelope live, the caller its receiver or a member of its group, not grabbed by them yet, a share left), then the grab event on Kafka, acknowledged before the answer. No body is read. Needs a one-time token (`X-Paystream-Token`).",
        "parameters": [
          {
            "$ref": "#/components/parameters/OneTimeToken"
          },
          {
            "$ref": "#/components/parameters/EnvelopeId"
          },
          {
            "$ref": "#/components/parameters/IdempotencyKey"
          },
          {
            "$ref": "#/components/parameters/RequestId"
          }
        ],
        "responses": {
          "200": {
            "description": "The share won.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              },
              "Idempotent-Replayed": {
                "$ref": "#/components/headers/Idempotent-Replayed"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/GrabResult"
                }
              }
            }
          },
          "400": {
            "description": "Malformed `Idempotency-Key`. Codes: `idempotency.invalid_key`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "idempotency.invalid_key"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/idempotency.invalid_key",
                  "title": "Bad Request",
                  "status": 400,
                  "code": "idempotency.invalid_key",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "401": {
            "description": "Not authenticated (see the security schemes). Codes: `auth.missing`, `auth.signature_missing`, `auth.timestamp_skew`, `auth.nonce_invalid`, `auth.unknown_app`, `auth.signature_invalid`, `auth.nonce_reused`, `auth.unsigned_identity`, `auth.session_invalid`, `auth.session_expired`, `auth.session_revoked`, `auth.session_required`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.missing",
                            "auth.signature_missing",
                            "auth.timestamp_skew",
                            "auth.nonce_invalid",
                            "auth.unknown_app",
                            "auth.signature_invalid",
                            "auth.nonce_reused",
                            "auth.unsigned_identity",
                            "auth.session_invalid",
                            "auth.session_expired",
                            "auth.session_revoked",
                            "auth.session_required"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.missing",
                  "title": "Unauthorized",
                  "status": 401,
                  "code": "auth.missing",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "403": {
            "description": "Only users grab, and only the envelope's receiver or its group's members. Codes: `envelope.users_only`, `envelope.not_for_you`, `auth.account_required`, `auth.session_mismatch`. A one-time token that is unknown, expired or another account's: `token.invalid`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "envelope.users_only",
                            "auth.account_required",
                            "auth.session_mismatch",
                            "token.invalid",
                            "envelope.not_for_you"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/envelope.users_only",
                  "title": "Forbidden",
                  "status": 403,
                  "code": "envelope.users_only",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "404": {
            "description": "No such envelope. Codes: `envelope.not_found`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "envelope.not_found"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/envelope.not_found",
                  "title": "Not Found",
                  "status": 404,
                  "code": "envelope.not_found",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "409": {
            "description": "This user already grabbed it, or it is not paid yet. A request with the same `Idempotency-Key` is still running. Codes: `envelope.already_grabbed`, `envelope.not_funded`, `idempotency.in_progress`. A spent one-time token: `token.reused`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "envelope.already_grabbed",
                            "envelope.not_funded",
                            "idempotency.in_progress",
                            "token.reused"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/envelope.already_grabbed",
                  "title": "Conflict",
                  "status": 409,
                  "code": "envelope.already_grabbed",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "410": {
            "description": "Every share is grabbed, it expired, or its payment failed or was closed (it will never be funded). Codes: `envelope.empty`, `envelope.expired`, `envelope.unpaid`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "envelope.empty",
                            "envelope.expired",
                            "envelope.unpaid"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/envelope.empty",
                  "title": "Gone",
                  "status": 410,
                  "code": "envelope.empty",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "422": {
            "description": "The `Idempotency-Key` was used for a different request. Codes: `idempotency.key_reused`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "idempotency.key_reused"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/idempotency.key_reused",
                  "title": "Unprocessable Content",
                  "status": 422,
                  "code": "idempotency.key_reused",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "428": {
            "description": "No one-time token in `X-Paystream-Token`. Code: `token.required`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "token.required"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/token.required",
                  "title": "Precondition Required",
                  "status": 428,
                  "code": "token.required",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "500": {
            "description": "Unexpected failure; whether the request took effect is not known. A retry with the same `Idempotency-Key` gets this answer again for 24 h, never a second effect: look the result up (`GET /v1/orders`, once the ledger has applied it) before trying again with a new key. A first request with the key that never answered (its process stopped) gets `idempotency.outcome_unknown` from five minutes on, with the same meaning. Codes: `internal.error`, `idempotency.outcome_unknown`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "internal.error",
                            "idempotency.outcome_unknown"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/internal.error",
                  "title": "Internal Server Error",
                  "status": 500,
                  "code": "internal.error",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "503": {
            "description": "Funded but not (or no longer) in Redis; try again. Codes: `envelope.not_ready`, `service.unavailable`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "envelope.not_ready",
                            "service.unavailable"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/envelope.not_ready",
                  "title": "Service Unavailable",
                  "status": 503,
                  "code": "envelope.not_ready",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          }
        },
        "security": [
          {
            "signature": []
          }
        ]
      }
    },
    "/v1/envelopes/{envelopeId}": {
      "get": {
        "operationId": "getEnvelope",
        "tags": [
          "Envelopes"
        ],
        "summary": "An envelope and its grabs",
        "description": "From Redis while it holds them, from PostgreSQL's committed grabs after; same shape, `source` says which.",
        "parameters": [
          {
            "$ref": "#/components/parameters/EnvelopeId"
          },
          {
            "$ref": "#/components/parameters/RequestId"
          }
        ],
        "responses": {
          "200": {
            "description": "The envelope.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/EnvelopeListing"
                }
              }
            }
          },
          "401": {
            "description": "Not authenticated (see the security schemes). Codes: `auth.missing`, `auth.signature_missing`, `auth.timestamp_skew`, `auth.nonce_invalid`, `auth.unknown_app`, `auth.signature_invalid`, `auth.nonce_reused`, `auth.unsigned_identity`, `auth.session_invalid`, `auth.session_expired`, `auth.session_revoked`, `auth.session_required`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.missing",
                            "auth.signature_missing",
                            "auth.timestamp_skew",
                            "auth.nonce_invalid",
                            "auth.unknown_app",
                            "auth.signature_invalid",
                            "auth.nonce_reused",
                            "auth.unsigned_identity",
                            "auth.session_invalid",
                            "auth.session_expired",
                            "auth.session_revoked",
                            "auth.session_required"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.missing",
                  "title": "Unauthorized",
                  "status": 401,
                  "code": "auth.missing",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "403": {
            "description": "An operator's session alone is not an account; a merchant session must be the signing account's. Codes: `auth.account_required`, `auth.session_mismatch`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.account_required",
                            "auth.session_mismatch"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.account_required",
                  "title": "Forbidden",
                  "status": 403,
                  "code": "auth.account_required",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "404": {
            "description": "No such envelope, or not one the caller may see (its sender, its receiver and its group's members do). Codes: `envelope.not_found`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "envelope.not_found"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/envelope.not_found",
                  "title": "Not Found",
                  "status": 404,
                  "code": "envelope.not_found",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "500": {
            "description": "Unexpected failure; whether the request took effect is not known. A retry with the same `Idempotency-Key` gets this answer again for 24 h, never a second effect: look the result up (`GET /v1/orders`, once the ledger has applied it) before trying again with a new key. Codes: `internal.error`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "internal.error"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/internal.error",
                  "title": "Internal Server Error",
                  "status": 500,
                  "code": "internal.error",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "503": {
            "description": "A service the API needs (PostgreSQL, Redis, Kafka) is not answering; retry later. Codes: `service.unavailable`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "service.unavailable"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/service.unavailable",
                  "title": "Service Unavailable",
                  "status": 503,
                  "code": "service.unavailable",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          }
        },
        "security": [
          {
            "signature": []
          }
        ]
      }
    },
    "/v1/events": {
      "get": {
        "operationId": "events",
        "tags": [
          "Push"
        ],
        "summary": "Server-Sent Events",
        "description": "A stream of what happens to the caller's money and envelopes: `envelope.available` (to the members of the groups named in `groups`, and to an envelope's receiver), `group.left` (the caller was removed from a group, or left it: its announcements stop), `grab.credited`, `envelope.finished`, `envelope.refunded`, `envelope.rest_returned` (an envelope's rest the channel did not refund is back in the wallet), `envelope.funded`, `refund.done`, `refund.returned` (a refund the channel could not complete is back in the wallet), `payment.credited`, `payment.failed`, `transfer.credited`, `withdrawal.updated`. Each event is `event: <name>` and one `data:` line of JSON; a comment every 15 s keeps the connection alive. The stream's credentials are checked again at every second keep-alive (30 s); once they are no longer good (its API client disabled, seen within 60 s; a merchant's session expired, logged out, or older than its login's password) the last event is `stream.ended` with `{\"code\":\"auth.unknown_app\"|\"auth.session_expired\"|\"auth.session_revoked\"}` and the stream ends. A client not connected misses events.",
        "parameters": [
          {
            "name": "groups",
            "in": "query",
            "required": false,
            "description": "Comma-separated groups (`GR…`) whose announcements to also receive (at most 20); the caller must be a member of each, otherwise 403 `push.not_group_member`.",
            "schema": {
              "type": "string"
            },
            "example": "GR20260101120000K7M2Q9XW4T"
          },
          {
            "$ref": "#/components/parameters/RequestId"
          }
        ],
        "responses": {
          "200": {
            "description": "The event stream.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "text/event-stream": {
                "schema": {
                  "type": "object",
                  "description": "One Server-Sent Event: its name and one line of JSON data (`token.issued`: `{\"tokens\":[…],\"expiresInSeconds\":300}`).",
                  "properties": {
                    "event": {
                      "type": "string"
                    },
                    "data": {
                      "type": "string"
                    },
                    "id": {
                      "type": "string"
                    },
                    "retry": {
                      "type": "integer"
                    }
                  }
                },
                "example": "event: grab.credited\ndata: {\"amountFen\":1234}\n\n"
              }
            }
          },
          "401": {
            "description": "Not authenticated (see the security schemes). Codes: `auth.missing`, `auth.signature_missing`, `auth.timestamp_skew`, `auth.nonce_invalid`, `auth.unknown_app`, `auth.signature_invalid`, `auth.nonce_reused`, `auth.unsigned_identity`, `auth.session_invalid`, `auth.session_expired`, `auth.session_revoked`, `auth.session_required`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.missing",
                            "auth.signature_missing",
                            "auth.timestamp_skew",
                            "auth.nonce_invalid",
                            "auth.unknown_app",
                            "auth.signature_invalid",
                            "auth.nonce_reused",
                            "auth.unsigned_identity",
                            "auth.session_invalid",
                            "auth.session_expired",
                            "auth.session_revoked",
                            "auth.session_required"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.missing",
                  "title": "Unauthorized",
                  "status": 401,
                  "code": "auth.missing",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "403": {
            "description": "Not a member of a group named in `groups`. An operator's session alone is not an account; a merchant session must be the signing account's. Codes: `push.not_group_member`, `auth.account_required`, `auth.session_mismatch`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.account_required",
                            "auth.session_mismatch",
                            "push.not_group_member"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.account_required",
                  "title": "Forbidden",
                  "status": 403,
                  "code": "auth.account_required",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "429": {
            "description": "This account holds 10 event streams on this API process already: close one first. Codes: `push.too_many_streams`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "push.too_many_streams"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/push.too_many_streams",
                  "title": "Too Many Requests",
                  "status": 429,
                  "code": "push.too_many_streams",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "500": {
            "description": "Unexpected failure; whether the request took effect is not known. A retry with the same `Idempotency-Key` gets this answer again for 24 h, never a second effect: look the result up (`GET /v1/orders`, once the ledger has applied it) before trying again with a new key. Codes: `internal.error`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "internal.error"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/internal.error",
                  "title": "Internal Server Error",
                  "status": 500,
                  "code": "internal.error",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "503": {
            "description": "A service the API needs (PostgreSQL, Redis, Kafka) is not answering; retry later. Codes: `service.unavailable`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "service.unavailable"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/service.unavailable",
                  "title": "Service Unavailable",
                  "status": 503,
                  "code": "service.unavailable",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          }
        },
        "security": [
          {
            "signature": []
          }
        ]
      }
    },
    "/v1/events/ready": {
      "get": {
        "operationId": "eventsReady",
        "tags": [
          "Push"
        ],
        "summary": "Push readiness",
        "description": "200 once this process relays pushes.",
        "parameters": [
          {
            "$ref": "#/components/parameters/RequestId"
          }
        ],
        "responses": {
          "200": {
            "description": "Ready.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "text/plain": {
                "schema": {
                  "type": "string",
                  "const": "ready\n"
                }
              }
            }
          },
          "401": {
            "description": "This operation needs no identity, but a request that presents credentials must present valid ones: partial or invalid signature headers, or an invalid session, are refused. Codes: `auth.unsigned_identity`, `auth.signature_missing`, `auth.timestamp_skew`, `auth.nonce_invalid`, `auth.unknown_app`, `auth.signature_invalid`, `auth.nonce_reused`, `auth.session_invalid`, `auth.session_expired`, `auth.session_revoked`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.unsigned_identity",
                            "auth.signature_missing",
                            "auth.timestamp_skew",
                            "auth.nonce_invalid",
                            "auth.unknown_app",
                            "auth.signature_invalid",
                            "auth.nonce_reused",
                            "auth.session_invalid",
                            "auth.session_expired",
                            "auth.session_revoked"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.signature_missing",
                  "title": "Unauthorized",
                  "status": 401,
                  "code": "auth.signature_missing",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "500": {
            "description": "Unexpected failure; whether the request took effect is not known. A retry with the same `Idempotency-Key` gets this answer again for 24 h, never a second effect: look the result up (`GET /v1/orders`, once the ledger has applied it) before trying again with a new key. Codes: `internal.error`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "internal.error"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/internal.error",
                  "title": "Internal Server Error",
                  "status": 500,
                  "code": "internal.error",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "503": {
            "description": "The push relay is starting. Codes: `push.not_ready`, `service.unavailable`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "push.not_ready",
                            "service.unavailable"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/push.not_ready",
                  "title": "Service Unavailable",
                  "status": 503,
                  "code": "push.not_ready",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          }
        }
      }
    },
    "/notify/wechat": {
      "post": {
        "operationId": "notifyWeChat",
        "tags": [
          "Channel notifies"
        ],
        "summary": "WeChat Pay notify",
        "description": "Payments, refunds and transfers, verified (platform key by serial, 5-minute window, SHA256withRSA over the exact body, AEAD_AES_256_GCM resource). A payment is acknowledged only after its event is on Kafka. Called by WeChat Pay only. Verification failure codes: `notify.bad_signature`, `notify.expired_timestamp`, `notify.unknown_key`, `notify.decryption_failed`, `notify.malformed`, `notify.recipient_mismatch`.",
        "parameters": [
          {
            "name": "Wechatpay-Timestamp",
            "in": "header",
            "required": true,
            "description": "Signing time (Unix seconds); refused 5 minutes or more away from now.",
            "schema": {
              "type": "string"
            }
          },
          {
            "name": "Wechatpay-Nonce",
            "in": "header",
            "required": true,
            "description": "Signing nonce.",
            "schema": {
              "type": "string"
            }
          },
          {
            "name": "Wechatpay-Signature",
            "in": "header",
            "required": true,
            "description": "SHA256withRSA over timestamp, nonce and the exact body, Base64.",
            "schema": {
              "type": "string"
            }
          },
          {
            "name": "Wechatpay-Serial",
            "in": "header",
            "required": true,
            "description": "Serial of the platform key that signed it.",
            "schema": {
              "type": "string"
            }
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "type": "object"
              },
              "example": {
                "id": "EV-2018022511223320873",
                "create_time": "2025-01-01T12:00:00+08:00",
                "resource_type": "encrypt-resource",
                "event_type": "TRANSACTION.SUCCESS",
                "summary": "支付成功",
                "resource": {
                  "algorithm": "AEAD_AES_256_GCM",
                  "ciphertext": "…",
                  "associated_data": "transaction",
                  "original_type": "transaction",
                  "nonce": "fdasflkja484w"
                }
              }
            }
          }
        },
        "responses": {
          "204": {
            "description": "Accepted (acknowledged)."
          },
          "400": {
            "description": "Malformed or undecryptable (`message` is the check's code).",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/WeChatNotifyAck"
                },
                "example": {
                  "code": "FAIL",
                  "message": "notify.malformed"
                }
              }
            }
          },
          "401": {
            "description": "Failed verification (`message` is the check's code).",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/WeChatNotifyAck"
                },
                "example": {
                  "code": "FAIL",
                  "message": "notify.bad_signature"
                }
              }
            }
          },
          "404": {
            "description": "Verified, but for an unknown order.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/WeChatNotifyAck"
                },
                "example": {
                  "code": "ORDER_NOT_FOUND",
                  "message": "no order RC20250101120000ABCDEFGH23"
                }
              }
            }
          },
          "500": {
            "description": "Not processed; WeChat Pay retries.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/WeChatNotifyAck"
                },
                "example": {
                  "code": "FAIL",
                  "message": "not processed, retry"
                }
              }
            }
          }
        }
      }
    },
    "/notify/alipay": {
      "post": {
        "operationId": "notifyAlipay",
        "tags": [
          "Channel notifies"
        ],
        "summary": "Alipay notify",
        "description": "trade_status_sync notifies (payments and refunds), verified with RSA2 over the sorted form. Called by Alipay only. Verification failure codes: `notify.bad_signature`, `notify.expired_timestamp`, `notify.unknown_key`, `notify.decryption_failed`, `notify.malformed`, `notify.recipient_mismatch`.",
        "requestBody": {
          "required": true,
          "content": {
            "application/x-www-form-urlencoded": {
              "schema": {
                "type": "object",
                "additionalProperties": {
                  "type": "string"
                }
              },
              "example": {
                "notify_id": "ac05099524730693a8b330c5ecf72da9786",
                "app_id": "2021000000000000",
                "trade_no": "2025010122001400000000000000",
                "out_trade_no": "RC20250101120000ABCDEFGH23",
                "trade_status": "TRADE_SUCCESS",
                "total_amount": "10.00",
                "sign_type": "RSA2",
                "sign": "…"
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "Accepted: exactly `success`.",
            "content": {
              "text/plain": {
                "schema": {
                  "type": "string"
                },
                "example": "success"
              }
            }
          },
          "400": {
            "description": "Malformed: `failure: notify.malformed`.",
            "content": {
              "text/plain": {
                "schema": {
                  "type": "string"
                },
                "example": "failure: notify.malformed"
              }
            }
          },
          "401": {
            "description": "Failed verification: `failure: <code>`.",
            "content": {
              "text/plain": {
                "schema": {
                  "type": "string"
                },
                "example": "failure: notify.bad_signature"
              }
            }
          },
          "404": {
            "description": "Verified, but for an unknown order.",
            "content": {
              "text/plain": {
                "schema": {
                  "type": "string"
                },
                "example": "failure: unknown order"
              }
            }
          },
          "500": {
            "description": "Not processed; Alipay retries.",
            "content": {
              "text/plain": {
                "schema": {
                  "type": "string"
                },
                "example": "failure"
              }
            }
          }
        }
      }
    },
    "/notify/bill99": {
      "post": {
        "operationId": "notifyBill99",
        "tags": [
          "Channel notifies"
        ],
        "summary": "Bill99 payout notify",
        "description": "pay2bankNotify: the sealed `<pay2bankResult>`, verified with Bill99's key, naming this merchant's memberCode. Called by Bill99 only. Verification failure codes: `notify.bad_signature`, `notify.expired_timestamp`, `notify.unknown_key`, `notify.decryption_failed`, `notify.malformed`, `notify.recipient_mismatch`.",
        "requestBody": {
          "required": true,
          "content": {
            "application/xml": {
              "schema": {
                "type": "string"
              },
              "example": "<pay2bankNotify>…</pay2bankNotify>"
            }
          }
        },
        "responses": {
          "200": {
            "description": "Accepted: `0000`.",
            "content": {
              "text/plain": {
                "schema": {
                  "type": "string"
                },
                "example": "0000"
              }
            }
          },
          "400": {
            "description": "Malformed: `failure: notify.malformed`.",
            "content": {
              "text/plain": {
                "schema": {
                  "type": "string"
                },
                "example": "failure: notify.malformed"
              }
            }
          },
          "401": {
            "description": "Failed verification: `failure: <code>`.",
            "content": {
              "text/plain": {
                "schema": {
                  "type": "string"
                },
                "example": "failure: notify.bad_signature"
              }
            }
          },
          "500": {
            "description": "Not processed; Bill99 retries.",
            "content": {
              "text/plain": {
                "schema": {
                  "type": "string"
                },
                "example": "failure"
              }
            }
          }
        }
      }
    },
    "/v1/auth/login": {
      "post": {
        "operationId": "login",
        "tags": [
          "Accounts"
        ],
        "summary": "Log in (merchant or operator)",
        "description": "Checks the password (scrypt or PBKDF2-SHA256 hash, per-login salt) and answers a session valid 30 minutes. An unknown login and a wrong password get the same answer after the same work. Needs no other identity. `Idempotency-Key` is ignored here: the answer is a credential, never stored, and a login tried again opens another session.",
        "parameters": [
          {
            "$ref": "#/components/parameters/RequestId"
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/LoginRequest"
              },
              "example": {
                "login": "ops-li",
                "password": "correct horse battery staple"
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "A session.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Session"
                }
              }
            }
          },
          "400": {
            "description": "The body is not the documented JSON. Codes: `request.invalid_body`, `request.missing_field`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "request.invalid_body",
                            "request.missing_field"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/request.invalid_body",
                  "title": "Bad Request",
                  "status": 400,
                  "code": "request.invalid_body",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "401": {
            "description": "The login or the password is wrong, or credentials were presented and are not valid (partial or invalid signature headers, an invalid session). Codes: `auth.login_failed`, `auth.unsigned_identity`, `auth.signature_missing`, `auth.timestamp_skew`, `auth.nonce_invalid`, `auth.unknown_app`, `auth.signature_invalid`, `auth.nonce_reused`, `auth.session_invalid`, `auth.session_expired`, `auth.session_revoked`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.login_failed",
                            "auth.unsigned_identity",
                            "auth.signature_missing",
                            "auth.timestamp_skew",
                            "auth.nonce_invalid",
                            "auth.unknown_app",
                            "auth.signature_invalid",
                            "auth.nonce_reused",
                            "auth.session_invalid",
                            "auth.session_expired",
                            "auth.session_revoked"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.login_failed",
                  "title": "Unauthorized",
                  "status": 401,
                  "code": "auth.login_failed",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "429": {
            "description": "Five failed logins in a row lock the login for 15 minutes (also against the right password); `Retry-After` says when to try again. Codes: `auth.locked`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              },
              "Retry-After": {
                "description": "Seconds until the lock ends.",
                "schema": {
                  "type": "string"
                }
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.locked"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.locked",
                  "title": "Too Many Requests",
                  "status": 429,
                  "code": "auth.locked",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "500": {
            "description": "Unexpected failure. Codes: `internal.error`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "internal.error"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/internal.error",
                  "title": "Internal Server Error",
                  "status": 500,
                  "code": "internal.error",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "503": {
            "description": "Eight sign-ins are being checked on this process already (the password hash is slow on purpose): try again after `Retry-After` (1 s); the attempt is not counted as a failure. A service the API needs (PostgreSQL, Redis, Kafka) is not answering; retry later. Codes: `auth.busy`, `service.unavailable`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              },
              "Retry-After": {
                "description": "With `auth.busy`: seconds to wait (1).",
                "schema": {
                  "type": "string"
                }
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "service.unavailable",
                            "auth.busy"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/service.unavailable",
                  "title": "Service Unavailable",
                  "status": 503,
                  "code": "service.unavailable",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          }
        }
      }
    },
    "/v1/tokens": {
      "post": {
        "operationId": "issueOneTimeTokens",
        "tags": [
          "Withdrawals"
        ],
        "summary": "Ask for one-time tokens (delivered by push)",
        "description": "Issues `count` one-time tokens for the caller, valid 300 s, each spent by one money-moving request (`X-Paystream-Token`). They are delivered only over the caller's event stream (`GET /v1/events`, event `token.issued`, data `{\"tokens\":[…],\"expiresInSeconds\":300}`), never in this answer: open the stream first. An account is issued at most 5,000 tokens per 300 s window (429 `token.rate_limited` beyond).",
        "security": [
          {
            "signature": []
          }
        ],
        "parameters": [
          {
            "$ref": "#/components/parameters/RequestId"
          }
        ],
        "requestBody": {
          "required": false,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/TokenRequest"
              },
              "example": {
                "count": 10
              }
            }
          }
        },
        "responses": {
          "202": {
            "description": "Issued; the tokens are on their way to the caller's event stream.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/TokenIssue"
                }
              }
            }
          },
          "400": {
            "description": "The body is not the documented JSON, or count is out of 1…50. Codes: `request.invalid_body`, `request.invalid_field`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "request.invalid_body",
                            "request.invalid_field"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/request.invalid_body",
                  "title": "Bad Request",
                  "status": 400,
                  "code": "request.invalid_body",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "401": {
            "description": "Not authenticated (see the security schemes). Codes: `auth.missing`, `auth.signature_missing`, `auth.timestamp_skew`, `auth.nonce_invalid`, `auth.unknown_app`, `auth.signature_invalid`, `auth.nonce_reused`, `auth.unsigned_identity`, `auth.session_invalid`, `auth.session_expired`, `auth.session_revoked`, `auth.session_required`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.missing",
                            "auth.signature_missing",
                            "auth.timestamp_skew",
                            "auth.nonce_invalid",
                            "auth.unknown_app",
                            "auth.signature_invalid",
                            "auth.nonce_reused",
                            "auth.unsigned_identity",
                            "auth.session_invalid",
                            "auth.session_expired",
                            "auth.session_revoked",
                            "auth.session_required"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.missing",
                  "title": "Unauthorized",
                  "status": 401,
                  "code": "auth.missing",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "403": {
            "description": "An operator's session is not an account; a merchant's session with another merchant's signature. Codes: `auth.account_required`, `auth.session_mismatch`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.account_required",
                            "auth.session_mismatch"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.account_required",
                  "title": "Forbidden",
                  "status": 403,
                  "code": "auth.account_required",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "429": {
            "description": "The account was issued 5,000 tokens within the current 300 s window; `Retry-After` says when the window ends. Codes: `token.rate_limited`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              },
              "Retry-After": {
                "description": "Seconds until the window ends.",
                "schema": {
                  "type": "string"
                }
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "token.rate_limited"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/token.rate_limited",
                  "title": "Too Many Requests",
                  "status": 429,
                  "code": "token.rate_limited",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "500": {
            "description": "Unexpected failure; whether the request took effect is not known. A retry with the same `Idempotency-Key` gets this answer again for 24 h, never a second effect: look the result up (`GET /v1/orders`, once the ledger has applied it) before trying again with a new key. Codes: `internal.error`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "internal.error"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/internal.error",
                  "title": "Internal Server Error",
                  "status": 500,
                  "code": "internal.error",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "503": {
            "description": "A service the API needs (PostgreSQL, Redis, Kafka) is not answering; retry later. Codes: `service.unavailable`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "service.unavailable"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/service.unavailable",
                  "title": "Service Unavailable",
                  "status": 503,
                  "code": "service.unavailable",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          }
        }
      }
    },
    "/v1/groups": {
      "post": {
        "operationId": "createGroup",
        "tags": [
          "Groups"
        ],
        "summary": "Make a group",
        "description": "A group of users to send envelopes to, its id made by the platform; the caller is its owner and a member.",
        "parameters": [
          {
            "$ref": "#/components/parameters/IdempotencyKey"
          },
          {
            "$ref": "#/components/parameters/RequestId"
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/GroupRequest"
              },
              "example": {
                "name": "family",
                "members": [
                  "user:mum",
                  "user:dad"
                ]
              }
            }
          }
        },
        "responses": {
          "201": {
            "description": "The group.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              },
              "Idempotent-Replayed": {
                "$ref": "#/components/headers/Idempotent-Replayed"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Group"
                }
              }
            }
          },
          "400": {
            "description": "The body is not the documented JSON, `name` is not 1…64 characters without control characters, or `members` lists more than 1,000 or something other than a user account. Malformed `Idempotency-Key`. Codes: `request.invalid_body`, `request.missing_field`, `request.invalid_field`, `group.invalid_member`, `group.too_many_members`, `idempotency.invalid_key`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "request.invalid_body",
                            "request.missing_field",
                            "request.invalid_field",
                            "group.invalid_member",
                            "group.too_many_members",
                            "idempotency.invalid_key"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/request.invalid_body",
                  "title": "Bad Request",
                  "status": 400,
                  "code": "request.invalid_body",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "401": {
            "description": "Not authenticated (see the security schemes). Codes: `auth.missing`, `auth.signature_missing`, `auth.timestamp_skew`, `auth.nonce_invalid`, `auth.unknown_app`, `auth.signature_invalid`, `auth.nonce_reused`, `auth.unsigned_identity`, `auth.session_invalid`, `auth.session_expired`, `auth.session_revoked`, `auth.session_required`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.missing",
                            "auth.signature_missing",
                            "auth.timestamp_skew",
                            "auth.nonce_invalid",
                            "auth.unknown_app",
                            "auth.signature_invalid",
                            "auth.nonce_reused",
                            "auth.unsigned_identity",
                            "auth.session_invalid",
                            "auth.session_expired",
                            "auth.session_revoked",
                            "auth.session_required"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.missing",
                  "title": "Unauthorized",
                  "status": 401,
                  "code": "auth.missing",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "403": {
            "description": "Groups are made of users. Codes: `group.users_only`, `auth.account_required`, `auth.session_mismatch`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "group.users_only",
                            "auth.account_required",
                            "auth.session_mismatch"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/group.users_only",
                  "title": "Forbidden",
                  "status": 403,
                  "code": "group.users_only",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "409": {
            "description": "A request with the same `Idempotency-Key` is still running. Codes: `idempotency.in_progress`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "idempotency.in_progress"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/idempotency.in_progress",
                  "title": "Conflict",
                  "status": 409,
                  "code": "idempotency.in_progress",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "422": {
            "description": "The `Idempotency-Key` was used for a different request. Codes: `idempotency.key_reused`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "idempotency.key_reused"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/idempotency.key_reused",
                  "title": "Unprocessable Content",
                  "status": 422,
                  "code": "idempotency.key_reused",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "500": {
            "description": "Unexpected failure; whether the request took effect is not known. A retry with the same `Idempotency-Key` gets this answer again for 24 h, never a second effect: look the result up (`GET /v1/orders`, once the ledger has applied it) before trying again with a new key. A first request with the key that never answered (its process stopped) gets `idempotency.outcome_unknown` from five minutes on, with the same meaning. Codes: `internal.error`, `idempotency.outcome_unknown`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "internal.error",
                            "idempotency.outcome_unknown"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/internal.error",
                  "title": "Internal Server Error",
                  "status": 500,
                  "code": "internal.error",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "503": {
            "description": "A service the API needs (PostgreSQL, Redis, Kafka) is not answering; retry later. Codes: `service.unavailable`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "service.unavailable"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/service.unavailable",
                  "title": "Service Unavailable",
                  "status": 503,
                  "code": "service.unavailable",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          }
        },
        "security": [
          {
            "signature": []
          }
        ]
      }
    },
    "/v1/groups/{groupId}": {
      "get": {
        "operationId": "getGroup",
        "tags": [
          "Groups"
        ],
        "summary": "A group",
        "description": "The group as its members see it.",
        "parameters": [
          {
            "$ref": "#/components/parameters/GroupId"
          },
          {
            "$ref": "#/components/parameters/RequestId"
          }
        ],
        "responses": {
          "200": {
            "description": "The group.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Group"
                }
              }
            }
          },
          "401": {
            "description": "Not authenticated (see the security schemes). Codes: `auth.missing`, `auth.signature_missing`, `auth.timestamp_skew`, `auth.nonce_invalid`, `auth.unknown_app`, `auth.signature_invalid`, `auth.nonce_reused`, `auth.unsigned_identity`, `auth.session_invalid`, `auth.session_expired`, `auth.session_revoked`, `auth.session_required`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.missing",
                            "auth.signature_missing",
                            "auth.timestamp_skew",
                            "auth.nonce_invalid",
                            "auth.unknown_app",
                            "auth.signature_invalid",
                            "auth.nonce_reused",
                            "auth.unsigned_identity",
                            "auth.session_invalid",
                            "auth.session_expired",
                            "auth.session_revoked",
                            "auth.session_required"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.missing",
                  "title": "Unauthorized",
                  "status": 401,
                  "code": "auth.missing",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "403": {
            "description": "Groups are made of users. Codes: `group.users_only`, `auth.account_required`, `auth.session_mismatch`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "group.users_only",
                            "auth.account_required",
                            "auth.session_mismatch"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/group.users_only",
                  "title": "Forbidden",
                  "status": 403,
                  "code": "group.users_only",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "404": {
            "description": "No such group, or the caller is not a member. Codes: `group.not_found`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "group.not_found"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/group.not_found",
                  "title": "Not Found",
                  "status": 404,
                  "code": "group.not_found",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "500": {
            "description": "Unexpected failure; whether the request took effect is not known. A retry with the same `Idempotency-Key` gets this answer again for 24 h, never a second effect: look the result up (`GET /v1/orders`, once the ledger has applied it) before trying again with a new key. Codes: `internal.error`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "internal.error"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/internal.error",
                  "title": "Internal Server Error",
                  "status": 500,
                  "code": "internal.error",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "503": {
            "description": "A service the API needs (PostgreSQL, Redis, Kafka) is not answering; retry later. Codes: `service.unavailable`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "service.unavailable"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/service.unavailable",
                  "title": "Service Unavailable",
                  "status": 503,
                  "code": "service.unavailable",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          }
        },
        "security": [
          {
            "signature": []
          }
        ]
      }
    },
    "/v1/groups/{groupId}/members": {
      "post": {
        "operationId": "addGroupMembers",
        "tags": [
          "Groups"
        ],
        "summary": "Add members",
        "description": "The owner adds users; those already in are left as they are. Envelopes already sent to the group can be grabbed by them from now on.",
        "parameters": [
          {
            "$ref": "#/components/parameters/GroupId"
          },
          {
            "$ref": "#/components/parameters/IdempotencyKey"
          },
          {
            "$ref": "#/components/parameters/RequestId"
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/GroupMembersRequest"
              },
              "example": {
                "members": [
                  "user:aunt"
                ]
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "The group.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              },
              "Idempotent-Replayed": {
                "$ref": "#/components/headers/Idempotent-Replayed"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Group"
                }
              }
            }
          },
          "400": {
            "description": "The body is not the documented JSON, or `members` is empty, lists more than 1,000 or something other than a user account. Malformed `Idempotency-Key`. Codes: `request.invalid_body`, `request.missing_field`, `group.invalid_member`, `group.too_many_members`, `idempotency.invalid_key`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "request.invalid_body",
                            "request.missing_field",
                            "group.invalid_member",
                            "group.too_many_members",
                            "idempotency.invalid_key"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/request.invalid_body",
                  "title": "Bad Request",
                  "status": 400,
                  "code": "request.invalid_body",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "401": {
            "description": "Not authenticated (see the security schemes). Codes: `auth.missing`, `auth.signature_missing`, `auth.timestamp_skew`, `auth.nonce_invalid`, `auth.unknown_app`, `auth.signature_invalid`, `auth.nonce_reused`, `auth.unsigned_identity`, `auth.session_invalid`, `auth.session_expired`, `auth.session_revoked`, `auth.session_required`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.missing",
                            "auth.signature_missing",
                            "auth.timestamp_skew",
                            "auth.nonce_invalid",
                            "auth.unknown_app",
                            "auth.signature_invalid",
                            "auth.nonce_reused",
                            "auth.unsigned_identity",
                            "auth.session_invalid",
                            "auth.session_expired",
                            "auth.session_revoked",
                            "auth.session_required"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.missing",
                  "title": "Unauthorized",
                  "status": 401,
                  "code": "auth.missing",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "403": {
            "description": "Only the owner adds members; groups are made of users. Codes: `group.owner_only`, `group.users_only`, `auth.account_required`, `auth.session_mismatch`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "group.owner_only",
                            "group.users_only",
                            "auth.account_required",
                            "auth.session_mismatch"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/group.owner_only",
                  "title": "Forbidden",
                  "status": 403,
                  "code": "group.owner_only",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "404": {
            "description": "No such group, or the caller is not a member. Codes: `group.not_found`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "group.not_found"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/group.not_found",
                  "title": "Not Found",
                  "status": 404,
                  "code": "group.not_found",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "409": {
            "description": "The group would have more than 100,000 members. A request with the same `Idempotency-Key` is still running. Codes: `group.full`, `idempotency.in_progress`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "group.full",
                            "idempotency.in_progress"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/group.full",
                  "title": "Conflict",
                  "status": 409,
                  "code": "group.full",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "422": {
            "description": "The `Idempotency-Key` was used for a different request. Codes: `idempotency.key_reused`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "idempotency.key_reused"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/idempotency.key_reused",
                  "title": "Unprocessable Content",
                  "status": 422,
                  "code": "idempotency.key_reused",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "500": {
            "description": "Unexpected failure; whether the request took effect is not known. A retry with the same `Idempotency-Key` gets this answer again for 24 h, never a second effect: look the result up (`GET /v1/orders`, once the ledger has applied it) before trying again with a new key. A first request with the key that never answered (its process stopped) gets `idempotency.outcome_unknown` from five minutes on, with the same meaning. Codes: `internal.error`, `idempotency.outcome_unknown`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "internal.error",
                            "idempotency.outcome_unknown"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/internal.error",
                  "title": "Internal Server Error",
                  "status": 500,
                  "code": "internal.error",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "503": {
            "description": "A service the API needs (PostgreSQL, Redis, Kafka) is not answering; retry later. Codes: `service.unavailable`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "service.unavailable"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/service.unavailable",
                  "title": "Service Unavailable",
                  "status": 503,
                  "code": "service.unavailable",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          }
        },
        "security": [
          {
            "signature": []
          }
        ]
      }
    },
    "/v1/groups/{groupId}/members/{accountId}": {
      "delete": {
        "operationId": "removeGroupMember",
        "tags": [
          "Groups"
        ],
        "summary": "Remove a member",
        "description": "The owner removes anyone but themself; a member removes themself (leaves). From then on they grab nothing sent to the group. Removing one who is not a member changes nothing. The member's open event streams are pushed `group.left` and hear the group no more, on every API process.",
        "parameters": [
          {
            "$ref": "#/components/parameters/GroupId"
          },
          {
            "name": "accountId",
            "in": "path",
            "required": true,
            "description": "The member (`user:<name>`).",
            "schema": {
              "type": "string"
            }
          },
          {
            "$ref": "#/components/parameters/RequestId"
          }
        ],
        "responses": {
          "200": {
            "description": "The group.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Group"
                }
              }
            }
          },
          "401": {
            "description": "Not authenticated (see the security schemes). Codes: `auth.missing`, `auth.signature_missing`, `auth.timestamp_skew`, `auth.nonce_invalid`, `auth.unknown_app`, `auth.signature_invalid`, `auth.nonce_reused`, `auth.unsigned_identity`, `auth.session_invalid`, `auth.session_expired`, `auth.session_revoked`, `auth.session_required`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.missing",
                            "auth.signature_missing",
                            "auth.timestamp_skew",
                            "auth.nonce_invalid",
                            "auth.unknown_app",
                            "auth.signature_invalid",
                            "auth.nonce_reused",
                            "auth.unsigned_identity",
                            "auth.session_invalid",
                            "auth.session_expired",
                            "auth.session_revoked",
                            "auth.session_required"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.missing",
                  "title": "Unauthorized",
                  "status": 401,
                  "code": "auth.missing",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "403": {
            "description": "Only the owner removes others; groups are made of users. Codes: `group.owner_only`, `group.users_only`, `auth.account_required`, `auth.session_mismatch`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "group.owner_only",
                            "group.users_only",
                            "auth.account_required",
                            "auth.session_mismatch"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/group.owner_only",
                  "title": "Forbidden",
                  "status": 403,
                  "code": "group.owner_only",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "404": {
            "description": "No such group, or the caller is not a member. Codes: `group.not_found`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "group.not_found"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/group.not_found",
                  "title": "Not Found",
                  "status": 404,
                  "code": "group.not_found",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "409": {
            "description": "The owner stays a member. Codes: `group.owner_stays`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "group.owner_stays"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/group.owner_stays",
                  "title": "Conflict",
                  "status": 409,
                  "code": "group.owner_stays",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "500": {
            "description": "Unexpected failure; whether the request took effect is not known. A retry with the same `Idempotency-Key` gets this answer again for 24 h, never a second effect: look the result up (`GET /v1/orders`, once the ledger has applied it) before trying again with a new key. Codes: `internal.error`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "internal.error"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/internal.error",
                  "title": "Internal Server Error",
                  "status": 500,
                  "code": "internal.error",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "503": {
            "description": "A service the API needs (PostgreSQL, Redis, Kafka) is not answering; retry later. Codes: `service.unavailable`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "service.unavailable"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/service.unavailable",
                  "title": "Service Unavailable",
                  "status": 503,
                  "code": "service.unavailable",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          }
        },
        "security": [
          {
            "signature": []
          }
        ]
      }
    },
    "/v1/auth/logout": {
      "post": {
        "operationId": "logout",
        "tags": [
          "Accounts"
        ],
        "summary": "End a session",
        "description": "Ends the session in `Authorization: Bearer <session>` (a merchant's or an operator's) on every API process: from now on it is refused with 401 `auth.session_revoked`, until it would have expired. The console's sign-out does the same for its cookie.",
        "parameters": [
          {
            "$ref": "#/components/parameters/RequestId"
          }
        ],
        "responses": {
          "204": {
            "description": "Ended.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            }
          },
          "401": {
            "description": "No session to end (`Authorization: Bearer <session>`), or credentials were presented and are not valid (partial or invalid signature headers, an invalid, expired or already ended session). Codes: `auth.unsigned_identity`, `auth.signature_missing`, `auth.timestamp_skew`, `auth.nonce_invalid`, `auth.unknown_app`, `auth.signature_invalid`, `auth.nonce_reused`, `auth.session_invalid`, `auth.session_expired`, `auth.session_revoked`, `auth.session_required`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "auth.unsigned_identity",
                            "auth.signature_missing",
                            "auth.timestamp_skew",
                            "auth.nonce_invalid",
                            "auth.unknown_app",
                            "auth.signature_invalid",
                            "auth.nonce_reused",
                            "auth.session_invalid",
                            "auth.session_expired",
                            "auth.session_revoked",
                            "auth.session_required"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/auth.session_required",
                  "title": "Unauthorized",
                  "status": 401,
                  "code": "auth.session_required",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "500": {
            "description": "Unexpected failure; whether the request took effect is not known. A retry with the same `Idempotency-Key` gets this answer again for 24 h, never a second effect: look the result up (`GET /v1/orders`, once the ledger has applied it) before trying again with a new key. Codes: `internal.error`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "internal.error"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/internal.error",
                  "title": "Internal Server Error",
                  "status": 500,
                  "code": "internal.error",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          },
          "503": {
            "description": "A service the API needs (PostgreSQL, Redis, Kafka) is not answering; retry later. Codes: `service.unavailable`.",
            "headers": {
              "X-Request-Id": {
                "$ref": "#/components/headers/X-Request-Id"
              }
            },
            "content": {
              "application/problem+json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/Problem"
                    },
                    {
                      "properties": {
                        "code": {
                          "type": "string",
                          "enum": [
                            "service.unavailable"
                          ]
                        }
                      }
                    }
                  ]
                },
                "example": {
                  "type": "https://paystream.dev/problems/service.unavailable",
                  "title": "Service Unavailable",
                  "status": 503,
                  "code": "service.unavailable",
                  "detail": "…",
                  "correlationId": "req-7GQ2M9XK4TBC3VHP"
                }
              }
            }
          }
        }
      }
    }
  },
  "components": {
    "schemas": {
      "Problem": {
        "type": "object",
        "description": "An error (RFC 9457 problem document), served as `application/problem+json`.",
        "properties": {
          "type": {
            "type": "string",
            "description": "`https://paystream.dev/problems/<code>`.",
            "format": "uri"
          },
          "title": {
            "type": "string",
            "description": "The HTTP status' reason phrase."
          },
          "status": {
            "type": "integer",
            "description": "The HTTP status code."
          },
          "code": {
            "type": "string",
            "description": "Stable, machine-readable code (`order.not_found`, `risk.withdraw.daily_count`, …). Clients branch on this, never on `detail`."
          },
          "detail": {
            "type": "string",
            "description": "What went wrong, for humans; never contains secrets."
          },
          "correlationId": {
            "type": "string",
            "description": "The request's correlation id (the `X-Request-Id` response header)."
          }
        },
        "required": [
          "type",
          "title",
          "status",
          "code",
          "detail",
          "correlationId"
        ]
      },
      "OrderRecord": {
        "type": "object",
        "description": "An order as the API shows it: the ledger's order with, for payment orders, what the payer scans. Absent optional fields are omitted, never null.",
        "properties": {
          "orderId": {
            "type": "string",
            "description": "`<RC|CO|WD|RF|EN|GB><yyyyMMddHHmmss, Asia/Shanghai><10 random>`; the channels' out_trade_no.",
            "examples": [
              "RC20250101120000ABCDEFGH23"
            ]
          },
          "kind": {
            "type": "string",
            "description": "The ledger order kind: `recharge`, `collection`, `withdrawal`, `refund`, `envelope`, `transferIn`, …"
          },
          "status": {
            "type": "string",
            "description": "The ledger order status: `created` (waiting for payment), `paid`, `refunded`, `closed`, `invalid`, …"
          },
          "owner": {
            "type": "string",
            "description": "The owning account, `user:<id>` or `merchant:<id>`."
          },
          "counterparty": {
            "type": "string",
            "description": "The counterparty account, when there is one."
          },
          "amountFen": {
            "type": "integer",
            "format": "int64",
            "description": "The order's amount. An amount in fen (1/100 CNY), an integer: 1234 is 12.34 CNY. Never a float."
          },
          "settledFen": {
            "type": "integer",
            "format": "int64",
            "description": "Refunded so far (recharge, collection, transfer) or grabbed so far (envelope). An amount in fen (1/100 CNY), an integer: 1234 is 12.34 CNY. Never a float."
          },
          "channel": {
            "type": "string",
            "description": "The channel: `wechat`, `alipay` or `bill99`.",
            "enum": [
              "wechat",
              "alipay",
              "bill99"
            ]
          },
          "parentOrderId": {
            "type": "string",
            "description": "The order this one derives from (a refund's original order, a grab's envelope)."
          },
          "statusReason": {
            "type": "string",
            "description": "Why the order reached its status, when it is not the obvious one."
          },
          "codeUrl": {
            "type": "string",
            "description": "The text of the QR code the payer scans (WeChat Pay Native, Alipay precreate); also `GET /v1/orders/{orderId}/qr.png`."
          },
          "payUrl": {
            "type": "string",
            "description": "Alipay's cashier page to redirect the payer to (mode `page`)."
          },
          "createdAt": {
            "type": "string",
            "format": "date-time",
            "description": "When the order was created (ISO 8601, UTC)."
          },
          "updatedAt": {
            "type": "string",
            "format": "date-time",
            "description": "When the order last changed (ISO 8601, UTC)."
          }
        },
        "required": [
          "orderId",
          "kind",
          "status",
          "owner",
          "amountFen",
          "settledFen",
          "createdAt",
          "updatedAt"
        ]
      },
      "OrderPage": {
        "type": "object",
        "properties": {
          "orders": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/OrderRecord"
            },
            "description": "Newest first."
          },
          "nextCursor": {
            "type": "string",
            "description": "Pass as `cursor` for the next page; absent on the last page."
          }
        },
        "required": [
          "orders"
        ]
      },
      "Balance": {
        "type": "object",
        "description": "A caller's balance.",
        "properties": {
          "account": {
            "type": "string",
            "description": "The account, `user:<id>` or `merchant:<id>`."
          },
          "availableFen": {
            "type": "integer",
            "format": "int64",
            "description": "Spendable balance. An amount in fen (1/100 CNY), an integer: 1234 is 12.34 CNY. Never a float."
          },
          "frozenFen": {
            "type": "integer",
            "format": "int64",
            "description": "Held for pending withdrawals and unfunded or ungrabbed envelopes. An amount in fen (1/100 CNY), an integer: 1234 is 12.34 CNY. Never a float."
          }
        },
        "required": [
          "account",
          "availableFen",
          "frozenFen"
        ]
      },
      "CollectCode": {
        "type": "object",
        "description": "A merchant's permanent (static) collection code.",
        "properties": {
          "codeId": {
            "type": "string",
            "description": "The code's id (`QR…`).",
            "examples": [
              "QR20250101120000ABCDEFGH23"
            ]
          },
          "merchant": {
            "type": "string",
            "description": "The collecting merchant, `merchant:<id>`."
          },
          "amountFen": {
            "type": "integer",
            "format": "int64",
            "description": "The fixed amount; absent for a code where the payer types the amount. An amount in fen (1/100 CNY), an integer: 1234 is 12.34 CNY. Never a float.",
            "minimum": 1,
            "maximum": 5000000
          },
          "description": {
            "type": "string",
            "description": "Shown to the payer (1…127 characters)."
          },
          "disabledAt": {
            "type": "string",
            "format": "date-time",
            "description": "When its merchant disabled it (`DELETE /v1/collect-codes/{codeId}`); absent while it takes payments. A disabled code's payer route answers 410 `collect.code_disabled`."
          }
        },
        "required": [
          "codeId",
          "merchant",
          "description"
        ]
      },
      "CollectCodeView": {
        "type": "object",
        "description": "A collection code with its payer page and QR image.",
        "properties": {
          "code": {
            "$ref": "#/components/schemas/CollectCode"
          },
          "payPageUrl": {
            "type": "string",
            "description": "The payer's page the QR code encodes: `<public URL>/v1/collect/{codeId}`.",
            "format": "uri"
          },
          "qrImagePath": {
            "type": "string",
            "description": "Path of the QR image: `/v1/collect-codes/{codeId}/qr.png`."
          }
        },
        "required": [
          "code",
          "payPageUrl",
          "qrImagePath"
        ]
      },
      "WithdrawalDestination": {
        "type": "object",
        "description": "Where the money goes. The card number is shown masked; the holder's name and phone are never answered (they are stored sealed with AES-256-GCM and only opened to pay out).",
        "properties": {
          "type": {
            "type": "string",
            "description": "`bankAccount` (Bill99) or `wechat` (WeChat balance); `unreadable` when the stored destination no longer reads (it was changed in the database). Approved and not yet sent, it is not sent, and fails (unfrozen) once the channel confirms it holds no such payout; waiting for review, it should be rejected (approved, it would fail so); sent before it changed, it goes on to its end.",
            "enum": [
              "bankAccount",
              "wechat",
              "unreadable"
            ]
          },
          "accountNumber": {
            "type": "string",
            "description": "The bank card number, masked: all but the last 4 digits are `*`."
          },
          "bankName": {
            "type": "string",
            "description": "The bank's name."
          },
          "branchName": {
            "type": "string",
            "description": "The branch's name."
          },
          "province": {
            "type": "string",
            "description": "The branch's province."
          },
          "city": {
            "type": "string",
            "description": "The branch's city."
          },
          "openId": {
            "type": "string",
            "description": "The WeChat user's openid (channel `wechat`)."
          },
          "cardId": {
            "type": "string",
            "description": "The bound card paid to (`bill99`)."
          }
        },
        "required": [
          "type"
        ]
      },
      "WithdrawalRecord": {
        "type": "object",
        "description": "A withdrawal request: destination, review and payout.",
        "properties": {
          "orderId": {
            "type": "string",
            "description": "The withdrawal order (`WD…`)."
          },
          "account": {
            "type": "string",
            "description": "The withdrawing account."
          },
          "channel": {
            "type": "string",
            "description": "`bill99` (bank card) or `wechat` (balance).",
            "enum": [
              "bill99",
              "wechat"
            ]
          },
          "amountFen": {
            "type": "integer",
            "format": "int64",
            "description": "The amount withdrawn. An amount in fen (1/100 CNY), an integer: 1234 is 12.34 CNY. Never a float."
          },
          "status": {
            "type": "string",
            "description": "The ledger order's status (`requested`, `approved`, `paidOut`, `invalid`), or `pending` while the worker has not applied the request yet."
          },
          "statusReason": {
            "type": "string",
            "description": "Why the order reached its status."
          },
          "destination": {
            "$ref": "#/components/schemas/WithdrawalDestination"
          },
          "reviewedBy": {
            "type": "string",
            "description": "The operator who approved or rejected it."
          },
          "reviewReason": {
            "type": "string",
            "description": "The rejection's reason."
          },
          "payoutState": {
            "type": "string",
            "description": "How far the channel's payout got."
          },
          "channelPayoutId": {
            "type": "string",
            "description": "The channel's id of the payout."
          },
          "packageInfo": {
            "type": "string",
            "description": "WeChat only, while `payoutState` is `awaitingUserConfirmation`: the transfer's package_info, which the app passes to WeChat's confirmation (`wx.requestMerchantTransfer`, with the merchant's mchId and appId) so that the user confirms receipt. Unconfirmed transfers are cancelled by WeChat and the money unfrozen. Withheld once the WeChat account is unbound (`destinationRemoved`)."
          },
          "destinationRemoved": {
            "type": "boolean",
            "description": "The account removed the card or unbound the WeChat account since this withdrawal was requested: it is not paid there. One waiting for review cannot be approved (409 `withdraw.destination_removed`); the API rejects it within seconds, as the removal does (`reviewedBy` the account, `reviewReason` the removal)."
          },
          "failureReason": {
            "type": "string",
            "description": "Why the payout failed."
          },
          "resolvedBy": {
            "type": "string",
            "description": "The operator who resolved a held payout."
          },
          "resolutionReason": {
            "type": "string",
            "description": "Their reason."
          },
          "resolvedAt": {
            "type": "string",
            "format": "date-time"
          },
          "createdAt": {
            "type": "string",
            "format": "date-time",
            "description": "When it was requested (ISO 8601, UTC)."
          }
        },
        "required": [
          "orderId",
          "account",
          "channel",
          "amountFen",
          "status",
          "destination",
          "createdAt"
        ]
      },
      "WithdrawalPage": {
        "type": "object",
        "properties": {
          "withdrawals": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/WithdrawalRecord"
            },
            "description": "At most 100."
          },
          "nextCursor": {
            "type": "string",
            "description": "Pass as `cursor` for the next page; absent on the last page."
          }
        },
        "required": [
          "withdrawals"
        ]
      },
      "RefundRecord": {
        "type": "object",
        "description": "A refund: the ledger side and the channel side.",
        "properties": {
          "refundOrderId": {
            "type": "string",
            "description": "The refund order (`RF…`), the channel's out_refund_no."
          },
          "originalOrderId": {
            "type": "string",
            "description": "The refunded recharge or collection."
          },
          "account": {
            "type": "string",
            "description": "The payer whose wallet the refund leaves."
          },
          "channel": {
            "type": "string",
            "description": "The channel refunding it.",
            "enum": [
              "wechat",
              "alipay"
            ]
          },
          "amountFen": {
            "type": "integer",
            "format": "int64",
            "description": "The amount refunded. An amount in fen (1/100 CNY), an integer: 1234 is 12.34 CNY. Never a float."
          },
          "status": {
            "type": "string",
            "description": "The ledger's refund order status (`refunded` once the money left the wallet; `failed` when the channel closed it, or never knew the paid order, and the money came back to the wallet; an `abnormal` one stays `refunded` until an operator finishes it at the channel), `refused` when the ledger refused the request (`refusal` says why; nothing moved, and its amount no longer counts against the order), or `pending`. A held refund resolved `returned` by an operator becomes `failed` too."
          },
          "refusal": {
            "type": "string",
            "description": "For a `refused` refund, the ledger's reason code: `refund.exceeds_original` (the refunds of the order would pass what was paid), `balance.insufficient_available` (the wallet no longer holds the amount), … Absent otherwise."
          },
          "channelState": {
            "type": "string",
            "description": "The channel's refund state (`succeeded`, `processing`, `closed`, `abnormal`, …)."
          },
          "channelRefundId": {
            "type": "string",
            "description": "The channel's refund id."
          },
          "reason": {
            "type": "string",
            "description": "The reason given (at most 80 characters)."
          },
          "createdAt": {
            "type": "string",
            "format": "date-time",
            "description": "When it was requested (ISO 8601, UTC)."
          },
          "heldReason": {
            "type": "string",
            "description": "Operators only: why the refund dispatcher holds the refund for an operator (abnormal at the channel; the channel reported another amount; the channel accepted it and now knows none under its number). Absent when it is not held, or once the channel settled it."
          },
          "heldSince": {
            "type": "string",
            "format": "date-time",
            "description": "Operators only: when it was first held (ISO 8601, UTC)."
          },
          "resolution": {
            "type": "string",
            "enum": [
              "succeeded",
              "returned"
            ],
            "description": "Operators only: an operator's resolution of the held refund (`POST /v1/admin/refunds/{refundOrderId}/resolve`)."
          },
          "resolvedBy": {
            "type": "string",
            "description": "Operators only: the operator who resolved it."
          },
          "resolutionReason": {
            "type": "string",
            "description": "Operators only: what the operator checked with the channel."
          },
          "resolvedAt": {
            "type": "string",
            "format": "date-time",
            "description": "Operators only: when it was resolved (ISO 8601, UTC)."
          }
        },
        "required": [
          "refundOrderId",
          "originalOrderId",
          "account",
          "channel",
          "amountFen",
          "status",
          "createdAt"
        ]
      },
      "EnvelopeRecord": {
        "type": "object",
        "description": "A red envelope.",
        "properties": {
          "envelopeId": {
            "type": "string",
            "description": "The envelope order (`EN…`)."
          },
          "sender": {
            "type": "string",
            "description": "The sending user."
          },
          "totalFen": {
            "type": "integer",
            "format": "int64",
            "description": "The envelope's total. An amount in fen (1/100 CNY), an integer: 1234 is 12.34 CNY. Never a float."
          },
          "shares": {
            "type": "integer",
            "description": "How many shares it is split into."
          },
          "mode": {
            "type": "string",
            "description": "How it was split.",
            "enum": [
              "random",
              "equal"
            ]
          },
          "greeting": {
            "type": "string",
            "description": "The greeting (at most 60 characters)."
          },
          "groupId": {
            "type": "string",
            "description": "The group it is announced to."
          },
          "receiver": {
            "type": "string",
            "description": "The single receiver it is announced to."
          },
          "payWith": {
            "type": "string",
            "description": "How the sender pays.",
            "enum": [
              "wechat",
              "alipay",
              "wallet"
            ]
          },
          "status": {
            "type": "string",
            "description": "The ledger order's status: `created` (waiting for payment), `funded`, `finished` (all grabbed), `expired`."
          },
          "grabbedFen": {
            "type": "integer",
            "format": "int64",
            "description": "Grabbed so far, as committed in the ledger. An amount in fen (1/100 CNY), an integer: 1234 is 12.34 CNY. Never a float."
          },
          "expiresAt": {
            "type": "string",
            "format": "date-time",
            "description": "When it expires (ISO 8601, UTC)."
          },
          "codeUrl": {
            "type": "string",
            "description": "The QR text to pay it (payWith `wechat` or `alipay`)."
          },
          "payUrl": {
            "type": "string",
            "description": "Alipay's cashier page, when there is one."
          },
          "createdAt": {
            "type": "string",
            "format": "date-time",
            "description": "When it was sent (ISO 8601, UTC)."
          }
        },
        "required": [
          "envelopeId",
          "sender",
          "totalFen",
          "shares",
          "mode",
          "greeting",
          "payWith",
          "status",
          "grabbedFen",
          "expiresAt",
          "createdAt"
        ]
      },
      "EnvelopeGrab": {
        "type": "object",
        "description": "One grab of an envelope.",
        "properties": {
          "grabId": {
            "type": "string",
            "description": "The grab (`GB…`)."
          },
          "user": {
            "type": "string",
            "description": "The grabbing user."
          },
          "amountFen": {
            "type": "integer",
            "format": "int64",
            "description": "The share grabbed. An amount in fen (1/100 CNY), an integer: 1234 is 12.34 CNY. Never a float."
          }
        },
        "required": [
          "grabId",
          "user",
          "amountFen"
        ]
      },
      "EnvelopeListing": {
        "type": "object",
        "description": "An envelope and its grabs.",
        "properties": {
          "envelope": {
            "$ref": "#/components/schemas/EnvelopeRecord"
          },
          "grabs": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/EnvelopeGrab"
            }
          },
          "grabbedFen": {
            "type": "integer",
            "format": "int64",
            "description": "The sum of `grabs`. An amount in fen (1/100 CNY), an integer: 1234 is 12.34 CNY. Never a float."
          },
          "sharesLeft": {
            "type": "integer",
            "description": "Shares not grabbed yet."
          },
          "source": {
            "type": "string",
            "description": "Where the grabs were read: Redis while it holds them, PostgreSQL's committed grabs after; same shape.",
            "enum": [
              "redis",
              "postgres"
            ]
          }
        },
        "required": [
          "envelope",
          "grabs",
          "grabbedFen",
          "sharesLeft",
          "source"
        ]
      },
      "GrabResult": {
        "type": "object",
        "description": "A successful grab.",
        "properties": {
          "grabId": {
            "type": "string",
            "description": "The grab (`GB…`)."
          },
          "amountFen": {
            "type": "integer",
            "format": "int64",
            "description": "The share won. An amount in fen (1/100 CNY), an integer: 1234 is 12.34 CNY. Never a float."
          },
          "credit": {
            "type": "string",
            "description": "`queued`: the grab event is on Kafka, or (Kafka did not take it) in the outbox that the worker publishes, and will be credited; `pending`: neither took it, it is recorded in Redis and compensation will produce it.",
            "enum": [
              "queued",
              "pending"
            ]
          }
        },
        "required": [
          "grabId",
          "amountFen",
          "credit"
        ]
      },
      "RechargeRequest": {
        "type": "object",
        "properties": {
          "amountFen": {
            "type": "integer",
            "format": "int64",
            "description": "The amount to recharge. An amount in fen (1/100 CNY), an integer: 1234 is 12.34 CNY. Never a float.",
            "minimum": 1,
            "maximum": 5000000
          },
          "channel": {
            "type": "string",
            "description": "The paying channel.",
            "enum": [
              "wechat",
              "alipay"
            ]
          },
          "mode": {
            "type": "string",
            "description": "`qr` (default): a QR code to scan (`codeUrl`); `page`: Alipay's cashier (`payUrl`, Alipay only).",
            "enum": [
              "qr",
              "page"
            ]
          },
          "description": {
            "type": "string",
            "description": "Shown to the payer (default `Paystream 充值`): at most 127 characters, no control characters; otherwise 400 `request.invalid_field`.",
            "maxLength": 127,
            "pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f]*$"
          }
        },
        "required": [
          "amountFen",
          "channel"
        ]
      },
      "CollectCodeRequest": {
        "type": "object",
        "properties": {
          "description": {
            "type": "string",
            "description": "Shown to the payer, 1…127 characters.",
            "minLength": 1,
            "maxLength": 127,
            "pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f]*$"
          },
          "amountFen": {
            "type": "integer",
            "format": "int64",
            "description": "A fixed amount; omit it to let the payer type the amount. An amount in fen (1/100 CNY), an integer: 1234 is 12.34 CNY. Never a float.",
            "minimum": 1,
            "maximum": 5000000
          }
        },
        "required": [
          "description"
        ]
      },
      "CollectPayRequest": {
        "type": "object",
        "properties": {
          "channel": {
            "type": "string",
            "description": "The paying channel.",
            "enum": [
              "wechat",
              "alipay"
            ]
          },
          "amountFen": {
            "type": "integer",
            "format": "int64",
            "description": "The amount the payer pays; required unless the code fixes it (then it must be absent or equal). An amount in fen (1/100 CNY), an integer: 1234 is 12.34 CNY. Never a float.",
            "minimum": 1,
            "maximum": 5000000
          }
        },
        "required": [
          "channel"
        ]
      },
      "CollectionRequest": {
        "type": "object",
        "properties": {
          "amountFen": {
            "type": "integer",
            "format": "int64",
            "description": "The amount to collect. An amount in fen (1/100 CNY), an integer: 1234 is 12.34 CNY. Never a float.",
            "minimum": 1,
            "maximum": 5000000
          },
          "channel": {
            "type": "string",
            "description": "The paying channel.",
            "enum": [
              "wechat",
              "alipay"
            ]
          },
          "description": {
            "type": "string",
            "description": "Shown to the payer (default `Paystream 收款`): at most 127 characters, no control characters; otherwise 400 `request.invalid_field`.",
            "maxLength": 127,
            "pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f]*$"
          }
        },
        "required": [
          "amountFen",
          "channel"
        ]
      },
      "WithdrawalRequest": {
        "type": "object",
        "properties": {
          "amountFen": {
            "type": "integer",
            "format": "int64",
            "description": "The amount to withdraw. An amount in fen (1/100 CNY), an integer: 1234 is 12.34 CNY. Never a float.",
            "minimum": 1,
            "maximum": 5000000
          },
          "channel": {
            "type": "string",
            "description": "`bill99` (bank card: `cardId` of a bound card required) or `wechat` (WeChat balance: `openId` required).",
            "enum": [
              "bill99",
              "wechat"
            ]
          },
          "openId": {
            "type": "string",
            "description": "The openid of a WeChat account bound to the caller (`POST /v1/wechat-accounts`), 1…128 letters, digits or `_-|*`. WeChat pays only to the openid's real name when one is sent: Paystream sends the account holder's (the name on the account's first verified bank card), encrypted, with every WeChat withdrawal of an account that has a holder, and a WeChat user of another name is not paid (the withdrawal fails and is unfrozen). From 200000 fen (2,000.00 CNY) on WeChat requires the name, and the withdrawal of an account with none is refused with 409 `withdraw.payee_name_required`.",
            "minLength": 1,
            "maxLength": 128,
            "pattern": "^[A-Za-z0-9_|*-]{1,128}$"
          },
          "cardId": {
            "type": "string",
            "description": "A bank card the caller bound (`POST /v1/cards`), for `bill99`.",
            "minLength": 1,
            "maxLength": 64
          }
        },
        "required": [
          "amountFen",
          "channel"
        ]
      },
      "RejectRequest": {
        "type": "object",
        "properties": {
          "reason": {
            "type": "string",
            "description": "Why it is rejected, 1…200 characters.",
            "minLength": 1,
            "maxLength": 200,
            "pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f]*$"
          }
        },
        "required": [
          "reason"
        ]
      },
      "ResolveWithdrawalRequest": {
        "type": "object",
        "properties": {
          "outcome": {
            "type": "string",
            "enum": [
              "paidOut",
              "failed"
            ],
            "description": "`paidOut`: the channel paid it (settle); `failed`: it will never be paid (unfreeze)."
          },
          "reason": {
            "type": "string",
            "description": "What the operator checked with the channel, 1…200 characters.",
            "minLength": 1,
            "maxLength": 200,
            "pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f]*$"
          },
          "channelReference": {
            "type": "string",
            "description": "The channel's id of the payout, when `paidOut` (Bill99 dealId, WeChat transfer_bill_no).",
            "minLength": 1,
            "maxLength": 64,
            "pattern": "^[A-Za-z0-9_|*-]+$"
          }
        },
        "required": [
          "outcome",
          "reason"
        ]
      },
      "RefundRequest": {
        "type": "object",
        "properties": {
          "orderId": {
            "type": "string",
            "description": "The paid recharge or collection to refund."
          },
          "amountFen": {
            "type": "integer",
            "format": "int64",
            "description": "The amount to refund (full or partial). An amount in fen (1/100 CNY), an integer: 1234 is 12.34 CNY. Never a float.",
            "minimum": 1,
            "maximum": 5000000
          },
          "reason": {
            "type": "string",
            "description": "Why: at most 80 characters, no control characters; otherwise 400 `request.invalid_field`.",
            "maxLength": 80,
            "pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f]*$"
          }
        },
        "required": [
          "orderId",
          "amountFen"
        ]
      },
      "EnvelopeRequest": {
        "type": "object",
        "properties": {
          "totalFen": {
            "type": "integer",
            "format": "int64",
            "description": "The envelope's total. An amount in fen (1/100 CNY), an integer: 1234 is 12.34 CNY. Never a float.",
            "minimum": 1,
            "maximum": 5000000
          },
          "shares": {
            "type": "integer",
            "minimum": 1,
            "description": "How many shares (each at least 1 fen)."
          },
          "mode": {
            "type": "string",
            "description": "`random` (double-average, default) or `equal`.",
            "enum": [
              "random",
              "equal"
            ]
          },
          "greeting": {
            "type": "string",
            "description": "Default `恭喜发财，大吉大利`: at most 60 characters, no control characters; otherwise 400 `request.invalid_field`.",
            "maxLength": 60,
            "pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f]*$"
          },
          "expiresInSeconds": {
            "type": "integer",
            "minimum": 1,
            "maximum": 604800,
            "default": 86400,
            "description": "Lifetime in seconds."
          },
          "groupId": {
            "type": "string",
            "description": "The group it goes to (`GR…`, from `POST /v1/groups`); the sender must be a member, otherwise 404 `group.not_found`. Exactly one of `groupId` and `receiver`."
          },
          "receiver": {
            "type": "string",
            "description": "The one user it goes to (`user:<name>`, not the sender; otherwise 400 `envelope.invalid_receiver`), with `shares` 1 (otherwise 400 `envelope.invalid_shares`). Exactly one of `groupId` and `receiver`."
          },
          "payWith": {
            "type": "string",
            "description": "`wechat` (default) or `alipay`: pay by QR (`codeUrl`); `wallet`: from the available balance.",
            "enum": [
              "wechat",
              "alipay",
              "wallet"
            ]
          }
        },
        "required": [
          "totalFen",
          "shares"
        ]
      },
      "WeChatNotifyAck": {
        "type": "object",
        "description": "WeChat Pay's error answer (any non-2xx makes WeChat Pay retry).",
        "properties": {
          "code": {
            "type": "string",
            "description": "`FAIL`.",
            "enum": [
              "FAIL",
              "ORDER_NOT_FOUND"
            ]
          },
          "message": {
            "type": "string",
            "description": "The failed check's code (`notify.bad_signature`, …) or why."
          }
        },
        "required": [
          "code",
          "message"
        ]
      },
      "LoginRequest": {
        "type": "object",
        "properties": {
          "login": {
            "type": "string",
            "minLength": 1,
            "maxLength": 64,
            "description": "The login name (`paystream logins create`)."
          },
          "password": {
            "type": "string",
            "minLength": 1,
            "maxLength": 1024,
            "description": "The password."
          }
        },
        "required": [
          "login",
          "password"
        ]
      },
      "Session": {
        "type": "object",
        "properties": {
          "token": {
            "type": "string",
            "description": "Send as `Authorization: Bearer <token>`."
          },
          "expiresAt": {
            "type": "string",
            "format": "date-time"
          },
          "role": {
            "type": "string",
            "enum": [
              "merchant",
              "admin"
            ]
          },
          "account": {
            "type": "string",
            "description": "The merchant account, for a merchant login."
          }
        },
        "required": [
          "token",
          "expiresAt",
          "role"
        ]
      },
      "CardBindingRequest": {
        "type": "object",
        "description": "The four elements of a bank card, verified at Bill99 before an SMS code is sent to the phone. Stored only sealed (AES-256-GCM) with keyed blind indexes; never answered.",
        "properties": {
          "cardNumber": {
            "type": "string",
            "description": "The card number, 12…19 digits.",
            "pattern": "^[0-9]{12,19}$"
          },
          "realName": {
            "type": "string",
            "description": "The holder's real name as the bank knows it, 1…64 characters (trimmed, no control characters).",
            "minLength": 1,
            "maxLength": 64,
            "pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f]*$"
          },
          "idNumber": {
            "type": "string",
            "description": "The resident ID number: 17 digits and a check character (0–9 or X, GB 11643).",
            "pattern": "^[0-9]{17}[0-9Xx]$"
          },
          "phone": {
            "type": "string",
            "description": "The mainland mobile number the bank has on file for the card; the code goes there.",
            "pattern": "^1[3-9][0-9]{9}$"
          }
        },
        "required": [
          "cardNumber",
          "realName",
          "idNumber",
          "phone"
        ]
      },
      "CardBinding": {
        "type": "object",
        "description": "A binding waiting for its SMS code.",
        "properties": {
          "bindingId": {
            "type": "string",
            "description": "The binding (`BC…`); once confirmed it is the card's `cardId`."
          },
          "status": {
            "type": "string",
            "enum": [
              "pending"
            ]
          },
          "cardNumber": {
            "type": "string",
            "description": "The card number, masked: all but the last 4 digits are `*`."
          },
          "bankName": {
            "type": "string",
            "description": "The issuing bank, as the verification named it."
          },
          "phone": {
            "type": "string",
            "description": "The phone the code went to, masked (`138****0000`)."
          },
          "codeExpiresInSeconds": {
            "type": "integer",
            "description": "How long the code is valid (300)."
          }
        },
        "required": [
          "bindingId",
          "status",
          "cardNumber",
          "phone",
          "codeExpiresInSeconds"
        ]
      },
      "CardConfirmRequest": {
        "type": "object",
        "properties": {
          "code": {
            "type": "string",
            "description": "The 6-digit code of the SMS.",
            "pattern": "^[0-9]{6}$"
          }
        },
        "required": [
          "code"
        ]
      },
      "BankCard": {
        "type": "object",
        "description": "A bank card of the caller. The number masked; the holder's name, ID number and phone are never answered.",
        "properties": {
          "cardId": {
            "type": "string",
            "description": "The card (`BC…`), as `cardId` of a Bill99 withdrawal."
          },
          "status": {
            "type": "string",
            "enum": [
              "bound"
            ]
          },
          "cardNumber": {
            "type": "string",
            "description": "The card number, masked: all but the last 4 digits are `*`."
          },
          "bankName": {
            "type": "string",
            "description": "The issuing bank."
          },
          "createdAt": {
            "type": "string",
            "format": "date-time"
          },
          "boundAt": {
            "type": "string",
            "format": "date-time",
            "description": "When the SMS code was confirmed."
          }
        },
        "required": [
          "cardId",
          "status",
          "cardNumber",
          "createdAt"
        ]
      },
      "BankCardList": {
        "type": "object",
        "properties": {
          "cards": {
            "type": "array",
            "description": "The caller's bound cards, oldest first (at most 10).",
            "items": {
              "$ref": "#/components/schemas/BankCard"
            },
            "maxItems": 10
          }
        },
        "required": [
          "cards"
        ]
      },
      "TokenRequest": {
        "type": "object",
        "properties": {
          "count": {
            "type": "integer",
            "minimum": 1,
            "maximum": 50,
            "default": 1,
            "description": "How many tokens to issue."
          }
        }
      },
      "TokenIssue": {
        "type": "object",
        "required": [
          "delivery",
          "event",
          "count",
          "expiresInSeconds"
        ],
        "properties": {
          "delivery": {
            "type": "string",
            "enum": [
              "push"
            ],
            "description": "Where the tokens go: the caller's event stream, never this answer."
          },
          "event": {
            "type": "string",
            "enum": [
              "token.issued"
            ]
          },
          "count": {
            "type": "integer",
            "minimum": 1,
            "maximum": 50
          },
          "expiresInSeconds": {
            "type": "integer",
            "minimum": 1
          }
        }
      },
      "WeChatAccountBindingRequest": {
        "type": "object",
        "description": "The code WeChat's web authorization gave the user's browser.",
        "properties": {
          "code": {
            "type": "string",
            "description": "The authorization code (5 minutes, once).",
            "minLength": 1,
            "maxLength": 128,
            "pattern": "^[A-Za-z0-9_|*-]{1,128}$"
          }
        },
        "required": [
          "code"
        ]
      },
      "WeChatAccount": {
        "type": "object",
        "description": "A WeChat user bound to the caller.",
        "properties": {
          "bindingId": {
            "type": "string",
            "description": "`WX…`."
          },
          "openId": {
            "type": "string",
            "description": "The user's openid under `appId`: what a WeChat withdrawal names."
          },
          "appId": {
            "type": "string",
            "description": "The official account the openid belongs to."
          },
          "boundAt": {
            "type": "string",
            "format": "date-time"
          }
        },
        "required": [
          "bindingId",
          "openId",
          "appId",
          "boundAt"
        ]
      },
      "WeChatAccountList": {
        "type": "object",
        "properties": {
          "wechatAccounts": {
            "type": "array",
            "description": "The caller's WeChat accounts, oldest first (at most 5).",
            "items": {
              "$ref": "#/components/schemas/WeChatAccount"
            },
            "maxItems": 5
          }
        },
        "required": [
          "wechatAccounts"
        ]
      },
      "GroupRequest": {
        "type": "object",
        "properties": {
          "name": {
            "type": "string",
            "minLength": 1,
            "maxLength": 64,
            "pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f]*$",
            "description": "What its members call it: 1…64 characters, no control characters."
          },
          "members": {
            "type": "array",
            "maxItems": 1000,
            "items": {
              "type": "string"
            },
            "description": "User accounts (`user:<name>`) to add besides the caller, at most 1,000; otherwise 400 `group.invalid_member` or `group.too_many_members`."
          }
        },
        "required": [
          "name"
        ]
      },
      "GroupMembersRequest": {
        "type": "object",
        "properties": {
          "members": {
            "type": "array",
            "minItems": 1,
            "maxItems": 1000,
            "items": {
              "type": "string"
            },
            "description": "User accounts (`user:<name>`) to add, 1…1,000; those already in are left as they are."
          }
        },
        "required": [
          "members"
        ]
      },
      "Group": {
        "type": "object",
        "properties": {
          "groupId": {
            "type": "string",
            "description": "`GR…`, made by the platform."
          },
          "name": {
            "type": "string"
          },
          "owner": {
            "type": "string",
            "description": "The user who made it: a member for good, the only one who adds or removes others."
          },
          "memberCount": {
            "type": "integer",
            "description": "Members, the owner included (at most 100,000)."
          },
          "members": {
            "type": "array",
            "items": {
              "type": "string"
            },
            "description": "The first 1,000 members in account order."
          }
        },
        "required": [
          "groupId",
          "name",
          "owner",
          "memberCount",
          "members"
        ]
      },
      "ResolveRefundRequest": {
        "type": "object",
        "properties": {
          "outcome": {
            "type": "string",
            "enum": [
              "succeeded",
              "returned"
            ],
            "description": "`succeeded`: the channel paid the payer (recorded; nothing moves). `returned`: the channel holds no refund and will pay none (the money goes back to the payer's wallet)."
          },
          "reason": {
            "type": "string",
            "description": "What the operator checked with the channel, 1…200 characters.",
            "minLength": 1,
            "maxLength": 200,
            "pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f]*$"
          },
          "channelReference": {
            "type": "string",
            "description": "The channel's refund id, when `succeeded` (WeChat refund_id).",
            "minLength": 1,
            "maxLength": 64,
            "pattern": "^[A-Za-z0-9_|*-]+$"
          }
        },
        "required": [
          "outcome",
          "reason"
        ]
      },
      "HeldRefunds": {
        "type": "object",
        "properties": {
          "refunds": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/RefundRecord"
            },
            "description": "Held and not resolved, oldest hold first."
          }
        },
        "required": [
          "refunds"
        ]
      }
    },
    "parameters": {
      "IdempotencyKey": {
        "name": "Idempotency-Key",
        "in": "header",
        "required": false,
        "description": "1…255 printable ASCII characters. The first request with a key is done and its answer stored (per caller, 24 h); a retry gets the same status and body with `Idempotent-Replayed: true`; the same key for a different request is 422 `idempotency.key_reused`; a retry while the first runs is 409 `idempotency.in_progress`; a bad key is 400 `idempotency.invalid_key`.",
        "schema": {
          "type": "string",
          "minLength": 1,
          "maxLength": 255,
          "pattern": "^[!-~]+$"
        },
        "example": "3f1c2e9a-7b7d-4c55-9d0e-1a2b3c4d5e6f"
      },
      "RequestId": {
        "name": "X-Request-Id",
        "in": "header",
        "required": false,
        "description": "A correlation id to reuse: 1…64 printable ASCII characters; any other value is ignored and the API makes one. Answered in the `X-Request-Id` response header.",
        "schema": {
          "type": "string"
        }
      },
      "OrderId": {
        "name": "orderId",
        "in": "path",
        "required": true,
        "description": "An order number.",
        "schema": {
          "type": "string"
        }
      },
      "CodeId": {
        "name": "codeId",
        "in": "path",
        "required": true,
        "description": "A collection code (`QR…`).",
        "schema": {
          "type": "string"
        }
      },
      "EnvelopeId": {
        "name": "envelopeId",
        "in": "path",
        "required": true,
        "description": "An envelope order (`EN…`).",
        "schema": {
          "type": "string"
        }
      },
      "RefundOrderId": {
        "name": "refundOrderId",
        "in": "path",
        "required": true,
        "description": "A refund order (`RF…`).",
        "schema": {
          "type": "string"
        }
      },
      "OneTimeToken": {
        "name": "X-Paystream-Token",
        "in": "header",
        "required": true,
        "description": "A one-time token of the caller (`POST /v1/tokens`, delivered on `GET /v1/events` as `token.issued`), spent by this request whatever its outcome. Every money-moving request needs a fresh one, a retry with the same `Idempotency-Key` included.",
        "schema": {
          "type": "string",
          "minLength": 22,
          "maxLength": 22,
          "pattern": "^[A-Za-z0-9_-]{22}$"
        },
        "example": "q2M9XK4TBC3VHPQ2M9XK4T"
      },
      "GroupId": {
        "name": "groupId",
        "in": "path",
        "required": true,
        "description": "A group (`GR…`).",
        "schema": {
          "type": "string"
        }
      }
    },
    "headers": {
      "X-Request-Id": {
        "description": "The request's correlation id (the caller's, or a new one); it travels with the events the request causes.",
        "schema": {
          "type": "string"
        }
      },
      "Idempotent-Replayed": {
        "description": "`true` when this is the stored answer to an earlier request with the same `Idempotency-Key`.",
        "schema": {
          "type": "string",
          "enum": [
            "true"
          ]
        }
      }
    },
    "securitySchemes": {
      "signature": {
        "type": "apiKey",
        "in": "header",
        "name": "X-Paystream-Signature",
        "description": "A request signed with an API client's secret. Four headers: `X-Paystream-App-Id` (the client), `X-Paystream-Timestamp` (seconds since 1970, within 300 s of the server's clock), `X-Paystream-Nonce` (16…64 of `[A-Za-z0-9_-]`, never reused) and `X-Paystream-Signature`: standard Base64 of HMAC-SHA256(secret, text), where text is six lines joined by `\\n`: the method, the path as sent, the query's `name=value` pairs as sent sorted by bytes (joined by `&`), hex SHA-256 of the body bytes, the timestamp, the nonce. Refusals are 401: `auth.signature_missing`, `auth.timestamp_skew`, `auth.nonce_invalid`, `auth.unknown_app`, `auth.signature_invalid`, `auth.nonce_reused`. The client acts for the one account it was issued for (`paystream clients create`)."
      },
      "session": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "Paystream session",
        "description": "A login session from `POST /v1/auth/login` (30 minutes). Merchants send it together with the signature; operators (back office) send it alone. Refusals: 401 `auth.session_invalid`, `auth.session_expired`, `auth.session_required`; 403 `auth.session_mismatch`, `auth.admin_required`."
      }
    }
  }
}
"""#
}
