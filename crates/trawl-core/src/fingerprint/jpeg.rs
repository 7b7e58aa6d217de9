//! JPEG decoding with the same pixels PIL gets, for the perceptual hashes.
//!
//! PIL decodes JPEG with libjpeg-turbo (integer "islow" IDCT, fancy upsampling, libjpeg's
//! YCbCr tables). The `image` crate's pure-Rust decoder approximates those steps and lands one
//! to four levels away on a few percent of the samples, which is enough to flip an occasional
//! hash bit. mozjpeg is a libjpeg-turbo fork with the same decoder, built here without its SIMD
//! code (whose output libjpeg-turbo keeps identical to the C paths); it gave PIL's RGB bytes
//! exactly on every JPEG of the corpus, baseline and progressive, 4:4:4 and 4:2:0.
//!
//! libjpeg reports errors by unwinding (`resume_unwind`, no panic message), so every call is
//! wrapped in `catch_unwind`; a corrupt file is simply "not decodable here". CMYK/YCCK files,
//! which libjpeg cannot turn into RGB, are left to the caller's fallback decoder.

use std::panic::{AssertUnwindSafe, catch_unwind};

use mozjpeg::{ColorSpace, Decompress};

/// PIL's decompression-bomb limit (`2 * Image.MAX_IMAGE_PIXELS`): larger images are refused.
pub(crate) const MAX_PIXELS: usize = 178_956_970;

/// What decoding a JPEG gave.
pub(crate) enum Jpeg {
    /// Width, height and RGB samples, row-major.
    Rgb(usize, usize, Vec<u8>),
    /// The header declares more than [`MAX_PIXELS`] pixels.
    TooLarge(usize, usize),
    /// Not decodable by libjpeg into RGB (corrupt, truncated, CMYK/YCCK).
    Unsupported,
}

/// Whether `bytes` start with a JPEG SOI marker followed by another marker.
pub(crate) fn is_jpeg(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0xff, 0xd8, 0xff])
}

/// Decodes a JPEG to RGB exactly as PIL's `Image.open(...).convert("RGB")` would.
pub(crate) fn decode_rgb(bytes: &[u8]) -> Jpeg {
    let decoded = catch_unwind(AssertUnwindSafe(|| -> Option<Jpeg> {
        let decompress = Decompress::new_mem(bytes).ok()?;
        let (width, height) = decompress.size();
        if width.saturating_mul(height) > MAX_PIXELS {
            return Some(Jpeg::TooLarge(width, height));
        }
        if matches!(
            decompress.color_space(),
            ColorSpace::JCS_CMYK | ColorSpace::JCS_YCCK
        ) {
            return None;
        }
        let mut started = decompress.rgb().ok()?;
        let samples = started.read_scanlines::<u8>().ok()?;
        started.finish().ok()?;
        (samples.len() == width * height * 3).then_some(Jpeg::Rgb(width, height, samples))
    }));
    decoded.ok().flatten().unwrap_or(Jpeg::Unsupported)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_unsupported_not_a_crash() {
        assert!(matches!(
            decode_rgb(b"\xff\xd8\xff\xe0 not really a jpeg"),
            Jpeg::Unsupported
        ));
        assert!(matches!(decode_rgb(b""), Jpeg::Unsupported));
    }

    #[test]
    fn round_trip_of_a_flat_image() {
        // A flat mid-grey JPEG decodes to (nearly) that grey everywhere.
        let mut encoded = std::io::Cursor::new(Vec::new());
        let flat = image::RgbImage::from_pixel(24, 16, image::Rgb([128, 128, 128]));
        image::DynamicImage::ImageRgb8(flat)
            .write_to(&mut encoded, image::ImageFormat::Jpeg)
            .expect("encode jpeg");
        let bytes = encoded.into_inner();
        assert!(is_jpeg(&bytes));
        let Jpeg::Rgb(w, h, samples) = decode_rgb(&bytes) else {
            panic!("should decode")
        };
        assert_eq!((w, h), (24, 16));
        assert!(samples.iter().all(|&s| s.abs_diff(128) <= 1), "{samples:?}");
    }
}
