// The campaigns the end-to-end scan must form, as lists of entry URLs: the corpus groups of
// `groups.json` (G1–G4) and the sample sites' bank kit served on three hosts. URLs come from
// the hosts plans the lab servers replay (`http://hostname:port/entry_path`), the same URLs
// the URL lists name.

import { readFileSync } from "node:fs";
import { join } from "node:path";

/** Sample id → entry URL, from a hosts plan (TSV with a header line). */
function entryUrls(planPath) {
  const [head, ...lines] = readFileSync(planPath, "utf8").split("\n").filter(Boolean);
  const col = Object.fromEntries(head.split("\t").map((name, i) => [name, i]));
  const urls = new Map();
  for (const line of lines) {
    const f = line.split("\t");
    const url = `http://${f[col.hostname]}:${f[col.port]}${f[col.entry_path]}`;
    urls.set(f[col.id], { url, docroot: f[col.docroot] });
  }
  return urls;
}

/** The sample sites' bank kit: one group of every host serving `northbank-kit`. */
export function sampleSiteGroups(sitesDir) {
  const plan = entryUrls(join(sitesDir, "hosts-plan.tsv"));
  const kit = [...plan.values()].filter((s) => s.docroot === "northbank-kit").map((s) => s.url);
  return [{ name: "sample bank kit", urls: kit }];
}

/**
 * The corpus groups of `groups.json`, as the default clustering forms them: G4's member 32 is a
 * variant that only a loosened setting joins (as the engine's corpus campaign test checks), so
 * it is left out of G4 here.
 */
export function corpusGroups(corpusDir) {
  const plan = entryUrls(join(corpusDir, "hosts-plan.tsv"));
  const groups = JSON.parse(readFileSync(join(corpusDir, "groups.json"), "utf8")).groups;
  return Object.entries(groups).map(([name, group]) => {
    const members = group.members.filter((m) => !(name.startsWith("G4") && m.startsWith("32-")));
    const urls = members.map((m) => {
      const sample = plan.get(m);
      if (!sample) throw new Error(`e2e: ${m} of ${name} is not in the hosts plan`);
      return sample.url;
    });
    return { name, urls };
  });
}
