//! Tests of [`parse_list`] as callers see it: formats, line numbers, reasons, caps, and the
//! real feed excerpts of the corpus.

use std::path::PathBuf;

use super::*;

fn parse(text: &str) -> ParsedList {
    parse_list(text.as_bytes()).expect("list should parse")
}

fn urls(list: &ParsedList) -> Vec<&str> {
    list.accepted.iter().map(|u| u.url.as_str()).collect()
}

fn lines_of(list: &ParsedList) -> Vec<usize> {
    list.accepted.iter().map(|u| u.line).collect()
}

fn rejections(list: &ParsedList) -> Vec<(usize, &str, &str)> {
    list.rejected
        .iter()
        .map(|r| (r.line, r.text.as_str(), r.reason.as_str()))
        .collect()
}

#[test]
fn plain_text_skips_blanks_and_comments_and_numbers_lines() {
    let list = parse("# my list\n\nhttp://a.example/\n   \n  # note\nb.example/x\n");
    assert_eq!(list.format, ListFormat::Text);
    assert_eq!(urls(&list), ["http://a.example/", "http://b.example/x"]);
    assert_eq!(lines_of(&list), [3, 6]);
    assert!(list.rejected.is_empty() && list.duplicates.is_empty());
}

#[test]
fn rejected_lines_carry_line_number_text_and_reason() {
    let text = "http://ok.example/\nfile:///etc/passwd\nhello\n\njavascript:alert(1)\n\
                http://\nmailto:x@y.example\nhttp://ev!l.example/\nftp://f.example/\n";
    let list = parse(text);
    assert_eq!(urls(&list), ["http://ok.example/"]);
    assert_eq!(
        rejections(&list),
        [
            (2, "file:///etc/passwd", "unsupported scheme `file:`"),
            (3, "hello", "not a URL"),
            (5, "javascript:alert(1)", "unsupported scheme `javascript:`"),
            (6, "http://", "no host"),
            (7, "mailto:x@y.example", "unsupported scheme `mailto:`"),
            (8, "http://ev!l.example/", "invalid host `ev!l.example`"),
            (9, "ftp://f.example/", "unsupported scheme `ftp:`"),
        ]
    );
}

#[test]
fn rejected_text_is_truncated_for_display() {
    let long = format!("not a url {}", "x".repeat(500));
    let list = parse(&long);
    let text = &list.rejected[0].text;
    assert_eq!(text.chars().count(), MAX_REJECTED_TEXT_CHARS + 1);
    assert!(text.starts_with("not a url xxx") && text.ends_with('…'));
}

#[test]
fn duplicates_point_at_the_first_occurrence_and_fragments_differ() {
    let text = "http://a.example/p#tok1\nHTTP://A.EXAMPLE/p#tok1\nhttp://a.example/p#tok2\n\
                a.example/p#tok1\nhttp://a.example:80/p#tok2\n";
    let list = parse(text);
    assert_eq!(
        urls(&list),
        ["http://a.example/p#tok1", "http://a.example/p#tok2"]
    );
    let duplicates: Vec<(usize, usize, &str)> = list
        .duplicates
        .iter()
        .map(|d| (d.line, d.first_line, d.url.as_str()))
        .collect();
    assert_eq!(
        duplicates,
        [
            (2, 1, "http://a.example/p#tok1"),
            (4, 1, "http://a.example/p#tok1"),
            (5, 3, "http://a.example/p#tok2"),
        ]
    );
}

#[test]
fn bom_and_crlf_are_tolerated() {
    // A BOM in front of a `#` comment must not turn the comment into a candidate.
    let text = b"\xEF\xBB\xBF# list\r\nhttp://a.example/x\r\n\r\nnope\r\nhttp://b.example/\r\n";
    let list = parse_list(text).unwrap();
    assert_eq!(list.format, ListFormat::Text);
    assert_eq!(urls(&list), ["http://a.example/x", "http://b.example/"]);
    assert_eq!(lines_of(&list), [2, 5]);
    assert_eq!(rejections(&list), [(4, "nope", "not a URL")]);

    // A BOM in front of a CSV header must not hide the `url` column name.
    let csv =
        b"\xEF\xBB\xBFurl,id\r\nhttp://a.example/x,1\r\nfile:///x,2\r\nhttp://b.example/,3\r\n";
    let list = parse_list(csv).unwrap();
    assert_eq!(list.format, ListFormat::Csv);
    assert_eq!(urls(&list), ["http://a.example/x", "http://b.example/"]);
    assert_eq!(lines_of(&list), [2, 4]);
    assert_eq!(
        rejections(&list),
        [(3, "file:///x,2", "unsupported scheme `file:`")]
    );
}

