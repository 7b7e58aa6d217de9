//! Reading campaigns and the graph out: campaign views for `trawl campaigns`, the graph as JSON
//! or GEXF for other tools, and a plain-text rendering of the clusters (used by snapshot
//! tests, so it can leave ids and times out).

use std::fmt::Write as _;

use serde::Serialize;
use sqlx::PgPool;

use super::cluster::Evidence;
use super::graph::Graph;

/// One campaign member.
#[derive(Clone, Debug, Serialize)]
pub struct Member {
    /// `targets.id`.
    pub target_id: i64,
    /// The submitted URL.
    pub url: String,
    /// Whether the analyst pinned it here.
    pub pinned: bool,
    /// The values it shares, and with whom.
    pub evidence: Vec<Evidence>,
}

/// One campaign with its members.
#[derive(Clone, Debug, Serialize)]
pub struct Campaign {
    /// Stable key (`c-…`).
    pub key: String,
    /// The analyst's label.
    pub label: Option<String>,
    /// Members ordered by target id.
    pub members: Vec<Member>,
}

type MemberRow = (String, Option<String>, i64, String, bool, serde_json::Value);

/// Every campaign (or only `key`), largest first, then by key.
pub async fn campaigns(pool: &PgPool, key: Option<&str>) -> Result<Vec<Campaign>, sqlx::Error> {
    let rows: Vec<MemberRow> = sqlx::query_as(
        "SELECT c.key, c.label, t.id, t.url, m.pinned, m.evidence FROM campaigns c \
         JOIN campaign_members m ON m.campaign_id = c.id JOIN targets t ON t.id = m.target_id \
         WHERE $1::text IS NULL OR c.key = $1 ORDER BY c.key, t.id",
    )
    .bind(key)
    .fetch_all(pool)
    .await?;
    let mut out: Vec<Campaign> = Vec::new();
    for (key, label, target_id, url, pinned, evidence) in rows {
        if out.last().is_none_or(|c| c.key != key) {
            out.push(Campaign {
                key,
                label,
                members: Vec::new(),
            });
        }
        let evidence = serde_json::from_value(evidence).unwrap_or_default();
        let member = Member {
            target_id,
            url,
            pinned,
            evidence,
        };
        out.last_mut().expect("pushed above").members.push(member);
    }
    out.sort_by(|a, b| {
        b.members
            .len()
            .cmp(&a.members.len())
            .then(a.key.cmp(&b.key))
    });
    Ok(out)
}

/// The campaigns as text: one block per campaign, members by URL, each with its evidence.
/// With `strip_ids`, keys and target ids are left out (members are then named by URL).
pub fn render_text(campaigns: &[Campaign], strip_ids: bool) -> String {
    let mut blocks: Vec<String> = campaigns
        .iter()
        .map(|c| {
            let mut members = c.members.clone();
            members.sort_by(|a, b| a.url.cmp(&b.url));
            let url_of = |id: i64| {
                c.members
                    .iter()
                    .find(|m| m.target_id == id)
                    .map_or("?", |m| m.url.as_str())
            };
            let mut text = match strip_ids {
                true => format!("campaign ({} members)\n", members.len()),
                false => format!("campaign {} ({} members)\n", c.key, members.len()),
            };
            for m in &members {
                let pin = if m.pinned { " [pinned]" } else { "" };
                match strip_ids {
                    true => writeln!(text, "  {}{pin}", m.url),
                    false => writeln!(text, "  #{} {}{pin}", m.target_id, m.url),
                }
                .ok();
                let mut lines: Vec<String> = m
                    .evidence
                    .iter()
                    .map(|e| {
                        let mut with: Vec<&str> = e.with.iter().map(|&w| url_of(w)).collect();
                        with.sort_unstable();
                        format!("{}: {}", e.describe(), with.join(", "))
                    })
                    .collect();
                lines.sort();
                for line in lines {
                    writeln!(text, "    {line}").ok();
                }
            }
            text
        })
        .collect();
    if strip_ids {
        blocks.sort();
    }
    blocks.join("\n")
}

/// The graph as JSON (`{"nodes": [...], "edges": [...]}`).
pub fn graph_json(graph: &Graph) -> serde_json::Value {
    serde_json::to_value(graph).unwrap_or_default()
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The graph as GEXF 1.3 (Gephi), node kind as an attribute.
pub fn graph_gexf(graph: &Graph) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <gexf xmlns=\"http://gexf.net/1.3\" version=\"1.3\">\n\
         <graph defaultedgetype=\"directed\">\n\
         <attributes class=\"node\"><attribute id=\"0\" title=\"kind\" type=\"string\"/>\
         </attributes>\n<nodes>\n",
    );
    for n in &graph.nodes {
        let label = xml_escape(&format!("{}:{}", n.kind, n.value));
        let kind = xml_escape(&n.kind);
        writeln!(
            out,
            "<node id=\"{}\" label=\"{label}\"><attvalues><attvalue for=\"0\" value=\"{kind}\"/>\
             </attvalues></node>",
            n.id
        )
        .ok();
    }
    out.push_str("</nodes>\n<edges>\n");
    for (i, e) in graph.edges.iter().enumerate() {
        let kind = xml_escape(&e.kind);
        writeln!(
            out,
            "<edge id=\"{i}\" source=\"{}\" target=\"{}\" label=\"{kind}\"/>",
            e.from, e.to
        )
        .ok();
    }
    out.push_str("</edges>\n</graph>\n</gexf>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::link::graph::{Edge, Node};

    #[test]
    fn gexf_escapes_values() {
        let g = Graph {
            nodes: vec![Node {
                id: 1,
                kind: "domain".into(),
                value: "a<&>.test".into(),
            }],
            edges: vec![Edge {
                from: 1,
                to: 1,
                kind: "redirects_to".into(),
            }],
        };
        let xml = graph_gexf(&g);
        assert!(
            xml.contains("label=\"domain:a&lt;&amp;&gt;.test\""),
            "{xml}"
        );
        assert!(xml.contains("<edge id=\"0\" source=\"1\" target=\"1\""));
    }

    #[test]
    fn text_rendering_strips_ids() {
        let c = Campaign {
            key: "c-1".into(),
            label: None,
            members: vec![
                Member {
                    target_id: 7,
                    url: "http://b.test/".into(),
                    pinned: false,
                    evidence: vec![Evidence {
                        kind: "ip".into(),
                        value: "192.0.2.1".into(),
                        with: vec![3],
                        more: 0,
                    }],
                },
                Member {
                    target_id: 3,
                    url: "http://a.test/".into(),
                    pinned: true,
                    evidence: vec![],
                },
            ],
        };
        let text = render_text(&[c], true);
        assert_eq!(
            text,
            "campaign (2 members)\n  http://a.test/ [pinned]\n  http://b.test/\n    \
             shares IP address 192.0.2.1 with 1 member: http://a.test/\n"
        );
    }
}
