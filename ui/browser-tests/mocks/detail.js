// The full detail object of a generated target, shaped like the engine's `target_detail`: the
// target's columns plus chain, assets, indicators, matches and risk factors. Target 1 carries the
// hostile payloads in its title, URL and headers.
(function () {
  const F = window.TrawlMock.fixtures;

  F.targetDetail = function (id) {
    const row = F.targetRow(id);
    const hostile = id === 1;
    const landing = `https://${row.domain}/account/verify`;
    return {
      ...row,
      tags: row.tags.join(","),
      final_url: hostile ? F.hostile.url : landing,
      http_status: 200,
      headers_text: hostile
        ? F.hostile.headers
        : "HTTP/1.1 200 OK\nContent-Type: text/html; charset=utf-8\nServer: nginx",
      html_excerpt: hostile ? F.hostile.html : "<form action=/verify><input name=card></form>",
      favicon_hash: F.favicon,
      dom_hash: "9b1f0c2d",
      screenshot_path: row.status === "DONE" ? `/data/blobs/shots/${id}.png` : null,
      chain: [
        { url: `http://${row.domain}/`, status: 301, kind: "http", ip: row.ip, error: null },
        { url: `https://${row.domain}/`, status: 200, kind: "meta", ip: row.ip, error: null },
        { url: landing, status: 200, kind: "js", ip: row.ip, error: null },
      ],
      tls_subject: `CN=${row.domain}`,
      tls_issuer: "CN=R11, O=Let's Encrypt",
      tls_sans: `${row.domain}, www.${row.domain}`,
      tls_not_before: "2026-10-01T00:00:00Z",
      tls_not_after: "2026-12-30T00:00:00Z",
      tls_valid: true,
      tls_sha256: "3f1e9c0a7b2d4e6f8a1c3e5b7d9f0a2c4e6b8d0f1a3c5e7b9d1f3a5c7e9b0d2f",
      assets: [
        {
          url: `https://${row.domain}/app.js`,
          type: "js",
          sha256: "a1b2c3d4e5f6",
          md5: "0f9e8d7c",
        },
        { url: `https://${row.domain}/logo.png`, type: "image", sha256: "b2c3d4e5f6a1", md5: null },
      ],
      indicators: [
        { kind: "email", value: `drop${id}@mailbox.example` },
        { kind: "wallet", value: "bc1qexampleexampleexample" },
      ],
      matches: [
        { kind: "signature", name: "bank-login-form", verified: true, confidence: 90 },
        { kind: "yara", name: "Phish_Kit_Generic", verified: false, confidence: 60 },
      ],
      risk_factors: [
        { name: "credential form", weight: 40, evidence: "password field posting off-site" },
        { name: "young certificate", weight: 20, evidence: "issued 3 days before capture" },
      ],
    };
  };
})();