#[test]
fn utf16_with_bom_is_decoded() {
    let mut bytes = vec![0xFF, 0xFE];
    for unit in "http://bücher.example/\n".encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    let list = parse_list(&bytes).unwrap();
    assert_eq!(urls(&list), ["http://xn--bcher-kva.example/"]);
}

#[test]
fn binary_input_is_not_text() {
    let mut bytes = b"http://a.example/\n".to_vec();
    bytes.extend((0..200u8).map(|i| i | 0x80));
    assert!(matches!(
        parse_list(&bytes),
        Err(InputError::NotText { .. })
    ));
    assert!(matches!(
        parse_list(b"a\0b\0c\0d\0"),
        Err(InputError::NotText { .. })
    ));

    // One bad byte in a long list is under 1% and only spoils its own line.
    let mut bytes = "http://a.example/\n".repeat(20).into_bytes();
    bytes.extend_from_slice(b"http://b.example/\xFF\n");
    let list = parse_list(&bytes).unwrap();
    assert_eq!(list.rejected.len(), 0);
    assert_eq!(list.accepted.len(), 2);
}

#[test]
fn caps_size_and_entry_count() {
    let big = vec![b'a'; MAX_INPUT_BYTES + 1];
    let error = parse_list(&big).unwrap_err();
    assert_eq!(
        error,
        InputError::TooLarge {
            size: MAX_INPUT_BYTES + 1,
            max: MAX_INPUT_BYTES
        }
    );

    // Every kind of entry counts (accepted, rejected, duplicate); blanks and comments do not.
    let three = b"a.example\n\n# c\nnot a url\na.example\n";
    assert_eq!(parse_with_limit(three, 3).unwrap().accepted.len(), 1);
    let four = b"a.example\nnot a url\na.example\nb.example\n";
    assert_eq!(
        parse_with_limit(four, 3).unwrap_err(),
        InputError::TooManyUrls { max: 3 }
    );
}

#[test]
fn defanged_forms_are_refanged() {
    let text = "hxxps://evil[.]com/login\nevil(.)com\nhxxp://1.2.3[.]4\nhttps[:]//x.com\n\
                hXXp://a[dot]b.com/p\n";
    let list = parse(text);
    assert_eq!(
        urls(&list),
        [
            "https://evil.com/login",
            "http://evil.com/",
            "http://1.2.3.4/",
            "https://x.com/",
            "http://a.b.com/p"
        ]
    );
}

#[test]
fn idn_hosts_become_punycode_with_unicode_display() {
    let list = parse("http://bücher.example/kauf?x=1#t\n");
    let entry = &list.accepted[0];
    assert_eq!(
        entry.url.as_str(),
        "http://xn--bcher-kva.example/kauf?x=1#t"
    );
    assert_eq!(entry.display, "http://bücher.example/kauf?x=1#t");
}

