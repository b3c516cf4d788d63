import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyHTTP
import GalleyStorage
import GalleyRuntime
import GalleyLedger
import GalleyEmoji
import GalleyWebhooks


/// The OpenAPI 3.1 description of every route, request body, parameter, response
/// envelope and error code of the contract (plus Galley's storage routes), built once.
/// The names are the contract's; tests check every contract path and code is here.
enum OpenAPIDocument {
    static let document: JSONValue = build()

    // MARK: - Error codes

    /// Every code the gateway answers with: HTTP status and the message it carries.
    static let errorCodes: [(code: Int, status: Int, message: String)] = [
        (400001, 400, "Invalid webhook payload (webhook) / No filename (detect)"),
        (400002, 400, "Missing event id/type (webhook) / Invalid file type (detect)"),
        (400003, 400, "File too large (detect, over 10 MB)"),
        (400101, 400, "Image detect failed (or the provider's message)"),
        (400000, 400, "There was an error parsing the body (a JSON body that is not UTF-8)"),
        (401000, 401, "Could not validate credentials (bad token) / User not found (the token's user is gone)"),
        (401001, 401, "Unauthorized (webhook Authorization wrong)"),
        (402001, 400, "Insufficient points (HTTP 400, as the original)"),
        (403000, 403, "Not authenticated (no bearer credentials) / Invalid authentication credentials (a scheme other than Bearer) / Invalid or expired upload signature (local storage PUT)"),
        (404000, 404, "Not Found"),
        (404001, 404, "User not found"),
        (404101, 404, "Task not found"),
        (404201, 404, "Order not found"),
        (405000, 405, "Method Not Allowed"),
        (409001, 409, "Idempotency-Key was already used with a different request body"),
        (413000, 413, "Request body too large"),
        (422000, 422, "Validation error (data.errors like FastAPI)"),
        (429000, 429, "Too many requests (Retry-After)"),
        (500000, 500, "Internal Server Error"),
        (500001, 500, "OSS not configured"),
        (500101, 500, "DASHSCOPE_API_KEY not configured"),
        (502102, 502, "DashScope detect gave an invalid answer"),
        (502202, 502, "DashScope create gave an invalid answer"),
        (502302, 502, "DashScope query gave an invalid answer"),
        (503000, 503, "Service unavailable: postgres / redis / storage (Retry-After)"),
    ] + weChatPayErrorCodes

    // MARK: - Schema helpers

    static func ref(_ name: String) -> JSONValue { ["$ref": .string("#/components/schemas/\(name)")] }
    static let string: JSONValue = ["type": "string"]
    static let integer: JSONValue = ["type": "integer", "format": "int64"]
    static let boolean: JSONValue = ["type": "boolean"]
    /// pydantic v2's form: UTC `Z`, six fraction digits, none when the microsecond is 0.
    static let dateTime: JSONValue = ["type": "string", "format": "date-time",
                                      "examples": ["2026-11-21T09:30:00.123456Z", "2026-11-21T09:30:00Z"]]
    static func nullable(_ schema: JSONValue) -> JSONValue { ["anyOf": [schema, ["type": "null"]]] }
    static func array(_ items: JSONValue) -> JSONValue { ["type": "array", "items": items] }

    static func object(_ properties: [(String, JSONValue)], required: [String]? = nil, description: String? = nil) -> JSONValue {
        var object = JSONObject([
            ("type", "object"),
            ("properties", .object(JSONObject(properties))),
            ("required", .array((required ?? properties.map(\.0)).map(JSONValue.string))),
        ])
        if let description { object["description"] = .string(description) }
        return .object(object)
    }

    /// `{"code":0,"message":"success","data": <data>}`.
    static func envelope(_ data: JSONValue) -> JSONValue {
        object([
            ("code", ["type": "integer", "const": 0]),
            ("message", ["type": "string", "const": "success"]),
            ("data", data),
        ])
    }

    static func json(_ schema: JSONValue) -> JSONValue { ["application/json": ["schema": schema]] }

    // MARK: - Operations

    struct Operation {
        var method: String
        var path: String
        var tag: String
        var summary: String
        var description: String
        var auth: Auth = .bearer
        var parameters: [JSONValue] = []
        var body: JSONValue? = nil
        var success: JSONValue
        var successDescription = "Success"
        var errors: [Int] = []

        enum Auth { case none, bearer, webhook, signature }
    }

