//! Perceptual image hashes (aHash, pHash, dHash) exactly as Python `imagehash` 4.3 computes
//! them on a PIL image, so screenshot and logo hashes compare with values from other tools.
//!
//! Definitions (imagehash 4.3.2 on Pillow 13, `hash_size` 8):
//! * every hash starts with PIL's `image.convert("L")` (see `pil_luma`) and a resize with
//!   `Image.LANCZOS` as Pillow implements it (see the `resample` module);
//! * `average_hash`: resize to 8×8; bit = pixel `>` the mean of the 64 pixels;
//! * `phash`: resize to 32×32; 2-D DCT-II as `scipy.fftpack.dct` (type 2, no normalisation:
//!   `y[k] = 2 Σ x[n] cos(πk(2n+1)/2N)`) over axis 0 then axis 1; keep the top-left 8×8;
//!   bit = coefficient `>` their median (mean of the two middle values);
//! * `dhash`: resize to 9 wide × 8 high; bit = `right > left` for each horizontal neighbour
//!   pair (`pixels[:, 1:] > pixels[:, :-1]`);
//! * text form (`str(hash)`): bits row-major, most significant first, as lowercase hex.
//!
//! Decoding: JPEG goes through libjpeg (mozjpeg, see the `jpeg` module) and ICO through a
//! reader that picks the entry PIL picks (the `ico` module); both gave PIL's pixels on every
//! corpus file. Everything else goes through the `image` crate, whose PNG and GIF results
//! equalled PIL's on the corpus; 24-bit and palette BMP, lossless and lossy WebP, 1-bit, LA
//! and 16-bit grey PNG and CMYK JPEG gave PIL's hashes on a synthetic test crop, but their
//! pixels were not compared, so a rare bit may differ there (also for GIFs whose first frame
//! does not cover the whole canvas). Images over PIL's decompression-bomb limit are refused.
//! Choosing which images to hash is the capture layer's job.

use image::DynamicImage;

use super::ico::{self, Ico};
use super::jpeg::{self, Jpeg};
use super::resample::{Gray, resize_lanczos};

/// The three 64-bit hashes of one image, each as 16 lowercase hex characters.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ImageHashes {
    /// `imagehash.average_hash(image)`.
    pub ahash: String,
    /// `imagehash.phash(image)`.
    pub phash: String,
    /// `imagehash.dhash(image)`.
    pub dhash: String,
}

