import Foundation
import Hummingbird

/// The console's page chrome and responses: one layout, one stylesheet, the headers every page carries.
enum ConsoleLayout {
    /// Sections of the console, in the order of the navigation bar.
    static let sections: [(path: String, title: String)] = [
        ("/console/withdrawals", "Withdrawals"), ("/console/dead-letters", "Dead letters"),
        ("/console/reconciliation", "Reconciliation"), ("/console/held-payments", "Held payments"),
        ("/console/refunds", "Held refunds"), ("/console/accounts", "Accounts"),
        ("/console/audit", "Audit"),
    ]

    /// A page for a signed-in operator: navigation, a sign-out form, an optional notice, the content.
    static func page(
        _ title: String, section: String, signedIn: ConsoleSessions.Operator, notice: HTML? = nil, status: HTTPResponse.Status = .ok,
        _ content: HTML
    ) -> Response {
        let navigation = HTML.joined(sections.map { item in
            item.path == section ? "<a class=\"current\" href=\"\(item.path)\">\(item.title)</a>" : "<a href=\"\(item.path)\">\(item.title)</a>"
        })
        let body: HTML = """
            <header><strong>Paystream back office</strong><nav>\(navigation)</nav>
            <form class="signout" method="post" action="/console/logout"><input type="hidden" name="csrf" value="\(signedIn.csrf)">\
            <span id="operator">\(signedIn.login)</span> <button type="submit" id="sign-out">Sign out</button></form></header>
            <main><h1>\(title)</h1>\(notice.map { "<p class=\"notice\" id=\"notice\">\($0)</p>" as HTML } ?? .empty)\(content)</main>
            """
        return document(title, body, status: status)
    }

    /// A whole HTML document with the console's security headers.
    static func document(_ title: String, _ body: HTML, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        let html: HTML = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(title) · Paystream</title><link rel="stylesheet" href="/console/console.css"></head>
            <body>\(body)</body></html>
            """
        var fields = headers
        for (name, value) in securityHeaders { fields[HeaderField.Name(name)!] = value }
        return .bytes(status, Array(html.text.utf8), contentType: "text/html; charset=utf-8", headers: fields)
    }

    /// 303 to `location` (after a form: the browser GETs the result, and a reload does not post again).
    static func redirect(_ location: String, cookies: [String] = []) -> Response {
        var fields = HTTPFields()
        fields[.location] = location
        for cookie in cookies { fields.append(HeaderField(name: .setCookie, value: cookie)) }
        for (name, value) in securityHeaders { fields[HeaderField.Name(name)!] = value }
        return Response(status: .seeOther, headers: fields)
    }

    /// No script may run, no other origin may frame the page or receive a form, nothing is cached.
    static let securityHeaders: [(String, String)] = [
        ("Content-Security-Policy",
         "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
        ("X-Frame-Options", "DENY"), ("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer"),
        ("Cache-Control", "no-store"),
    ]

    static let stylesheet = """
        body { font: 14px/1.45 system-ui, sans-serif; margin: 0; color: #1d2330; background: #f5f6f8; }
        header { display: flex; gap: 24px; align-items: center; padding: 10px 24px; background: #1d2a44; color: #fff; }
        header nav { display: flex; gap: 16px; flex: 1; }
        header a { color: #cfd8ea; text-decoration: none; } header a.current { color: #fff; font-weight: 600; }
        header form.signout { display: flex; gap: 8px; align-items: center; }
        main { padding: 16px 24px; } h1 { font-size: 20px; margin: 4px 0 12px; } h2 { font-size: 16px; margin: 20px 0 8px; }
        table { border-collapse: collapse; background: #fff; width: 100%; margin-bottom: 12px; }
        th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #e3e6eb; vertical-align: top; }
        th { background: #eef1f5; font-weight: 600; } td.amount, th.amount { text-align: right; font-variant-numeric: tabular-nums; }
        td form { display: inline-flex; gap: 4px; margin: 0 4px 4px 0; } input[type=text], input[type=password] { padding: 3px 6px; }
        button { padding: 3px 10px; cursor: pointer; } code { font-size: 12px; word-break: break-all; }
        .notice { background: #e7f6ea; border: 1px solid #9fd3aa; padding: 8px 12px; }
        .error { background: #fbeaea; border: 1px solid #e0a4a4; padding: 8px 12px; }
        .warning { background: #fff6e0; border: 1px solid #e6c97a; padding: 8px 12px; }
        .filters { display: flex; gap: 12px; margin-bottom: 12px; align-items: center; } .muted { color: #6b7385; }
        .signin { max-width: 340px; margin: 80px auto; background: #fff; padding: 24px; border: 1px solid #e3e6eb; }
        .signin label { display: block; margin: 10px 0 4px; } .signin input { width: 100%; box-sizing: border-box; }
        .signin button { margin-top: 16px; }
        """
}