#[test]
fn html_ampersands_are_decoded_in_every_format() {
    let expected = ["http://a.example/?x=1&y=2"];
    assert_eq!(urls(&parse("http://a.example/?x=1&amp;y=2\n")), expected);
    assert_eq!(
        urls(&parse("id,url\n1,http://a.example/?x=1&amp;y=2\n")),
        expected
    );
    assert_eq!(
        urls(&parse(r#"["http://a.example/?x=1&amp;y=2"]"#)),
        expected
    );
}

#[test]
fn csv_quoted_urls_with_commas_and_multiline_records() {
    let text = "id,url,note\n\
                1,\"http://a.example/p?19,05,25,pm\",x\n\
                2,http://b.example/,\"two\nlines\"\n\
                3,ftp://c.example/,y\n\
                4,,z\n\
                5\n";
    let list = parse(text);
    assert_eq!(list.format, ListFormat::Csv);
    assert_eq!(
        urls(&list),
        ["http://a.example/p?19,05,25,pm", "http://b.example/"]
    );
    assert_eq!(lines_of(&list), [2, 3]);
    assert_eq!(
        rejections(&list),
        [
            (5, "3,ftp://c.example/,y", "unsupported scheme `ftp:`"),
            (6, "4,,z", "empty URL field"),
            (7, "5", "no URL field (column 2 missing)"),
        ]
    );
}

#[test]
fn csv_with_comment_banner_and_commented_header() {
    let text = "################\n# Some feed dump (CSV)  #\n\
                # Terms Of Use: https://feed.example/api/ #\n################\n#\n\
                # id,source,url,url_status,tags\n\
                \"1\",\"https://feed.example/1\",\"http://1.2.3.4:60905/bin.sh\",\"online\",\"32-bit,elf\"\n\
                \"2\",\"https://feed.example/2\",\"http://5.6.7.8/i\",\"online\",\"mirai\"\n";
    let list = parse(text);
    assert_eq!(list.format, ListFormat::Csv);
    assert_eq!(
        urls(&list),
        ["http://1.2.3.4:60905/bin.sh", "http://5.6.7.8/i"]
    );
    assert_eq!(lines_of(&list), [7, 8]);
    assert!(list.rejected.is_empty());
    // The commented header picks `url` even though `source` also holds URLs, further left.
}

#[test]
fn csv_without_url_header_uses_the_url_looking_column() {
    let list =
        parse("seen;brand;address\n2024-01-01;X;hxxp://a[.]example/\n2024-01-02;Y;b.example\n");
    assert_eq!(list.format, ListFormat::Csv);
    assert_eq!(urls(&list), ["http://a.example/", "http://b.example/"]);
    assert_eq!(lines_of(&list), [2, 3]);
}

#[test]
fn json_array_of_strings_and_objects_with_line_numbers() {
    let text = "[\n  \"http://a.example/\",\n  {\"id\": 1,\n   \"url\": \"hxxp://b[.]example/\"},\n\
                \"javascript:x\",\n  {\"name\": \"n\"},\n  42\n]\n";
    let list = parse(text);
    assert_eq!(list.format, ListFormat::Json);
    assert_eq!(urls(&list), ["http://a.example/", "http://b.example/"]);
    assert_eq!(lines_of(&list), [2, 3]);
    assert_eq!(
        rejections(&list),
        [
            (5, "\"javascript:x\"", "unsupported scheme `javascript:`"),
            (6, "{\"name\": \"n\"}", "object has no URL field"),
            (
                7,
                "42",
                "expected a URL string or an object with a URL field"
            ),
        ]
    );
}

#[test]
fn broken_json_array_fails_with_its_line() {
    let error = parse_list(b"[\n\"http://a.example/\",\n{\"url\": \"x\"\n").unwrap_err();
    assert_eq!(
        error,
        InputError::MalformedJson {
            line: 4,
            message: "the JSON array is not closed".into()
        }
    );
}

#[test]
fn json_lines_of_strings_and_objects() {
    let text = "{\"url\": \"http://a.example/\", \"tags\": \"x,y\"}\n\n\"http://b.example/\"\n\
                {\"url\": \"http://c.example/\"\nhttp://d.example/\n{\"link\": 7}\n";
    let list = parse(text);
    assert_eq!(list.format, ListFormat::JsonLines);
    assert_eq!(
        urls(&list),
        [
            "http://a.example/",
            "http://b.example/",
            "http://d.example/"
        ]
    );
    assert_eq!(lines_of(&list), [1, 3, 5]);
    let reasons: Vec<(usize, &str)> = list.rejected.iter().map(|r| (r.line, &*r.reason)).collect();
    assert_eq!(reasons.len(), 2);
    assert_eq!(reasons[0].0, 4);
    assert!(
        reasons[0].1.starts_with("invalid JSON: "),
        "{}",
        reasons[0].1
    );
    assert_eq!(reasons[1], (6, "field `link` is not a string"));
}

#[test]
fn one_column_csv_titled_url() {
    let list = parse("URL\n\"http://a.example/?x=1,2\"\nhttp://b.example/?y=3,4\n");
    assert_eq!(list.format, ListFormat::Csv);
    assert_eq!(
        urls(&list),
        ["http://a.example/?x=1,2", "http://b.example/?y=3,4"]
    );
    assert!(list.rejected.is_empty());
}

#[test]
fn parsed_lists_serialise_for_ipc() {
    let list = parse("http://bücher.example/\n");
    let json = serde_json::to_value(&list).unwrap();
    assert_eq!(json["format"], "text");
    assert_eq!(json["accepted"][0]["url"], "http://xn--bcher-kva.example/");
    assert_eq!(json["accepted"][0]["display"], "http://bücher.example/");
    assert_eq!(json["accepted"][0]["line"], 1);
}

/// The corpus directory, or `None` (after saying so) when it is not there.
fn corpus_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("TRAWL_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/corpus"
            ))
        });
    if dir.join("feeds").is_dir() {
        Some(dir)
    } else {
        println!("skipping: corpus not found at {}", dir.display());
        None
    }
}

