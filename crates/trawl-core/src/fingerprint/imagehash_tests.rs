//! Tests of `imagehash`: self-contained vectors, then the corpus reference values computed by
//! Python imagehash 4.3.2 on Pillow 13 (`corpus/tools/compute_reference.py`).

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, RgbImage, RgbaImage};

use super::*;
use crate::fingerprint::test_corpus;

fn png(image: DynamicImage) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    image
        .write_to(&mut out, ImageFormat::Png)
        .expect("encode png");
    out.into_inner()
}

#[test]
fn pil_luma_weights() {
    // Pillow: Image.new("RGB", (1, 1), c).convert("L").getpixel((0, 0)).
    assert_eq!(l24(255, 0, 0), 76);
    assert_eq!(l24(0, 255, 0), 150);
    assert_eq!(l24(0, 0, 255), 29);
    assert_eq!(l24(255, 255, 255), 255);
    assert_eq!(l24(17, 17, 17), 17);
}

#[test]
fn uniform_image_hashes() {
    // Flat grey: nothing is above the mean, no neighbour is brighter, and only the DC term of
    // the DCT is above the median of the other (exactly zero) terms.
    let flat = png(DynamicImage::ImageRgb8(RgbImage::from_pixel(
        40,
        30,
        image::Rgb([90; 3]),
    )));
    let hashes = image_hashes(&flat).unwrap();
    assert_eq!(hashes.ahash, "0000000000000000");
    assert_eq!(hashes.dhash, "0000000000000000");
    assert_eq!(hashes.phash, "8000000000000000");
}

#[test]
fn alpha_is_ignored_like_pil_convert() {
    let opaque = RgbaImage::from_fn(20, 20, |x, _| image::Rgba([(x * 12) as u8, 0, 0, 255]));
    let clear = RgbaImage::from_fn(20, 20, |x, y| {
        image::Rgba([(x * 12) as u8, 0, 0, (y * 9) as u8])
    });
    let a = image_hashes(&png(DynamicImage::ImageRgba8(opaque))).unwrap();
    let b = image_hashes(&png(DynamicImage::ImageRgba8(clear))).unwrap();
    assert_eq!(a, b);
}

#[test]
fn horizontal_gradient() {
    // Brightness rises left to right: every right neighbour is brighter (dhash all ones) and the
    // right half of each row is above the mean (ahash 0f per row).
    let ramp = RgbImage::from_fn(64, 48, |x, _| image::Rgb([(x * 4) as u8; 3]));
    let hashes = image_hashes(&png(DynamicImage::ImageRgb8(ramp))).unwrap();
    assert_eq!(hashes.dhash, "ffffffffffffffff");
    assert_eq!(hashes.ahash, "0f0f0f0f0f0f0f0f");
    // Constant columns: only the first DCT row has non-zero terms.
    assert!(hashes.phash.ends_with("00000000000000"), "{}", hashes.phash);
}

#[test]
fn undecodable_bytes_are_an_error() {
    let err = image_hashes(b"<html>not an image</html>").unwrap_err();
    assert!(matches!(err, ImageHashError::Decode(_)));
}

#[test]
fn hex_is_msb_first_and_padded() {
    let bits = [true, false, false, false, false, false, false, true];
    assert_eq!(to_hex(bits.into_iter()), "81");
    assert_eq!(to_hex([true].into_iter()), "1");
    assert_eq!(to_hex([false; 64].into_iter()), "0000000000000000");
}

#[test]
fn hamming_counts_differing_bits() {
    assert_eq!(hamming("0000000000000000", "0000000000000000"), Some(0));
    assert_eq!(hamming("ffffffffffffffff", "0000000000000000"), Some(64));
    assert_eq!(hamming("8000000000000001", "0000000000000000"), Some(2));
    assert_eq!(hamming("ABCD", "abcd"), Some(0));
    assert_eq!(hamming("00", "000"), None);
    assert_eq!(hamming("zz", "00"), None);
}