    static func responses(for operation: Operation) -> JSONValue {
        var codes = operation.errors
        if operation.auth == .bearer { codes += [401000, 403000] }
        if operation.body != nil { codes += [400000, 422000] }
        codes += [405000, 500000]
        var byStatus: [Int: [(Int, String)]] = [:]
        for code in Set(codes) {
            guard let entry = errorCodes.first(where: { $0.code == code }) else { continue }
            byStatus[entry.status, default: []].append((entry.code, entry.message))
        }
        var responses = JSONObject([("200", ["description": .string(operation.successDescription), "content": operation.success])])
        for status in byStatus.keys.sorted() {
            let entries = (byStatus[status] ?? []).sorted { $0.0 < $1.0 }
            let description = entries.map { "\($0.0): \($0.1)" }.joined(separator: "; ")
            var examples = JSONObject()
            for (code, message) in entries {
                examples[String(code)] = ["value": [
                    "code": .int(Int64(code)), "message": .string(message),
                    "data": code == 422000
                        ? ["errors": [["type": "missing", "loc": ["body", "device_id"], "msg": "Field required", "input": [:]]]] : nil,
                ]]
            }
            let schema = status == 422 ? ref("ValidationErrorResponse") : ref("ErrorResponse")
            var response = JSONObject([
                ("description", .string(description)),
                ("content", ["application/json": ["schema": schema, "examples": .object(examples)]]),
            ])
            if status == 429 || status == 503 {
                response["headers"] = ["Retry-After": ["description": "Seconds to wait", "schema": ["type": "integer"]]]
            }
            responses[String(status)] = .object(response)
        }
        return .object(responses)
    }

    static func query(_ name: String, _ schema: JSONValue, required: Bool = false, description: String) -> JSONValue {
        ["name": .string(name), "in": "query", "required": .bool(required), "schema": schema, "description": .string(description)]
    }

    static func path(_ name: String, _ schema: JSONValue, description: String) -> JSONValue {
        ["name": .string(name), "in": "path", "required": true, "schema": schema, "description": .string(description)]
    }

    static let pageParameters: [JSONValue] = [
        query("page", ["type": "integer", "minimum": 1, "default": 1], description: "Page number, from 1"),
        query("page_size", ["type": "integer", "minimum": 1, "maximum": 100, "default": 20], description: "Items per page, 1–100"),
    ]

    static func list(_ item: String) -> JSONValue {
        object([("data", array(ref(item))), ("count", ["type": "integer", "description": "Total items, all pages"])])
    }

