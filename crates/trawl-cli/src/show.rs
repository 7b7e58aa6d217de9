//! Text rendering of one target for `trawl targets show`.

use serde_json::Value;

use crate::targets_cmd::clip;

const FIELDS: &[&str] = &[
    "url",
    "final_url",
    "status",
    "reason",
    "risk_score",
    "domain",
    "ip",
    "title",
    "http_status",
    "content_type",
    "charset",
    "capture_mode",
    "favicon_url",
    "favicon_hash",
    "favicon_md5",
    "favicon_sha256",
    "headers_hash",
    "dom_hash",
    "html_sha256",
    "html_tlsh",
    "html_path",
    "jarm",
    "tls_subject",
    "tls_issuer",
    "tls_sans",
    "tls_not_before",
    "tls_not_after",
    "tls_sha256",
    "tls_valid",
    "tls_problems",
    "screenshot_path",
    "screenshot_status",
    "screenshot_reason",
    "screenshot_ahash",
    "screenshot_phash",
    "screenshot_dhash",
    "created_at",
    "captured_at",
];

/// Print the target's fields, chain, headers, assets and indicators.
pub fn print_target(t: &Value) {
    println!("target {}", t["id"]);
    for f in FIELDS {
        if let Some(v) = t.get(*f).filter(|v| !v.is_null()) {
            let text = v
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| v.to_string());
            println!("  {f:<18} {}", clip(&text, 160));
        }
    }
    if let Some(chain) = t["redirect_chain"]
        .as_str()
        .and_then(|s| serde_json::from_str::<Value>(s).ok())
    {
        println!("\nredirect chain");
        for (i, hop) in chain.as_array().into_iter().flatten().enumerate() {
            let status = hop["status"]
                .as_u64()
                .map(|s| s.to_string())
                .unwrap_or_else(|| "-".into());
            let error = hop["error"]
                .as_str()
                .map(|e| format!("  ! {e}"))
                .unwrap_or_default();
            println!(
                "  {i:>2}. [{}] {status} {}{error}",
                hop["kind"].as_str().unwrap_or("?"),
                clip(hop["url"].as_str().unwrap_or(""), 120)
            );
        }
    }
    if let Some(headers) = t["headers_text"].as_str().filter(|h| !h.is_empty()) {
        println!("\nheaders");
        for line in headers.lines() {
            println!("  {}", clip(line, 160));
        }
    }
    let assets = t["assets"].as_array().cloned().unwrap_or_default();
    if !assets.is_empty() {
        println!("\nassets ({})", assets.len());
        for a in &assets {
            println!(
                "  {:<6} {:>4} {} {}",
                a["type"].as_str().unwrap_or("?"),
                a["status"].as_str().unwrap_or("-"),
                a["sha256"]
                    .as_str()
                    .map(|s| &s[..16.min(s.len())])
                    .unwrap_or("-"),
                clip(a["url"].as_str().unwrap_or(""), 110)
            );
        }
    }
    let indicators = t["indicators"].as_array().cloned().unwrap_or_default();
    if !indicators.is_empty() {
        println!("\nindicators");
        for i in &indicators {
            let placeholder = if i["placeholder"].as_bool() == Some(true) {
                " (placeholder)"
            } else {
                ""
            };
            println!(
                "  {:<7} {}{placeholder}",
                i["kind"].as_str().unwrap_or("?"),
                i["value"].as_str().unwrap_or("")
            );
        }
    }
}