/// Parses one feed excerpt of the corpus, if the corpus is present.
fn parse_feed(name: &str) -> Option<ParsedList> {
    let path = corpus_dir()?.join("feeds").join(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Some(parse_list(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

#[test]
fn openphish_feed_excerpt_reads_78_urls() {
    let Some(list) = parse_feed("openphish-feed-excerpt.txt") else {
        return;
    };
    assert_eq!(list.format, ListFormat::Text);
    assert_eq!(
        (
            list.accepted.len(),
            list.rejected.len(),
            list.duplicates.len()
        ),
        (78, 0, 0)
    );
    // `&amp;` is decoded and fragments are kept.
    let all = urls(&list);
    assert!(all.contains(&"https://allpl.hotperfectdeal.click/99VS6rRM?fbclid=%7Bfbclid%7D&ut"));
    assert!(all.iter().any(|u| u.ends_with("/loginchris.php#signin")));
}

#[test]
fn phishtank_feed_excerpt_reads_25_urls() {
    let Some(list) = parse_feed("phishtank-online-valid-excerpt.csv") else {
        return;
    };
    assert_eq!(list.format, ListFormat::Csv);
    assert_eq!(
        (
            list.accepted.len(),
            list.rejected.len(),
            list.duplicates.len()
        ),
        (25, 0, 0)
    );
    let all = urls(&list);
    assert_eq!(
        all[0],
        "http://paypals-gift-cards-business.gitlab.io/paypal.com"
    );
    assert!(all.contains(&"https://onedriveauth-login.firebaseapp.com/onedrive-sign-in,0"));
    assert!(
        all.iter()
            .any(|u| u.ends_with("?country.x=US&locale.x=en_US"))
    );
    assert!(!all.iter().any(|u| u.contains("phish_detail.php")));
    assert_eq!(list.accepted[0].line, 2);
}

#[test]
fn urlhaus_feed_excerpt_reads_10_urls() {
    let Some(list) = parse_feed("urlhaus-csv-excerpt.csv") else {
        return;
    };
    assert_eq!(list.format, ListFormat::Csv);
    assert_eq!(
        (
            list.accepted.len(),
            list.rejected.len(),
            list.duplicates.len()
        ),
        (10, 0, 0)
    );
    assert_eq!(urls(&list)[0], "http://117.209.87.242:60905/bin.sh");
    assert!(!urls(&list).iter().any(|u| u.contains("urlhaus.abuse.ch")));
}

#[test]
fn urlhaus_feed_with_its_original_banner_reads_10_urls() {
    let Some(dir) = corpus_dir() else { return };
    let excerpt = std::fs::read_to_string(dir.join("feeds/urlhaus-csv-excerpt.csv")).unwrap();
    let banner = "################################################################\n\
                  # abuse.ch URLhaus Database Dump (CSV - recent URLs)           #\n\
                  # Terms Of Use: https://urlhaus.abuse.ch/api/                  #\n\
                  # For questions please contact urlhaus [at] abuse.ch           #\n\
                  ################################################################\n#\n# ";
    let list = parse(&format!("{banner}{excerpt}"));
    assert_eq!((list.accepted.len(), list.rejected.len()), (10, 0));
    assert_eq!(list.accepted[0].line, 8);
}