    static var operations: [Operation] {
        [
            Operation(method: "post", path: "/api/v1/auth/login", tag: "auth", summary: "Log in with a device id",
                      description: "Creates the user and a zero points account on first sight; answers a token that lives ACCESS_TOKEN_EXPIRE_DAYS (default 7). Rate limited per client IP (RATE_LIMIT_LOGIN_PER_MINUTE).",
                      auth: .none, body: json(ref("LoginRequest")), success: json(envelope(ref("TokenData"))),
                      errors: [413000, 422000, 429000, 503000]),
            Operation(method: "post", path: "/api/v1/auth/refresh", tag: "auth", summary: "A fresh token",
                      description: "Same data as login, for the caller of a valid token.",
                      success: json(envelope(ref("TokenData"))), errors: [503000]),
            Operation(method: "get", path: "/api/v1/user/profile", tag: "user", summary: "The caller's profile",
                      description: "UserProfile with the points balance.", success: json(envelope(ref("UserProfile"))), errors: [503000]),
            Operation(method: "put", path: "/api/v1/user/profile", tag: "user", summary: "Change the nickname",
                      description: "The nickname is trimmed; empty clears it (null); at most 64 characters.",
                      body: json(ref("ProfileUpdate")), success: json(envelope(ref("UserProfile"))),
                      errors: [413000, 422000, 503000]),
            Operation(method: "get", path: "/api/v1/points/balance", tag: "points", summary: "Points balance",
                      description: "The caller's balance.", success: json(envelope(object([("balance", ["type": "integer"])]))),
                      errors: [503000]),
            Operation(method: "get", path: "/api/v1/points/transactions", tag: "points", summary: "Points ledger",
                      description: "The caller's ledger, newest first (created_at DESC, id DESC).",
                      parameters: pageParameters, success: json(envelope(list("PointTransaction"))), errors: [422000, 503000]),
            Operation(method: "get", path: "/api/v1/config", tag: "config", summary: "Business config",
                      description: "The public sections of the business config file (CONFIG_PATH), re-read when it changes.",
                      auth: .none, success: json(envelope(ref("Config")))),
            Operation(method: "post", path: "/api/v1/emoji/upload", tag: "emoji", summary: "Direct-upload credentials",
                      description: "A signed PUT for one photo under OSS_DIR_PREFIX/<user id>/<unix>_<16 hex>.<ext>, valid OSS_UPLOAD_EXPIRE_SECONDS. Send the file with upload.method to upload.url carrying upload.headers exactly; it is then at image_url.",
                      parameters: [query("ext", ["type": "string", "enum": ["jpg", "jpeg", "png", "webp"], "default": "jpg"],
                                         description: "File extension of the photo")],
                      success: json(envelope(ref("UploadCredentials"))), errors: [422000, 500001, 503000]),
            Operation(method: "post", path: "/api/v1/emoji/detect", tag: "emoji", summary: "Upload a photo and check the face",
                      description: "Multipart `file` (≤ 10 MB; jpg, jpeg, png or webp): stored under the upload prefix, then checked by the provider (the mock when ALIYUN_EMOJI_MOCK). Does not charge. A photo that fails the check answers 200 with passed false.",
                      body: ["multipart/form-data": ["schema": object([("file", ["type": "string", "contentMediaType": "application/octet-stream"])])]],
                      success: json(envelope(ref("DetectResult"))),
                      errors: [400001, 400002, 400003, 400101, 413000, 422000, 500001, 500101, 502102, 503000]),
            Operation(method: "post", path: "/api/v1/emoji/create", tag: "emoji", summary: "Create an emoji task",
                      description: "Detects first when a box is missing (400101 when the face check fails). Then one transaction debits points_rules.emoji (default 200), writes the ledger row, the task (pending) and its outbox row; after commit the task is sent to the emoji_tasks stream (or later by the outbox relay if Redis is down). With Idempotency-Key (1–128 characters): the same key and body answer the first task again, never a second charge; the same key with another body is 409001. Rate limited per user (RATE_LIMIT_CREATE_PER_MINUTE).",
                      parameters: [["name": "Idempotency-Key", "in": "header", "required": false,
                                    "schema": ["type": "string", "minLength": 1, "maxLength": 128],
                                    "description": "Makes retries safe: one task and one charge per key"]],
                      body: json(ref("CreateEmojiRequest")), success: json(envelope(ref("EmojiTask"))),
                      errors: [400101, 402001, 409001, 413000, 422000, 429000, 500101, 502102, 503000]),
            Operation(method: "get", path: "/api/v1/emoji/task/{task_id}", tag: "emoji", summary: "One task",
                      description: "The caller's task; another user's, or a deleted one, is 404101.",
                      parameters: [path("task_id", integer, description: "Task id")],
                      success: json(envelope(ref("EmojiTask"))), errors: [404101, 422000, 503000]),
            Operation(method: "delete", path: "/api/v1/emoji/task/{task_id}", tag: "emoji", summary: "Delete a task",
                      description: "Hides the task from history. A pending task is cancelled (failed, \"Cancelled by user\") and refunded once; a processing one finishes without refund.",
                      parameters: [path("task_id", integer, description: "Task id")],
                      success: json(envelope(object([("deleted", ["type": "boolean", "const": true])]))),
                      errors: [404101, 422000, 503000]),
            Operation(method: "get", path: "/api/v1/emoji/history", tag: "emoji", summary: "Task history",
                      description: "The caller's tasks, newest first, without deleted ones.",
                      parameters: pageParameters, success: json(envelope(list("EmojiTask"))), errors: [422000, 503000]),
            Operation(method: "get", path: "/api/v1/subscription/status", tag: "subscription", summary: "VIP status",
                      description: "is_vip is false once a dated (weekly) plan's vip_expire_time has passed.",
                      success: json(envelope(ref("SubscriptionStatus"))), errors: [503000]),
            Operation(method: "post", path: "/api/v1/subscription/webhook", tag: "subscription", summary: "RevenueCat webhook",
                      description: "The body must be a JSON object (422 first, as the original). Authorization exactly equal to REVENUECAT_WEBHOOK_SECRET or to `Bearer <secret>`. The raw event is stored and enqueued (webhook_events) before answering; the WebhookWorker applies it. 4xx only when a retry cannot help; anything else is stored and answered 200. A known event.id answers duplicate.",
                      auth: .webhook, body: json(ref("WebhookRequest")), success: json(envelope(ref("WebhookReceived"))),
                      errors: [400001, 400002, 401001, 413000, 503000]),
            Operation(method: "post", path: "/api/v1/order/create", tag: "order", summary: "Open an order",
                      description: "A pending order; order_no is o_<user id>_<unix>_<12 hex>.",
                      body: json(ref("CreateOrderRequest")), success: json(envelope(ref("Order"))),
                      errors: [413000, 422000, 503000]),
            Operation(method: "get", path: "/api/v1/order/list", tag: "order", summary: "The caller's orders",
                      description: "Newest first.", parameters: pageParameters, success: json(envelope(list("Order"))),
                      errors: [422000, 503000]),
            Operation(method: "get", path: "/api/v1/order/{order_no}", tag: "order", summary: "One order",
                      description: "Another user's order is 404201.",
                      parameters: [path("order_no", string, description: "Order number")],
                      success: json(envelope(ref("Order"))), errors: [404201, 503000]),
            Operation(method: "get", path: "/api/v1/utils/health-check/", tag: "health", summary: "The original's liveness check",
                      description: "A bare JSON true, no envelope.", auth: .none,
                      success: json(["type": "boolean", "const": true])),
            Operation(method: "get", path: "/api/v1/health", tag: "health", summary: "Liveness",
                      description: "No dependency calls. Also served at /health.", auth: .none,
                      success: json(envelope(object([("status", ["type": "string", "const": "ok"])])))),
            Operation(method: "get", path: "/api/v1/ready", tag: "health", summary: "Readiness",
                      description: "Checks PostgreSQL (SELECT 1) and Redis (PING); 503000 names the one that failed. Also served at /ready.",
                      auth: .none,
                      success: json(envelope(object([("status", string), ("postgres", string), ("redis", string)]))),
                      errors: [503000]),
            Operation(method: "get", path: "/api/v1/openapi.json", tag: "docs", summary: "This document",
                      description: "OpenAPI 3.1.", auth: .none, success: json(["type": "object"])),
            Operation(method: "get", path: "/api/v1/docs", tag: "docs", summary: "API docs page",
                      description: "A self-contained page rendering this document.", auth: .none,
                      success: ["text/html": ["schema": string]]),
            Operation(method: "get", path: "/docs", tag: "docs", summary: "API docs page (the original's address)",
                      description: "The same offline page, titled `<PROJECT_NAME> - Swagger UI` as the original's.", auth: .none,
                      success: ["text/html": ["schema": string]]),
            Operation(method: "get", path: "/redoc", tag: "docs", summary: "API docs page (the original's ReDoc address)",
                      description: "The same offline page, titled `<PROJECT_NAME> - ReDoc` as the original's.", auth: .none,
                      success: ["text/html": ["schema": string]]),
            Operation(method: "get", path: "/metrics", tag: "health", summary: "Prometheus metrics",
                      description: "Text format 0.0.4: galley_http_requests_total{route,method,status}, galley_http_request_duration_seconds{route,method}, pool and outbox gauges.",
                      auth: .none, success: ["text/plain; version=0.0.4": ["schema": string]]),
            Operation(method: "put", path: "/api/v1/storage/{key}", tag: "storage", summary: "Signed direct upload (local backend)",
                      description: "Galley addition, STORAGE_BACKEND=local only: the URL /emoji/upload hands out. The body is the file (≤ 10 MB); Content-Type must be the signed one. {key} is the whole object key, slashes included.",
                      auth: .signature,
                      parameters: [path("key", string, description: "Object key"),
                                   query("expires", string, required: true, description: "Unix expiry, as signed"),
                                   query("signature", string, required: true, description: "HMAC-SHA256 hex, as signed")],
                      body: ["image/jpeg": ["schema": ["type": "string", "contentMediaType": "image/jpeg"]],
                             "image/png": ["schema": ["type": "string", "contentMediaType": "image/png"]],
                             "image/webp": ["schema": ["type": "string", "contentMediaType": "image/webp"]]],
                      success: json(envelope(object([("object_key", string), ("image_url", string), ("size", ["type": "integer"])]))),
                      errors: [403000, 404000, 413000]),
            Operation(method: "get", path: "/api/v1/storage/{key}", tag: "storage", summary: "A stored object (local backend)",
                      description: "Galley addition, STORAGE_BACKEND=local only: the bytes, with a content type from the extension.",
                      auth: .none, parameters: [path("key", string, description: "Object key")],
                      success: ["application/octet-stream": ["schema": ["type": "string", "contentMediaType": "application/octet-stream"]]],
                      errors: [404000]),
        ]
    }