/// Why an image has no perceptual hash.
#[derive(Debug, thiserror::Error)]
pub enum ImageHashError {
    /// The bytes are not an image the decoder understands, or the image is corrupt.
    #[error("cannot decode image: {0}")]
    Decode(#[from] image::ImageError),
    /// The image decoded to zero width or height.
    #[error("image has no pixels")]
    Empty,
    /// More pixels than PIL accepts (its decompression-bomb limit, 178,956,970).
    #[error("image of {width}x{height} pixels is too large to hash")]
    TooLarge {
        /// Declared width in pixels.
        width: usize,
        /// Declared height in pixels.
        height: usize,
    },
}

/// aHash, pHash and dHash (hash size 8) of an encoded image, equal to Python imagehash's
/// `str(average_hash(im))`, `str(phash(im))` and `str(dhash(im))` for `im = Image.open(...)`.
pub fn image_hashes(bytes: &[u8]) -> Result<ImageHashes, ImageHashError> {
    image_hashes_sized(bytes, 8)
}

/// The same three hashes with another `hash_size` (imagehash's argument; 16 gives 256 bits).
pub fn image_hashes_sized(bytes: &[u8], hash_size: usize) -> Result<ImageHashes, ImageHashError> {
    Ok(hashes_of(&decode_luma(bytes)?, hash_size))
}

/// The three hashes of an already converted ("L") image.
fn hashes_of(gray: &Gray, hash_size: usize) -> ImageHashes {
    ImageHashes {
        ahash: average_hash(gray, hash_size),
        phash: phash(gray, hash_size),
        dhash: dhash(gray, hash_size),
    }
}

/// Hamming distance between two hashes in imagehash's hex form (`hash_a - hash_b` in Python);
/// `None` when they differ in length or are not hex.
pub fn hamming(a: &str, b: &str) -> Option<u32> {
    if a.len() != b.len() {
        return None;
    }
    let mut bits = 0;
    for (x, y) in a.chars().zip(b.chars()) {
        bits += (x.to_digit(16)? ^ y.to_digit(16)?).count_ones();
    }
    Some(bits)
}

/// The pixels of PIL's `Image.open(bytes).convert("L")`.
fn decode_luma(bytes: &[u8]) -> Result<Gray, ImageHashError> {
    let gray = if jpeg::is_jpeg(bytes) {
        match jpeg::decode_rgb(bytes) {
            Jpeg::Rgb(width, height, rgb) => rgb_luma(width, height, &rgb),
            Jpeg::TooLarge(width, height) => {
                return Err(ImageHashError::TooLarge { width, height });
            }
            Jpeg::Unsupported => pil_luma(image::load_from_memory(bytes)?),
        }
    } else if ico::is_ico(bytes) {
        match ico::decode(bytes) {
            Ico::Rgb(width, height, rgb) => rgb_luma(width, height, &rgb),
            Ico::Png(offset) => pil_luma(image::load_from_memory_with_format(
                &bytes[offset..],
                image::ImageFormat::Png,
            )?),
            Ico::Unsupported => pil_luma(image::load_from_memory(bytes)?),
        }
    } else {
        pil_luma(image::load_from_memory(bytes)?)
    };
    if gray.width == 0 || gray.height == 0 {
        return Err(ImageHashError::Empty);
    }
    if gray.width.saturating_mul(gray.height) > jpeg::MAX_PIXELS {
        return Err(ImageHashError::TooLarge {
            width: gray.width,
            height: gray.height,
        });
    }
    Ok(gray)
}

/// PIL's luma of RGB samples decoded outside the `image` crate.
fn rgb_luma(width: usize, height: usize, rgb: &[u8]) -> Gray {
    let pixels = rgb.chunks_exact(3).map(|p| l24(p[0], p[1], p[2])).collect();
    Gray {
        width,
        height,
        pixels,
    }
}

/// PIL's `convert("L")` of the image as PIL would have opened it: luma
/// `(R·19595 + G·38470 + B·7471 + 0x8000) >> 16` (ITU-R 601-2 in 16-bit fixed point, Pillow's
/// `L24`), alpha ignored, palette entries looked up first (the decoder expands palettes).
/// 16-bit samples: PIL keeps the high byte of RGB(A) and LA, and clamps 16-bit grey ("I;16")
/// to 255 rather than scaling it.
fn pil_luma(image: DynamicImage) -> Gray {
    let (width, height) = (image.width() as usize, image.height() as usize);
    let pixels: Vec<u8> = match image {
        DynamicImage::ImageLuma8(im) => im.into_raw(),
        DynamicImage::ImageLumaA8(im) => im.pixels().map(|p| p.0[0]).collect(),
        DynamicImage::ImageRgb8(im) => im.pixels().map(|p| l24(p.0[0], p.0[1], p.0[2])).collect(),
        DynamicImage::ImageRgba8(im) => im.pixels().map(|p| l24(p.0[0], p.0[1], p.0[2])).collect(),
        DynamicImage::ImageLuma16(im) => im.pixels().map(|p| p.0[0].min(255) as u8).collect(),
        DynamicImage::ImageLumaA16(im) => im.pixels().map(|p| high(p.0[0])).collect(),
        DynamicImage::ImageRgb16(im) => im
            .pixels()
            .map(|p| l24(high(p.0[0]), high(p.0[1]), high(p.0[2])))
            .collect(),
        DynamicImage::ImageRgba16(im) => im
            .pixels()
            .map(|p| l24(high(p.0[0]), high(p.0[1]), high(p.0[2])))
            .collect(),
        other => other
            .to_rgb8()
            .pixels()
            .map(|p| l24(p.0[0], p.0[1], p.0[2]))
            .collect(),
    };
    Gray {
        width,
        height,
        pixels,
    }
}

/// Pillow's `L24(rgb) >> 16`.
fn l24(r: u8, g: u8, b: u8) -> u8 {
    let acc = u32::from(r) * 19595 + u32::from(g) * 38470 + u32::from(b) * 7471 + 0x8000;
    (acc >> 16) as u8
}

fn high(sample: u16) -> u8 {
    (sample >> 8) as u8
}

fn average_hash(gray: &Gray, size: usize) -> String {
    let small = resize_lanczos(gray, size, size);
    let sum: u64 = small.pixels.iter().map(|&p| u64::from(p)).sum();
    // numpy.mean of uint8 pixels: the exact integer sum divided in float64.
    let mean = sum as f64 / small.pixels.len() as f64;
    to_hex(small.pixels.iter().map(|&p| f64::from(p) > mean))
}

fn phash(gray: &Gray, size: usize) -> String {
    let n = size * 4;
    let small = resize_lanczos(gray, n, n);
    let pixels: Vec<f64> = small.pixels.iter().map(|&p| f64::from(p)).collect();
    let coefficients = dct_2d(&pixels, n);

    let low: Vec<f64> = (0..size)
        .flat_map(|r| (0..size).map(move |c| (r, c)))
        .map(|(r, c)| coefficients[r * n + c])
        .collect();
    let median = median(&low);
    to_hex(low.iter().map(|&v| v > median))
}

fn dhash(gray: &Gray, size: usize) -> String {
    let small = resize_lanczos(gray, size + 1, size);
    let row = |r: usize| &small.pixels[r * (size + 1)..(r + 1) * (size + 1)];
    to_hex((0..size).flat_map(|r| row(r).windows(2).map(|w| w[1] > w[0])))
}

/// numpy's median: the middle value, or the mean of the two middle values.
fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    if sorted.len() % 2 == 1 {
        sorted[mid]
    } else {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    }
}

