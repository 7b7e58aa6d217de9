//! ICO decoding the way PIL opens favicons, for the perceptual hashes.
//!
//! Which image of an icon PIL uses (`IcoImagePlugin`): the entries are sorted by colour depth
//! (the `bpp` field, else `ceil(log2(colours))`, else 256), then, stably, by area descending, and
//! the first one wins, so the largest icon with the lowest depth among equal sizes. A PNG entry
//! is decoded as PNG; a DIB entry is read as its XOR bitmap only (half the DIB height), bottom
//! up, palette looked up for 1/4/8 bits and BGR(X) for 24/32 bits. The AND mask and the alpha
//! channel only feed transparency, which `convert("L")` ignores, so they are not read; that
//! also keeps icons whose mask is cut short decodable, as PIL does.
//!
//! The `image` crate picks a different entry on some icons and refuses truncated masks, which
//! is why this exists. Anything unusual here (16-bit DIBs, bit-field or compressed DIBs,
//! cursors) is reported as unsupported and left to the caller's fallback decoder.

/// What decoding an icon gave.
pub(crate) enum Ico {
    /// The chosen entry is a PNG image starting at this byte offset.
    Png(usize),
    /// The chosen entry is a DIB, decoded to RGB samples.
    Rgb(usize, usize, Vec<u8>),
    /// Not an icon this reader handles.
    Unsupported,
}

/// One ICONDIRENTRY, with PIL's derived sort keys.
struct Entry {
    area: u32,
    depth: u32,
    offset: usize,
}

/// Whether `bytes` start with an icon (not cursor) directory holding at least one image.
pub(crate) fn is_ico(bytes: &[u8]) -> bool {
    bytes.len() >= 6 && bytes[..4] == [0, 0, 1, 0] && bytes[4..6] != [0, 0]
}

/// Decodes the entry PIL would pick.
pub(crate) fn decode(bytes: &[u8]) -> Ico {
    let Some(entry) = choose_entry(bytes) else {
        return Ico::Unsupported;
    };
    let Some(data) = bytes.get(entry.offset..) else {
        return Ico::Unsupported;
    };
    if data.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Ico::Png(entry.offset);
    }
    decode_dib(data).unwrap_or(Ico::Unsupported)
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// PIL's choice: largest area first, then lowest colour depth, then file order.
fn choose_entry(bytes: &[u8]) -> Option<Entry> {
    let count = usize::from(u16_at(bytes, 4)?);
    let mut entries = Vec::with_capacity(count);
    for i in 0..count {
        let at = 6 + 16 * i;
        let raw = bytes.get(at..at + 16)?;
        let side = |b: u8| if b == 0 { 256 } else { u32::from(b) };
        let colours = u32::from(raw[2]);
        let bpp = u16_at(raw, 6)?;
        let depth = if bpp != 0 {
            u32::from(bpp)
        } else if colours != 0 {
            // ceil(log2(colours)) for 1..=255 colours.
            u32::BITS - (colours - 1).leading_zeros()
        } else {
            256
        };
        let offset = u32_at(raw, 12)? as usize;
        entries.push(Entry {
            area: side(raw[0]) * side(raw[1]),
            depth,
            offset,
        });
    }
    entries.sort_by_key(|e| e.depth);
    entries.sort_by_key(|e| std::cmp::Reverse(e.area));
    entries.into_iter().next()
}