    // MARK: - Schemas

    static var schemas: JSONObject {
        let taskStatus: JSONValue = ["type": "string", "enum": ["pending", "processing", "completed", "failed"]]
        let box: JSONValue = nullable(array(["type": "integer"]))
        return JSONObject([
            ("ErrorResponse", object([
                ("code", ["type": "integer", "description": "Contract error code, e.g. 401000"]),
                ("message", string), ("data", ["type": "null"]),
            ])),
            ("ValidationIssue", object([
                ("type", ["type": "string", "examples": ["missing", "string_too_long", "json_invalid"]]),
                ("loc", array(["anyOf": [["type": "string"], ["type": "integer"]]])),
                ("msg", string),
                ("input", ["description": "The offending value as received: the raw string of a query or path parameter, the whole body object for a missing body field, null for a missing body"]),
                ("ctx", ["type": "object", "description": "Only where pydantic gives one (min_length, max_length, ge, le, expected, error)"]),
            ], required: ["type", "loc", "msg", "input"], description: "One pydantic v2 error as FastAPI sent it (no url)")),
            ("ValidationErrorResponse", object([
                ("code", ["type": "integer", "const": 422000]), ("message", string),
                ("data", object([("errors", array(ref("ValidationIssue")))])),
            ])),
            ("LoginRequest", object([("device_id", ["type": "string", "minLength": 1, "maxLength": 128])])),
            ("ProfileUpdate", object([("nickname", nullable(["type": "string", "maxLength": 64]))], required: [])),
            ("UserProfile", object([
                ("id", integer), ("device_id", string), ("nickname", nullable(string)), ("is_vip", boolean),
                ("vip_type", nullable(["type": "string", "enum": ["weekly", "lifetime"]])),
                ("vip_expire_time", nullable(dateTime)), ("points_balance", ["type": "integer"]),
            ])),
            ("TokenData", object([
                ("access_token", ["type": "string", "description": "HS256 JWT, sub = user id"]),
                ("expires_in", ["type": "integer", "description": "Seconds"]), ("user", ref("UserProfile")),
            ])),
            ("PointTransaction", object([
                ("id", integer), ("type", ["type": "string", "enum": ["consume", "purchase", "reward", "refund"]]),
                ("amount", ["type": "integer"]), ("balance_after", ["type": "integer"]), ("task_type", nullable(string)),
                ("order_no", nullable(string)), ("reward_week", nullable(["type": "string", "examples": ["2026-W47"]])),
                ("created_at", dateTime),
            ])),
            ("Config", object([
                ("banners", ["type": "array"]), ("styles", ["type": "array"]), ("points_rules", ["type": "object"]),
                ("weekly_reward", ["type": "object"]), ("vip_products", ["type": "object"]), ("points_packs", ["type": "object"]),
            ])),
            ("UploadCredentials", object([
                ("object_key", string), ("image_url", string),
                ("upload", object([
                    ("method", ["type": "string", "examples": ["PUT"]]), ("url", string),
                    ("headers", ["type": "object", "additionalProperties": string]),
                    ("fields", ["type": "object", "additionalProperties": string]),
                ])),
                ("expires_at", dateTime),
            ])),
            ("DetectResult", object([
                ("image_url", string), ("passed", boolean), ("face_bbox", box), ("ext_bbox", box), ("raw", [:]),
            ])),
            ("CreateEmojiRequest", object([
                ("image_url", ["type": "string", "minLength": 1, "maxLength": 1024]),
                ("driven_id", ["type": "string", "minLength": 1, "maxLength": 64]),
                ("face_bbox", box), ("ext_bbox", box),
            ], required: ["image_url", "driven_id"])),
            ("EmojiTask", object([
                ("id", integer), ("status", taskStatus), ("points_cost", ["type": "integer"]), ("result_url", nullable(string)),
                ("error_message", nullable(string)), ("created_at", dateTime), ("completed_at", nullable(dateTime)),
            ])),
            ("SubscriptionStatus", object([
                ("is_vip", boolean), ("vip_type", nullable(["type": "string", "enum": ["weekly", "lifetime"]])),
                ("vip_expire_time", nullable(dateTime)),
            ])),
            ("WebhookRequest", object([
                ("api_version", string),
                ("event", object([("id", string), ("type", string), ("app_user_id", string)], required: ["id", "type"],
                                 description: "RevenueCat's event; every other field is stored as sent")),
            ], required: ["event"])),
            ("WebhookReceived", object([
                ("received", ["type": "boolean", "const": true]),
                ("duplicate", ["type": "boolean", "const": true, "description": "Present for a known event.id"]),
            ], required: ["received"])),
            ("CreateOrderRequest", object([
                ("product_type", ["type": "string", "enum": ["points_pack", "subscription"]]),
                ("product_id", ["type": "string", "minLength": 1, "maxLength": 64]),
                ("quantity", ["type": "integer", "minimum": 1, "maximum": 100000, "default": 1]),
                ("amount", ["anyOf": [["type": "number"], ["type": "string"]], "default": "0.00",
                            "description": "A decimal in any precision, sign included; stored in NUMERIC(10,2), which rounds it (\"19.999\" → \"20.00\"); more than 8 digits before the point is 422 decimal_whole_digits"]),
                ("currency", ["type": "string", "maxLength": 8, "default": "USD"]),
            ], required: ["product_type", "product_id"])),
            ("Order", object([
                ("order_no", string), ("product_type", ["type": "string", "enum": ["points_pack", "subscription"]]),
                ("product_id", string), ("quantity", ["type": "integer"]),
                ("amount", ["type": "string", "description": "Two decimals, e.g. \"9.99\""]), ("currency", string),
                ("status", ["type": "string", "enum": ["pending", "paid", "failed", "refunded"]]), ("created_at", dateTime),
            ])),
        ])
    }