#[test]
fn dct_matches_definition() {
    let x: Vec<f64> = (0..32).map(|i| f64::from((i * 37 % 11) as u8)).collect();
    let fast = dct_ii(&x);
    for (k, &v) in fast.iter().enumerate() {
        let direct: f64 = x
            .iter()
            .enumerate()
            .map(|(i, &xi)| {
                let angle = std::f64::consts::PI * (k * (2 * i + 1)) as f64 / 64.0;
                2.0 * xi * angle.cos()
            })
            .sum();
        assert!((v - direct).abs() < 1e-9, "k={k}: {v} vs {direct}");
    }
}

/// Decodes one corpus image the way PIL opens and converts it.
fn luma_of(path: &std::path::Path) -> Gray {
    decode_luma(&std::fs::read(path).expect("image file")).expect("decodable image")
}

/// Bit distances of our a/p/d hashes to a reference record (`ahash`, or `ahash16` for 16).
fn distances(gray: &Gray, expected: &serde_json::Value, size: usize) -> [u32; 3] {
    let got = hashes_of(gray, size);
    let suffix = if size == 8 { "" } else { "16" };
    let dist = |ours: &str, key: &str| {
        let want = expected[format!("{key}{suffix}")]
            .as_str()
            .expect("reference hash");
        hamming(ours, want).expect("same length")
    };
    [
        dist(&got.ahash, "ahash"),
        dist(&got.phash, "phash"),
        dist(&got.dhash, "dhash"),
    ]
}

#[test]
fn corpus_screenshots_match_reference() {
    let Some(corpus) = test_corpus::dir() else {
        return;
    };
    let reference = test_corpus::json(&corpus, "reference/screenshots.json");
    let shots = reference
        .as_object()
        .expect("screenshots.json is an object");
    let mut exact = [0usize; 2];
    let mut report = Vec::new();
    for (id, expected) in shots {
        let gray = luma_of(&corpus.join("phish").join(id).join("shot.png"));
        for (slot, size) in [8, 16].into_iter().enumerate() {
            let d = distances(&gray, expected, size);
            if d == [0, 0, 0] {
                exact[slot] += 1;
            } else {
                report.push(format!("{id} size {size}: a/p/d bits off {d:?}"));
            }
        }
    }
    println!(
        "screenshots: size 8 {} of {n}, size 16 {} of {n} exact",
        exact[0],
        exact[1],
        n = shots.len()
    );
    assert!(report.is_empty(), "{report:#?}");
}

#[test]
fn corpus_png_favicons_match_reference() {
    let Some(corpus) = test_corpus::dir() else {
        return;
    };
    let reference = test_corpus::json(&corpus, "reference/favicons.json");
    let mut checked = 0;
    for (name, record) in reference.as_object().expect("favicons.json is an object") {
        let Some(expected) = record.get("image") else {
            continue;
        };
        let gray = luma_of(&corpus.join("favicons").join(name));
        for size in [8, 16] {
            assert_eq!(
                distances(&gray, expected, size),
                [0, 0, 0],
                "{name} size {size}"
            );
        }
        checked += 1;
    }
    println!("png favicons: {checked} of {checked} exact (sizes 8 and 16)");
}

#[test]
fn corpus_assets_match_reference() {
    let Some(corpus) = test_corpus::dir() else {
        return;
    };
    let reference = test_corpus::json(&corpus, "reference/assets.json");
    let (mut total, mut exact) = (0, 0);
    let mut report = Vec::new();
    for (rel, expected) in reference.as_object().expect("assets.json is an object") {
        if expected.get("ahash").is_none() {
            continue;
        }
        total += 1;
        let d = distances(&luma_of(&corpus.join("phish").join(rel)), expected, 8);
        if d == [0, 0, 0] {
            exact += 1;
        } else {
            report.push(format!("{rel}: a/p/d bits off {d:?}"));
        }
    }
    println!("assets: {exact} of {total} exact");
    for line in &report {
        println!("  {line}");
    }
    assert!(report.is_empty(), "{report:#?}");
}