/// The XOR bitmap of a BI_RGB DIB with a 40-byte (or larger) info header, as RGB.
fn decode_dib(dib: &[u8]) -> Option<Ico> {
    let header = u32_at(dib, 0)? as usize;
    if header < 40 {
        return None;
    }
    let width = usize::try_from(i32::from_le_bytes(dib.get(4..8)?.try_into().ok()?)).ok()?;
    let full_height = i32::from_le_bytes(dib.get(8..12)?.try_into().ok()?);
    let bpp = u16_at(dib, 14)?;
    if u32_at(dib, 16)? != 0 || full_height <= 0 || width == 0 {
        return None;
    }
    let height = usize::try_from(full_height / 2).ok()?;
    if width.checked_mul(height)? > super::jpeg::MAX_PIXELS {
        return None;
    }

    let palette_len = match bpp {
        1 | 4 | 8 => match u32_at(dib, 32)? {
            0 => 1usize << bpp,
            used => used as usize,
        },
        24 | 32 => 0,
        _ => return None,
    };
    let palette = dib.get(header..header + 4 * palette_len)?;
    let pixels = &dib[header + 4 * palette_len..];
    let stride = (width * usize::from(bpp)).div_ceil(32) * 4;
    if pixels.len() < stride * height {
        return None;
    }

    let mut rgb = Vec::with_capacity(width * height * 3);
    for y in 0..height {
        // Rows are stored bottom-up.
        let row = &pixels[(height - 1 - y) * stride..(height - y) * stride];
        for x in 0..width {
            let bgr = match bpp {
                24 | 32 => {
                    let at = x * usize::from(bpp / 8);
                    [row[at], row[at + 1], row[at + 2]]
                }
                _ => {
                    let per_byte = 8 / usize::from(bpp);
                    let byte = row[x / per_byte];
                    let shift = 8 - usize::from(bpp) * (x % per_byte + 1);
                    let index = usize::from(byte >> shift) & ((1 << bpp) - 1);
                    palette
                        .get(4 * index..4 * index + 3)
                        .map_or([0; 3], |c| [c[0], c[1], c[2]])
                }
            };
            rgb.extend_from_slice(&[bgr[2], bgr[1], bgr[0]]);
        }
    }
    Some(Ico::Rgb(width, height, rgb))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A one-entry icon holding a 2x2 DIB of the given bit depth.
    fn icon(bpp: u16, palette: &[[u8; 4]], rows_bottom_up: &[&[u8]]) -> Vec<u8> {
        let mut dib = Vec::new();
        dib.extend_from_slice(&40u32.to_le_bytes());
        dib.extend_from_slice(&2i32.to_le_bytes());
        dib.extend_from_slice(&4i32.to_le_bytes());
        dib.extend_from_slice(&1u16.to_le_bytes());
        dib.extend_from_slice(&bpp.to_le_bytes());
        dib.extend_from_slice(&[0; 16]);
        dib.extend_from_slice(&(palette.len() as u32).to_le_bytes());
        dib.extend_from_slice(&[0; 4]);
        for colour in palette {
            dib.extend_from_slice(colour);
        }
        for row in rows_bottom_up {
            dib.extend_from_slice(row);
        }
        let mut ico = vec![0, 0, 1, 0, 1, 0, 2, 2, 0, 0, 1, 0];
        ico.extend_from_slice(&bpp.to_le_bytes());
        ico.extend_from_slice(&(dib.len() as u32).to_le_bytes());
        ico.extend_from_slice(&22u32.to_le_bytes());
        ico.extend_from_slice(&dib);
        ico
    }

    #[test]
    fn reads_32_bit_rows_bottom_up_as_rgb() {
        // Bottom row blue, top row red (BGRX order in the file); no AND mask at all.
        let bytes = icon(
            32,
            &[],
            &[&[255, 0, 0, 0, 255, 0, 0, 0], &[0, 0, 255, 0, 0, 0, 255, 0]],
        );
        assert!(is_ico(&bytes));
        let Ico::Rgb(w, h, rgb) = decode(&bytes) else {
            panic!("should decode")
        };
        assert_eq!((w, h), (2, 2));
        assert_eq!(rgb, vec![255, 0, 0, 255, 0, 0, 0, 0, 255, 0, 0, 255]);
    }

    #[test]
    fn reads_1_bit_palette_with_row_padding() {
        let palette = [[0, 0, 0, 0], [255, 255, 255, 0]];
        // Each 2-pixel row is padded to 4 bytes; bit 7 is the left pixel.
        let bytes = icon(
            1,
            &palette,
            &[&[0b0100_0000, 0, 0, 0], &[0b1000_0000, 0, 0, 0]],
        );
        let Ico::Rgb(_, _, rgb) = decode(&bytes) else {
            panic!("should decode")
        };
        assert_eq!(rgb, vec![255, 255, 255, 0, 0, 0, 0, 0, 0, 255, 255, 255]);
    }

    #[test]
    fn largest_entry_wins_then_lowest_depth() {
        let mut bytes = vec![0, 0, 1, 0, 3, 0];
        for (side, bpp, offset) in [(16u8, 32u16, 100u32), (64, 32, 200), (64, 8, 300)] {
            bytes.extend_from_slice(&[side, side, 0, 0, 1, 0]);
            bytes.extend_from_slice(&bpp.to_le_bytes());
            bytes.extend_from_slice(&[0; 4]);
            bytes.extend_from_slice(&offset.to_le_bytes());
        }
        let chosen = choose_entry(&bytes).unwrap();
        assert_eq!((chosen.area, chosen.depth, chosen.offset), (4096, 8, 300));
    }

    #[test]
    fn cursors_and_junk_are_not_icons() {
        assert!(!is_ico(b"\x00\x00\x02\x00\x01\x00"));
        assert!(!is_ico(b"<html>"));
        assert!(matches!(
            decode(b"\x00\x00\x01\x00\x01\x00"),
            Ico::Unsupported
        ));
    }
}