    // MARK: - Document

    static func build() -> JSONValue {
        var paths = JSONObject()
        for operation in operations + weChatPayOperations {
            var entry = JSONObject([
                ("tags", [.string(operation.tag)]),
                ("summary", .string(operation.summary)),
                ("description", .string(operation.description)),
                ("operationId", .string(operation.method + operation.path.replacingOccurrences(of: "/", with: "_")
                    .replacingOccurrences(of: "{", with: "").replacingOccurrences(of: "}", with: "")
                    .replacingOccurrences(of: ".", with: "_").replacingOccurrences(of: "-", with: "_"))),
            ])
            switch operation.auth {
            case .bearer: entry["security"] = [["bearerAuth": []]]
            case .webhook: entry["security"] = [["webhookSecret": []]]
            case .none, .signature: entry["security"] = []
            }
            var parameters = operation.parameters
            parameters.append(["name": "X-Request-Id", "in": "header", "required": false,
                               "schema": ["type": "string", "pattern": "^[A-Za-z0-9._-]{1,128}$"],
                               "description": "Echoed back; a new one is made when absent or not sane"])
            entry["parameters"] = .array(parameters)
            if let body = operation.body { entry["requestBody"] = ["required": true, "content": body] }
            entry["responses"] = responses(for: operation)
            var item = paths[operation.path]?.objectValue ?? JSONObject()
            item[operation.method] = .object(entry)
            paths[operation.path] = .object(item)
        }
        return .object(JSONObject([
            ("openapi", "3.1.0"),
            ("info", [
                "title": "Galley — PicKitchen API v1",
                "version": "1.0.0",
                "description": .string("""
                    Drop-in for the PicKitchen FastAPI service. Every answer is {"code","message","data"}; code 0 and \
                    message "success" on success. Ids are Snowflake integers; datetimes are pydantic v2's ISO 8601 UTC \
                    (`2026-11-21T09:30:00.123456Z`, no fraction when the microsecond is 0). Every answer \
                    carries X-Request-Id. Error codes: \
                    \(errorCodes.map { "\($0.code) (HTTP \($0.status)) \($0.message)" }.joined(separator: "; ")).
                    """),
            ]),
            ("servers", [["url": "/"]]),
            ("tags", .array(["auth", "user", "points", "config", "emoji", "subscription", "order", "pay", "storage", "health", "docs"]
                .map { ["name": .string($0)] })),
            ("paths", .object(paths)),
            ("components", [
                "schemas": .object(schemas),
                "securitySchemes": [
                    "bearerAuth": ["type": "http", "scheme": "bearer", "bearerFormat": "JWT"],
                    "webhookSecret": ["type": "apiKey", "in": "header", "name": "Authorization",
                                      "description": "REVENUECAT_WEBHOOK_SECRET, raw or as Bearer <secret>"],
                ],
            ]),
        ]))
    }
}
