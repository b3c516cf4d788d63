import Foundation
import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyHTTP
import GalleyStorage
import GalleyRuntime
import GalleyEmoji
import GalleyWebhooks

/// `/docs`, `/redoc` and `/api/v1/docs`: a page for people that renders the OpenAPI
/// document with a little inline script. No CDN, no external fonts or scripts: it works
/// on a machine with no internet. It can also send requests (with a bearer token) to
/// this same gateway.
enum DocsPage {
    /// The page titled as the original titled its pages (`<PROJECT_NAME> - Swagger UI`).
    static func html(title: String) -> String {
        template.replacingOccurrences(of: "<title>Galley API</title>", with: "<title>\(escape(title))</title>")
    }

    /// Text safe inside HTML.
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static let template = #"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Galley API</title>
    <style>
    body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
    header{background:#1d2330;color:#fff;padding:16px 24px}header h1{margin:0;font-size:20px}
    header p{margin:4px 0 0;color:#c7ccd6;max-width:1000px}
    main{max-width:1100px;margin:0 auto;padding:16px 24px}
    #auth{margin:12px 0;display:flex;gap:8px;align-items:center}#auth input{flex:1;padding:6px;font-family:monospace}
    h2{margin:24px 0 8px;text-transform:capitalize}
    details{background:#fff;border:1px solid #dde1e7;border-radius:6px;margin:6px 0}
    summary{cursor:pointer;padding:8px 12px;display:flex;gap:10px;align-items:center}
    .m{font:bold 12px monospace;padding:2px 8px;border-radius:4px;color:#fff;min-width:52px;text-align:center}
    .get{background:#2f7bd9}.post{background:#2e9d5b}.put{background:#c98a14}.delete{background:#cf3d3d}
    .p{font-family:monospace}.s{color:#5b6475}
    .body{padding:4px 16px 12px;border-top:1px solid #eef0f3}
    pre{background:#f1f3f6;padding:8px;border-radius:4px;overflow:auto;font-size:12px}
    table{border-collapse:collapse;width:100%;font-size:13px}td,th{border-bottom:1px solid #eef0f3;text-align:left;padding:4px 6px;vertical-align:top}
    textarea{width:100%;min-height:80px;font-family:monospace}button{padding:6px 12px}
    .lock{font-size:12px;color:#8a5a00}
    </style>
    </head>
    <body>
    <header><h1 id="title">Galley API</h1><p id="intro">Loading openapi.json…</p></header>
    <main>
    <div id="auth"><label for="token">Bearer token</label><input id="token" placeholder="access_token from POST /api/v1/auth/login"></div>
    <div id="ops"></div>
    </main>
    <script>
    "use strict";
    const el = (tag, attrs, ...children) => {
      const node = document.createElement(tag);
      for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
      for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
      return node;
    };
    let spec = null;
    const resolve = (schema) => {
      if (schema && schema.$ref) {
        return schema.$ref.split("/").slice(1).reduce((node, part) => node && node[part], spec);
      }
      return schema;
    };
    const expand = (schema, depth) => {
      schema = resolve(schema);
      if (!schema || depth > 6) return schema;
      const out = Array.isArray(schema) ? [] : {};
      for (const [k, v] of Object.entries(schema)) out[k] = (v && typeof v === "object") ? expand(v, depth + 1) : v;
      return out;
    };
    const example = (schema, depth) => {
      schema = resolve(schema);
      if (!schema || depth > 6) return null;
      if (schema.default !== undefined) return schema.default;
      if (schema.const !== undefined) return schema.const;
      if (schema.examples) return schema.examples[0];
      if (schema.enum) return schema.enum[0];
      if (schema.anyOf) return example(schema.anyOf[0], depth + 1);
      switch (schema.type) {
        case "object": {
          const out = {};
          for (const [k, v] of Object.entries(schema.properties || {})) out[k] = example(v, depth + 1);
          return out;
        }
        case "array": return [example(schema.items, depth + 1)];
        case "integer": return schema.minimum || 0;
        case "number": return 0;
        case "boolean": return true;
        case "string": return schema.format === "date-time" ? "2026-11-21T09:30:00.123Z" : "string";
        default: return null;
      }
    };
    const tryIt = (method, path, op) => {
      const box = el("div", {});
      const inputs = {};
      for (const p of (op.parameters || []).filter((p) => p.in === "path" || p.in === "query")) {
        inputs[p.name] = el("input", {placeholder: p.name + (p.required ? " (required)" : "")});
        box.append(el("div", {}, p.in + " ", el("code", {}, p.name), " ", inputs[p.name]));
      }
      const json = op.requestBody && op.requestBody.content["application/json"];
      const body = json ? el("textarea", {}) : null;
      if (body) { body.value = JSON.stringify(example(json.schema, 0), null, 2); box.append(body); }
      const out = el("pre", {});
      const send = el("button", {}, "Send");
      send.addEventListener("click", async () => {
        let url = path;
        const query = new URLSearchParams();
        for (const p of op.parameters || []) {
          const value = inputs[p.name] && inputs[p.name].value;
          if (!value) continue;
          if (p.in === "path") url = url.replace("{" + p.name + "}", encodeURIComponent(value));
          if (p.in === "query") query.append(p.name, value);
        }
        if ([...query].length) url += "?" + query;
        const headers = {};
        const token = document.getElementById("token").value.trim();
        if (token) headers.Authorization = "Bearer " + token;
        if (body) headers["Content-Type"] = "application/json";
        try {
          const response = await fetch(url, {method: method.toUpperCase(), headers, body: body ? body.value : undefined});
          const text = await response.text();
          let shown = text;
          try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch (e) {}
          out.textContent = response.status + " " + response.statusText + "\nX-Request-Id: " +
            response.headers.get("X-Request-Id") + "\n\n" + shown;
          if (path.endsWith("/auth/login") && response.ok) {
            const token = JSON.parse(text).data.access_token;
            if (token) document.getElementById("token").value = token;
          }
        } catch (e) { out.textContent = String(e); }
      });
      box.append(send, out);
      return box;
    };
    const render = () => {
      document.getElementById("title").textContent = spec.info.title + " " + spec.info.version;
      document.getElementById("intro").textContent = spec.info.description;
      const groups = {};
      for (const [path, item] of Object.entries(spec.paths)) {
        for (const [method, op] of Object.entries(item)) {
          const tag = (op.tags || ["other"])[0];
          (groups[tag] = groups[tag] || []).push([method, path, op]);
        }
      }
      const root = document.getElementById("ops");
      for (const tag of (spec.tags || []).map((t) => t.name).filter((t) => groups[t])) {
        root.append(el("h2", {}, tag));
        for (const [method, path, op] of groups[tag]) {
          const secured = (op.security || []).length > 0;
          const head = el("summary", {}, el("span", {class: "m " + method}, method.toUpperCase()),
            el("span", {class: "p"}, path), el("span", {class: "s"}, op.summary || ""),
            secured ? el("span", {class: "lock"}, "auth") : "");
          const details = el("details", {}, head);
          const body = el("div", {class: "body"}, el("p", {}, op.description || ""));
          const params = (op.parameters || []).filter((p) => p.name !== "X-Request-Id");
          if (params.length) {
            const table = el("table", {}, el("tr", {}, el("th", {}, "parameter"), el("th", {}, "in"), el("th", {}, "schema"), el("th", {}, "")));
            for (const p of params) table.append(el("tr", {}, el("td", {}, el("code", {}, p.name)), el("td", {}, p.in),
              el("td", {}, el("code", {}, JSON.stringify(p.schema))), el("td", {}, p.description || "")));
            body.append(el("h4", {}, "Parameters"), table);
          }
          if (op.requestBody) {
            for (const [type, media] of Object.entries(op.requestBody.content)) {
              body.append(el("h4", {}, "Request body (" + type + ")"), el("pre", {}, JSON.stringify(expand(media.schema, 0), null, 2)));
            }
          }
          body.append(el("h4", {}, "Responses"));
          const table = el("table", {});
          for (const [status, response] of Object.entries(op.responses || {})) {
            const media = response.content && Object.values(response.content)[0];
            const schema = media && media.schema ? JSON.stringify(example(media.schema, 0)) : "";
            table.append(el("tr", {}, el("td", {}, el("b", {}, status)), el("td", {}, response.description || ""),
              el("td", {}, el("code", {}, schema))));
          }
          body.append(table, el("h4", {}, "Try it"), tryIt(method, path, op));
          details.append(body);
          root.append(details);
        }
      }
    };
    fetch("/api/v1/openapi.json").then((r) => r.json()).then((json) => { spec = json; render(); })
      .catch((e) => { document.getElementById("intro").textContent = "Could not load openapi.json: " + e; });
    </script>
    </body>
    </html>
    """#
}