/// `scipy.fftpack.dct(scipy.fftpack.dct(x, axis=0), axis=1)` of an `n`×`n` row-major matrix.
fn dct_2d(x: &[f64], n: usize) -> Vec<f64> {
    let mut by_columns = vec![0.0; n * n];
    for c in 0..n {
        let column: Vec<f64> = (0..n).map(|r| x[r * n + c]).collect();
        for (r, v) in dct_ii(&column).into_iter().enumerate() {
            by_columns[r * n + c] = v;
        }
    }
    by_columns.chunks(n).flat_map(dct_ii).collect()
}

/// Unnormalised DCT-II, `y[k] = 2 Σ x[i] cos(πk(2i+1)/2N)`, as scipy's type 2.
///
/// Computed by the even/odd split (even outputs are the half-length DCT of `x[i] + x[N-1-i]`,
/// odd outputs use `x[i] - x[N-1-i]`), so that, like scipy's FFT-based transform, a constant
/// input gives exactly zero for every `k > 0`. A direct sum leaves rounding noise there,
/// which flips the median comparison of flat images.
fn dct_ii(x: &[f64]) -> Vec<f64> {
    half_dct(x).into_iter().map(|v| 2.0 * v).collect()
}

fn half_dct(x: &[f64]) -> Vec<f64> {
    let n = x.len();
    if n % 2 == 1 {
        return (0..n).map(|k| direct_term(x, k, n)).collect();
    }
    let half = n / 2;
    let sums: Vec<f64> = (0..half).map(|i| x[i] + x[n - 1 - i]).collect();
    let diffs: Vec<f64> = (0..half).map(|i| x[i] - x[n - 1 - i]).collect();
    let even = half_dct(&sums);
    let mut out = vec![0.0; n];
    for (m, v) in even.into_iter().enumerate() {
        out[2 * m] = v;
    }
    for m in 0..half {
        out[2 * m + 1] = direct_term(&diffs, 2 * m + 1, n);
    }
    out
}

/// `Σ_i x[i] cos(πk(2i+1)/2n)` over the given (possibly half-length) input.
fn direct_term(x: &[f64], k: usize, n: usize) -> f64 {
    let step = std::f64::consts::PI * k as f64 / (2 * n) as f64;
    x.iter()
        .enumerate()
        .map(|(i, &v)| v * (step * (2 * i + 1) as f64).cos())
        .sum()
}

/// imagehash's `_binary_array_to_hex`: bits MSB first, zero-padded to `ceil(bits / 4)` digits.
fn to_hex(bits: impl Iterator<Item = bool>) -> String {
    let bits: Vec<bool> = bits.collect();
    let pad = (4 - bits.len() % 4) % 4;
    let padded: Vec<bool> = std::iter::repeat_n(false, pad).chain(bits).collect();
    padded
        .chunks(4)
        .map(|nibble| {
            let v = nibble
                .iter()
                .fold(0u32, |acc, &b| (acc << 1) | u32::from(b));
            char::from_digit(v, 16).unwrap_or('0')
        })
        .collect()
}

#[cfg(test)]
#[path = "imagehash_tests.rs"]
mod tests;
