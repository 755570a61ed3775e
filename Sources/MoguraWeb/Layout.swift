import Foundation
import MoguraCore

/// The page shell: header, navigation, language switch, and the one stylesheet and script (served from
/// `/static`, so the Content-Security-Policy can forbid inline script entirely).
struct Layout {
    var language: Language
    var user: StaffUser?
    var csrf: String?
    var zone: TimeZone

    func page(_ title: String, active: String = "", flash: String? = nil, _ body: HTML) -> HTML {
        let t = language.t
        var nav: [HTML] = []
        if let user {
            var items: [(String, String)] = [("/queue", t("Queue")), ("/dashboard", t("Dashboard")), ("/triage", t("Triage"))]
            if user.mayLookUpInventory { items.append(("/lookup", t("Lookup"))) }
            items.append(("/search", t("Search")))
            items.append(("/audit", t("Audit log")))
            nav = items.map { path, label in
                "<a href=\"\(path)\"\(HTML(trusted: active == path ? " class=\"active\" aria-current=\"page\"" : ""))>\(label)</a>"
            }
        }
        let account: HTML =
            if let user, let csrf {
                """
                <form method="post" action="/settings/language" class="inline">\(Layout.csrfField(csrf))
                <select name="language" aria-label="\(t("Language"))">\(Language.allCases.map { option in
                    "<option value=\"\(option.rawValue)\"\(HTML(trusted: option == language ? " selected" : ""))>\(option == .japanese ? "日本語" : "English")</option>" as HTML
                })</select><button type="submit">\(t("Save"))</button></form>
                <span class="who">\(user.displayName)</span>
                <form method="post" action="/logout" class="inline">\(Layout.csrfField(csrf))<button type="submit">\(t("Log out"))</button></form>
                """
            } else {
                .empty
            }
        return """
            <!DOCTYPE html>
            <html lang="\(language.rawValue)">
            <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(title) · Mogura</title><link rel="stylesheet" href="/static/mogura.css"><script src="/static/mogura.js" defer></script></head>
            <body>
            <header><a class="brand" href="/">Mogura</a><nav>\(nav)</nav><div class="account">\(account)</div></header>
            <main>
            \(flash.map { "<p class=\"flash\" role=\"status\">\($0)</p>" as HTML } ?? .empty)
            <h1>\(title)</h1>
            \(body)
            </main>
            </body></html>
            """
    }

    static func csrfField(_ token: String) -> HTML { "<input type=\"hidden\" name=\"csrf\" value=\"\(token)\">" }

    func time(_ timestamp: Timestamp?) -> HTML {
        guard let timestamp else { return "—" }
        let seconds = Timestamp(microseconds: timestamp.microseconds - timestamp.microseconds % 1_000_000)
        var text = seconds.formatted(in: zone).replacingOccurrences(of: "T", with: " ")
        if text.hasSuffix("Z") { text = String(text.dropLast()) + " UTC" }
        return "<time datetime=\"\(timestamp.description)\">\(text)</time>"
    }

    static let stylesheet = """
        :root { --fg: #1b1f24; --muted: #5b636e; --line: #d8dde3; --bg: #f6f7f9; --accent: #0b5cad; --warn: #a15c00; --bad: #b42318; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.5 system-ui, "Noto Sans CJK JP", "Noto Sans JP", sans-serif; color: var(--fg); background: var(--bg); }
        header { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; padding: .5rem 1rem; background: #fff; border-bottom: 1px solid var(--line); }
        header nav { display: flex; flex-wrap: wrap; gap: .25rem .75rem; flex: 1; }
        header nav a.active { font-weight: 600; text-decoration: underline; }
        .brand { font-weight: 700; color: var(--fg); text-decoration: none; }
        .account { display: flex; gap: .5rem; align-items: center; flex-wrap: wrap; }
        main { padding: 1rem; max-width: 1280px; margin: 0 auto; }
        h1 { font-size: 1.35rem; margin: .25rem 0 1rem; }
        h2 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
        a { color: var(--accent); }
        table { width: 100%; border-collapse: collapse; background: #fff; }
        th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { font-weight: 600; background: #eef1f4; }
        .table-wrap { overflow-x: auto; }
        form.filters { display: flex; flex-wrap: wrap; gap: .5rem; align-items: end; margin-bottom: 1rem; }
        form.filters label { display: flex; flex-direction: column; font-size: .85rem; color: var(--muted); }
        form.inline { display: inline; margin: 0; }
        form.stack label { display: block; margin: .75rem 0 .25rem; font-weight: 600; }
        form.stack input[type=text], form.stack input[type=email], form.stack textarea, form.stack select { width: 100%; max-width: 40rem; }
        input, select, textarea, button { font: inherit; padding: .3rem .45rem; }
        button { cursor: pointer; border: 1px solid var(--accent); background: var(--accent); color: #fff; border-radius: 3px; }
        button.secondary { background: #fff; color: var(--accent); }
        .flash { padding: .5rem .75rem; background: #e8f3ff; border: 1px solid #b6d6f5; }
        .error { padding: .5rem .75rem; background: #fdecea; border: 1px solid #f5c2bd; color: var(--bad); }
        .muted { color: var(--muted); }
        .badge { display: inline-block; padding: 0 .4rem; border-radius: 3px; font-size: .85rem; background: #eef1f4; }
        .badge.breached { background: #fdecea; color: var(--bad); }
        .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(280px, 1fr)); gap: 1rem; }
        .card { background: #fff; border: 1px solid var(--line); padding: .75rem 1rem; }
        .card .figure { font-size: 1.6rem; font-weight: 700; }
        pre.raw { white-space: pre-wrap; word-break: break-all; background: #fff; border: 1px solid var(--line); padding: .75rem; max-height: 70vh; overflow: auto; }
        .hp { position: absolute; left: -10000px; width: 1px; height: 1px; overflow: hidden; }
        svg.chart { width: 100%; height: auto; max-height: 280px; background: #fff; border: 1px solid var(--line); }
        @media (max-width: 700px) {
          table.responsive thead { display: none; }
          table.responsive tr { display: block; border-bottom: 2px solid var(--line); }
          table.responsive td { display: block; border: 0; padding: .15rem .5rem; }
          table.responsive td::before { content: attr(data-label) ": "; font-weight: 600; color: var(--muted); }
        }
        """

    /// Progressive: confirm destructive buttons, and solve the report form's proof of work before it is sent.
    static let script = """
        document.addEventListener('submit', function (event) {
          var form = event.target;
          var question = form.getAttribute('data-confirm');
          if (question && !window.confirm(question)) { event.preventDefault(); return; }
          var challenge = form.querySelector('input[name=pow_challenge]');
          var nonce = form.querySelector('input[name=pow_nonce]');
          if (challenge && nonce && !nonce.value) {
            event.preventDefault();
            var bits = parseInt(form.getAttribute('data-pow-bits') || '0', 10);
            var encoder = new TextEncoder();
            var attempt = 0;
            function leadingZeros(bytes) {
              var count = 0;
              for (var i = 0; i < bytes.length; i++) {
                if (bytes[i] === 0) { count += 8; continue; }
                for (var b = 7; b >= 0; b--) { if (bytes[i] & (1 << b)) { return count; } count++; }
              }
              return count;
            }
            function step() {
              var tries = [];
              for (var k = 0; k < 256; k++) {
                var candidate = String(attempt++);
                tries.push(crypto.subtle.digest('SHA-256', encoder.encode(challenge.value + ':' + candidate)).then(function (c) {
                  return function (digest) { return leadingZeros(new Uint8Array(digest)) >= bits ? c : null; };
                }(candidate)));
              }
              Promise.all(tries).then(function (results) {
                var found = results.find(function (r) { return r !== null; });
                if (found !== undefined) { nonce.value = found; form.submit(); } else { step(); }
              });
            }
            step();
          }
        });
        """
}