/// imagehash 4.3.2 + Pillow 13 on the corpus `.ico` favicons (not in `favicons.json`, which
/// only hashes the PNG ones): `[average_hash, phash, dhash]` of `Image.open(path)`.
const ICO_FAVICONS: &[(&str, [&str; 3])] = &[
    (
        "pk-1184577-favicon_a.ico",
        ["07072700072f0f0f", "b34cb3b34c4cb391", "4848484848484848"],
    ),
    (
        "pk-creatde-hfavicon.ico",
        ["07072700072f0f0f", "b34cb3b34c4cb391", "4848484848484848"],
    ),
    (
        "pk-dropbox-spacebox-favicon.ico",
        ["003c3c181c243c10", "9b1864b3396466db", "91696972794d69b2"],
    ),
    (
        "pk-german-hfavicon.ico",
        ["07072700072f0f0f", "b34cb3b34c4cb391", "4848484848484848"],
    ),
    (
        "zp-adobe-favicon.ico",
        ["e7e7c3c399998d04", "b9e413cf4c1b4c1b", "4d8e961733337909"],
    ),
    (
        "zp-badoo-favicon.ico",
        ["00007e7e7e3c1800", "d5e67d1b20998267", "924dccd4d46933cc"],
    ),
    (
        "zp-discord-fav.ico",
        ["00003c7e7e7e0000", "92cb3d658acb9aa1", "f0cce8d4d4ccccf0"],
    ),
    (
        "zp-dropbox-favicon.ico",
        ["00247e247e3c1800", "d2e3691c37398cc6", "b24dcccccc71b24c"],
    ),
    (
        "zp-ebay-favicon.ico",
        ["000000ffffff0f00", "9b6c6493939b646c", "1000189999999800"],
    ),
    (
        "zp-linkedin-favicon.ico",
        ["0060407e7e7e7e00", "c06b6f841e9e2e65", "24929d9c94969696"],
    ),
    (
        "zp-mediafire-favicon.ico",
        ["00000e7e3e0e0000", "95e36a9cc5c3923c", "18a358e6f6388b34"],
    ),
    (
        "zp-paypal-favicon.ico",
        ["ffc3c1c1c387cfff", "b861879ece939cc1", "0c97938f373e190a"],
    ),
    (
        "zp-protonmail-favicon.ico",
        ["3c7e66063c606020", "83946bca1e256de3", "f9dcc66ce8c8c2c8"],
    ),
    (
        "zp-roblox-favicon.ico",
        ["207e7f6666fe3c00", "c1c30f6e72666c39", "c0c0cacc8ca4fc3c"],
    ),
    (
        "zp-spotify-favicon.ico",
        ["c3813c06080081c3", "ef84a86bb1b4c4ca", "0f2365ccc9613b0f"],
    ),
    (
        "zp-stackoverflow-favicon.ico",
        ["000c1e1e3c7c7e24", "923a634b6ea52dca", "0a197cbc79f8d4cc"],
    ),
    (
        "zp-steam-favicon.ico",
        ["00040e1efcf83418", "d43a23ec5c05e1f9", "e0d8d83430c2e4f0"],
    ),
    (
        "zp-wordpress-favicon.ico",
        ["3c42dbcb6fbd763c", "d13d16534bc4de94", "e88696925b49ece8"],
    ),
];

#[test]
fn corpus_ico_favicons_match_pil() {
    let Some(corpus) = test_corpus::dir() else {
        return;
    };
    let mut wrong = Vec::new();
    for (name, [ahash, phash, dhash]) in ICO_FAVICONS {
        let bytes = std::fs::read(corpus.join("favicons").join(name)).expect("favicon");
        let got = image_hashes(&bytes).expect("decodable icon");
        if [got.ahash.as_str(), got.phash.as_str(), got.dhash.as_str()] != [*ahash, *phash, *dhash]
        {
            wrong.push(format!("{name}: got {got:?}"));
        }
    }
    println!(
        "ico favicons: {} of {} exact",
        ICO_FAVICONS.len() - wrong.len(),
        ICO_FAVICONS.len()
    );
    assert!(wrong.is_empty(), "{wrong:#?}");
}
